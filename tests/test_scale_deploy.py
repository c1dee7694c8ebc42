"""The deployment files parse and agree with the gateway: the variables it reads, the
probe paths it serves, the rules it accepts, and names that point at each other."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from gateway.cli import build_parser
from gateway.config import DEFAULT_RULES, parse_rules
from gateway.pseudo import SECRET_ENV
from gateway.ratelimit import REDIS_ENV
from gateway.store import DATABASE_ENV

DEPLOY = Path(__file__).resolve().parent.parent / "deploy"
K8S = DEPLOY / "k8s"
SHARED_STATE_ENV = {DATABASE_ENV, REDIS_ENV, SECRET_ENV}


def k8s_objects() -> dict[str, dict[str, Any]]:
    """Every object the kustomization lists, by kind."""
    kustomization = yaml.safe_load((K8S / "kustomization.yaml").read_text())
    objects = [doc for name in kustomization["resources"]
               for doc in yaml.safe_load_all((K8S / name).read_text()) if doc]
    return {obj["kind"]: obj for obj in objects}


def test_kustomization_lists_every_manifest() -> None:
    listed = set(yaml.safe_load((K8S / "kustomization.yaml").read_text())["resources"])
    assert listed == {p.name for p in K8S.glob("*.yaml")} - {"kustomization.yaml"}
    assert set(k8s_objects()) == {"ConfigMap", "Secret", "Deployment", "Service", "HorizontalPodAutoscaler"}


def test_deployment_probes_and_wiring() -> None:
    objects = k8s_objects()
    deployment = objects["Deployment"]
    pod = deployment["spec"]["template"]
    container = pod["spec"]["containers"][0]
    assert container["readinessProbe"]["httpGet"]["path"] == "/healthz"
    assert container["livenessProbe"]["httpGet"]["path"] == "/healthz/live"
    assert container["envFrom"][0]["secretRef"]["name"] == objects["Secret"]["metadata"]["name"]
    assert set(objects["Secret"]["stringData"]) >= SHARED_STATE_ENV
    rules_volume = next(v for v in pod["spec"]["volumes"] if v["name"] == "rules")
    assert rules_volume["configMap"]["name"] == objects["ConfigMap"]["metadata"]["name"]
    mount = next(m for m in container["volumeMounts"] if m["name"] == "rules")["mountPath"]
    config = container["args"][container["args"].index("--config") + 1]
    assert Path(config).parent == Path(mount) and Path(config).name in objects["ConfigMap"]["data"]
    command = build_parser().parse_args(container["args"][1:])  # every flag is one `gateway` knows
    assert (command.workers, command.cpu_affinity) == (1, "off")  # pods share cores (deploy/README.md)
    labels = pod["metadata"]["labels"]
    assert objects["Service"]["spec"]["selector"].items() <= labels.items()
    assert deployment["spec"]["selector"]["matchLabels"].items() <= labels.items()
    target = objects["HorizontalPodAutoscaler"]["spec"]["scaleTargetRef"]
    assert (target["kind"], target["name"]) == ("Deployment", deployment["metadata"]["name"])


def test_configmap_rules_are_the_shipped_rules() -> None:
    text = k8s_objects()["ConfigMap"]["data"]["gateway.yaml"]
    assert text == DEFAULT_RULES.read_text(encoding="utf-8")
    assert parse_rules(text, "configmap").providers


@pytest.mark.parametrize("service", ["gateway", "postgres", "redis"])
def test_compose_services(service: str) -> None:
    compose = yaml.safe_load((DEPLOY / "docker-compose.yml").read_text())
    assert service in compose["services"]
    gateway = compose["services"]["gateway"]
    assert set(gateway["environment"]) >= SHARED_STATE_ENV
    if service != "gateway":
        assert gateway["depends_on"][service]["condition"] == "service_healthy"
        assert compose["services"][service]["healthcheck"]["test"]
