"""`gateway serve` (two workers) and `gateway scan`, run as subprocesses like an operator runs them."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from fakeprovider import free_port
from process_helpers import checkout_env, wait_ready
from store_helpers import sqlite_url

from gateway.affinity import children
from gateway.config import DEFAULT_RULES

START_TIMEOUT_S = 240  # the workers load the detection models


def _cli(*args: str, env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "gateway.cli", *args], env=env, cwd=cwd,
                          capture_output=True, text=True, timeout=120, check=True)


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    return checkout_env(GATEWAY_DATABASE_URL=sqlite_url(tmp_path))


@dataclass
class Served:
    url: str
    pid: int  # the supervisor; the workers are its children


@pytest.fixture
def served(env: dict[str, str], tmp_path: Path) -> Iterator[Served]:
    port = free_port()
    log = (tmp_path / "serve.log").open("w")
    process = subprocess.Popen([sys.executable, "-m", "gateway.cli", "serve", "--config", str(DEFAULT_RULES),
                                "--port", str(port), "--workers", "2"],
                               env=env, cwd=tmp_path, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        ready = wait_ready(process, base, time.monotonic() + START_TIMEOUT_S)
        assert ready, (tmp_path / "serve.log").read_text()[-5000:]
        yield Served(base, process.pid)
    finally:
        process.terminate()
        process.wait(timeout=30)
        log.close()


def test_serve_accepts_keys_from_the_cli(served: Served, env: dict[str, str], tmp_path: Path) -> None:
    server = served.url
    created = _cli("keys", "create", "--user", "eval", env=env, cwd=tmp_path)
    key_id, raw = created.stdout.split()[2], created.stdout.strip().splitlines()[-1]
    answers = [httpx.get(f"{server}/v1/models", headers={"Authorization": f"Bearer {raw}"}) for _ in range(4)]
    assert {a.status_code for a in answers} == {200}
    assert "gpt-4o" in {m["id"] for m in answers[0].json()["data"]}
    _cli("keys", "revoke", key_id, env=env, cwd=tmp_path)
    refused = httpx.get(f"{server}/v1/models", headers={"Authorization": f"Bearer {raw}"})
    assert refused.status_code == 401


def test_two_workers_answer_without_delayed_ack_stalls(served: Served) -> None:
    """With Nagle's algorithm on (uvicorn's own listening socket under --workers), every
    answer on a kept-alive connection waited ~40 ms for the client's delayed ACK."""
    server = served.url
    with httpx.Client() as client:
        client.get(f"{server}/healthz/live")
        times = []
        for _ in range(15):
            started = time.perf_counter()
            assert client.get(f"{server}/healthz/live").status_code == 200
            times.append(time.perf_counter() - started)
    assert sorted(times)[len(times) // 2] < 0.02, times  # ~1 ms; ~40 ms when the stall is back


@pytest.mark.skipif(not hasattr(os, "sched_getaffinity") or len(os.sched_getaffinity(0)) < 2,
                    reason="needs Linux and two CPUs")
def test_each_worker_has_a_core_of_its_own(served: Served) -> None:
    """gateway.affinity: every thread of a worker on one CPU, the two workers on two CPUs."""
    workers = [pid for pid in children(served.pid)
               if b"spawn_main" in Path(f"/proc/{pid}/cmdline").read_bytes()]
    assert len(workers) == 2
    cpus = []
    for pid in workers:
        masks = {frozenset(os.sched_getaffinity(int(task))) for task in os.listdir(f"/proc/{pid}/task")}
        assert len(masks) == 1 and len(next(iter(masks))) == 1, masks
        cpus.append(next(iter(next(iter(masks)))))
    assert len(set(cpus)) == 2, cpus


def test_scan_reads_stdin_and_prints_json(env: dict[str, str], tmp_path: Path) -> None:
    email = "jan.jansen@example.com"
    result = subprocess.run([sys.executable, "-m", "gateway.cli", "scan"], env=env, cwd=tmp_path,
                            input=f"Stuur de offerte naar {email} vandaag.", capture_output=True,
                            text=True, timeout=START_TIMEOUT_S, check=True)
    answer = json.loads(result.stdout)
    assert answer["decision"] == "forwarded" and answer["counts"] == {"EMAIL_ADDRESS": 1}
    assert email not in result.stdout
