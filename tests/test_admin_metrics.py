"""GET /metrics: Prometheus text with requests, blocks, latencies and upstream errors."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from admin_helpers import AdminGateway, admin_gateway, rules_yaml
from fakeprovider import FakeProvider
from prometheus_client.parser import text_string_to_metric_families

from gateway.core import Decision, Inspection
from gateway.engine import Engine
from gateway.pipeline import IdentityTransformer, NullInspector
from gateway.reload import WATCH_ENV


class BlockWordPolicy:
    """Blocks any request whose text mentions 'forbidden' (reason ``test_rule``)."""

    def decide(self, inspection: Inspection, segments: list, provider: str, user_group: str | None
               ) -> Decision:
        blocked = any("forbidden" in s.text for s in segments)
        return Decision(blocked=blocked, reason_code="test_rule" if blocked else None)


@pytest.fixture
def gw(tmp_path: Path, provider: FakeProvider, monkeypatch: pytest.MonkeyPatch) -> Iterator[AdminGateway]:
    monkeypatch.setenv(WATCH_ENV, "0")
    engine = Engine(NullInspector(), BlockWordPolicy(), IdentityTransformer())
    with admin_gateway(tmp_path, rules_yaml(f"http://127.0.0.1:{provider.port}"), engine=engine) as gateway:
        yield gateway


def _samples(gw: AdminGateway) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    answer = httpx.get(f"{gw.url}/metrics", timeout=10)
    assert answer.status_code == 200 and answer.headers["content-type"].startswith("text/plain")
    return {(s.name, tuple(sorted(s.labels.items()))): s.value
            for family in text_string_to_metric_families(answer.text) for s in family.samples}


def test_metrics_count_requests_blocks_latency_and_upstream_errors(gw: AdminGateway,
                                                                   provider: FakeProvider) -> None:
    gw.chat()
    gw.chat()
    gw.chat(messages=[{"role": "user", "content": "this is forbidden"}])
    provider.script.failure = "500"
    gw.chat()

    samples = _samples(gw)

    chat = ("endpoint", "/v1/chat/completions")
    assert samples[("gateway_requests_total", (("decision", "forwarded"), chat))] == 2
    assert samples[("gateway_requests_total", (("decision", "blocked"), chat))] == 1
    assert samples[("gateway_requests_total", (("decision", "error"), chat))] == 1
    assert samples[("gateway_blocks_total", (("reason", "test_rule"),))] == 1
    assert samples[("gateway_request_duration_seconds_count", (chat,))] == 4
    assert samples[("gateway_upstream_errors_total", (("provider", "echo"),))] == 1
    assert samples[("gateway_energy_wh_total", (("provider", "echo"),))] > 0


def test_metrics_name_no_user(gw: AdminGateway) -> None:
    gw.chat()
    text = httpx.get(f"{gw.url}/metrics", timeout=10).text
    assert "alice" not in text and "gateway_requests_total" in text
