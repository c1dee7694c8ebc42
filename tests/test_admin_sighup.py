"""SIGHUP reloads the rules of a running `gateway serve` (a subprocess, as operators run it)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest
from admin_helpers import ENERGY_YAML, rules_yaml
from fakeprovider import FakeProvider, free_port
from store_helpers import sqlite_url

from gateway.reload import WATCH_ENV
from gateway.store import Store

ROOT = Path(__file__).resolve().parent.parent
START_TIMEOUT_S = 240  # the full engine loads the detection models


def _wait(condition: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.2)


def _up(base: str) -> bool:
    try:
        return httpx.get(f"{base}/healthz", timeout=2).status_code == 200
    except httpx.TransportError:
        return False


@pytest.fixture
def serve(tmp_path: Path, provider: FakeProvider) -> Iterator[tuple[subprocess.Popen[bytes], str, Path]]:
    rules_file = tmp_path / "gateway.yaml"
    rules_file.write_text(rules_yaml(f"http://127.0.0.1:{provider.port}"))
    (tmp_path / "energy.yaml").write_text(ENERGY_YAML)
    env = {**os.environ, "GATEWAY_DATABASE_URL": sqlite_url(tmp_path), WATCH_ENV: "0",
           "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])}
    port = free_port()
    log = (tmp_path / "serve.log").open("w")
    process = subprocess.Popen([sys.executable, "-m", "gateway.cli", "serve", "--config", str(rules_file),
                                "--port", str(port)], env=env, cwd=tmp_path, stdout=log,
                               stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        _wait(lambda: _up(base) or process.poll() is not None, START_TIMEOUT_S, "the gateway to start")
        assert process.poll() is None, (tmp_path / "serve.log").read_text()[-3000:]
        yield process, base, rules_file
    finally:
        process.terminate()
        process.wait(timeout=30)
        log.close()


def test_sighup_applies_a_good_file_and_keeps_the_old_rules_for_a_bad_one(
        serve: tuple[subprocess.Popen[bytes], str, Path], provider: FakeProvider, tmp_path: Path) -> None:
    process, base, rules_file = serve
    store = Store(sqlite_url(tmp_path))
    _, key = store.create_key("alice")

    def status(model: str) -> int:
        body = {"model": model, "messages": [{"role": "user", "content": "hello"}]}
        return httpx.post(f"{base}/v1/chat/completions", json=body, timeout=30,
                          headers={"Authorization": f"Bearer {key}"}).status_code

    def admin_records() -> list[tuple[str, str]]:
        return [(r["user"], r["reason_code"]) for r in store.export() if r["decision"] == "admin"]

    assert status("echo-2") == 403
    rules_file.write_text(rules_yaml(f"http://127.0.0.1:{provider.port}", models="[echo-1, echo-2]"))
    process.send_signal(signal.SIGHUP)
    _wait(lambda: status("echo-2") == 200, 60, "the reloaded rules")

    rules_file.write_text("providers:\n  - name: [broken\n")
    process.send_signal(signal.SIGHUP)
    _wait(lambda: len(admin_records()) == 2, 60, "the rejected reload to be logged")
    assert status("echo-2") == 200
    assert process.poll() is None
    assert admin_records() == [("sighup", "rules_reloaded"), ("sighup", "rules_rejected")]
    store.close()
