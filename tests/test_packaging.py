"""An installed gateway (``pip install .``, the Docker image) finds its default rules.

Building a real wheel needs the network (an isolated build fetches setuptools), so this
checks the two halves separately: the build step in setup.py copies rules/ into the
package, and gateway.config prefers that copy when it is there.
"""

from __future__ import annotations

import importlib.util
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _default_rules(package_root: Path) -> str:
    """gateway.config.DEFAULT_RULES as a fresh interpreter sees it with ``package_root`` on its path."""
    code = "import gateway.config as c; print(c.DEFAULT_RULES)"
    result = subprocess.run([sys.executable, "-c", code], cwd=package_root,
                            env={"PYTHONPATH": str(package_root)},
                            capture_output=True, text=True, check=True, timeout=60)
    return result.stdout.strip()


def test_installed_package_uses_the_rules_copied_into_it(tmp_path: Path) -> None:
    site = tmp_path / "site-packages"
    shutil.copytree(ROOT / "gateway", site / "gateway", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copytree(ROOT / "rules", site / "gateway" / "_rules")
    assert _default_rules(site) == str(site / "gateway" / "_rules" / "gateway.yaml")


def test_checkout_uses_the_rules_at_the_root() -> None:
    assert _default_rules(ROOT) == str(ROOT / "rules" / "gateway.yaml")


def _yaml_files(directory: Path) -> set[Path]:
    return {p.relative_to(directory) for p in directory.rglob("*.yaml")}


def test_build_copies_the_rules_into_the_package(tmp_path: Path) -> None:
    spec = importlib.util.spec_from_file_location("gateway_setup", ROOT / "setup.py")
    assert spec is not None and spec.loader is not None
    setup = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(setup)
    stale = tmp_path / "gateway" / "_rules" / "removed.yaml"
    stale.parent.mkdir(parents=True)
    stale.write_text("{}")
    setup.ship_rules(tmp_path)
    assert _yaml_files(tmp_path / "gateway" / "_rules") == _yaml_files(ROOT / "rules")


def test_docker_image_builds_from_every_build_input() -> None:
    dockerfile = (ROOT / "Dockerfile").read_text()
    for needed in ("pyproject.toml", "setup.py", "MANIFEST.in", "COPY gateway", "COPY rules"):
        assert needed in dockerfile
    assert "pip install -e" not in dockerfile  # the image runs the package as installed
