"""Two gateway processes on one PostgreSQL and one Redis, as two replicas behind a load balancer.

Concurrent load through both must leave every request in the use log exactly once,
in one hash chain that verifies, and a per-user rate limit must hold across both
replicas (they share the budget in Redis, not one budget each).
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import openai
import pytest
import redis
from fakeprovider import FakeProvider, ServerThread, build_app, free_port
from process_helpers import checkout_env, wait_ready
from store_helpers import missing_service, postgres_schema_url

from gateway.store import Store

REDIS_URL = os.environ.get("GATEWAY_TEST_REDIS_URL", "redis://127.0.0.1:6379/14")
START_TIMEOUT_S = 90  # each process loads the detection models
REQUESTS_PER_REPLICA = 40
BURST = 10  # the limited user's burst; one more request a minute after that
LIMITED_TRIES = 30
EMAIL = "jan.jansen@example.com"


def _rules(provider_url: str) -> str:
    return f"""
providers:
  - name: echo
    api: openai
    base_url: {provider_url}/v1
    api_key_env: FAKE_PROVIDER_KEY
    models: [echo-1]
rate_limits:
  groups:
    limited: {{requests_per_minute: 1, burst: {BURST}}}
"""


@pytest.fixture
def redis_prefix() -> Iterator[str]:
    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2)
    try:
        client.ping()
    except redis.ConnectionError as exc:
        missing_service(f"Redis not reachable at {REDIS_URL}: {exc}")
    prefix = f"gw-test-{uuid.uuid4().hex[:12]}:"
    yield prefix
    for key in client.scan_iter(f"{prefix}*"):
        client.delete(key)
    client.close()


@pytest.fixture
def provider_url() -> Iterator[str]:
    state = FakeProvider(record=False)
    with ServerThread(build_app(state)) as server:
        state.port = server.port
        yield server.url


@pytest.fixture
def replicas(tmp_path: Path, provider_url: str, redis_prefix: str
             ) -> Iterator[tuple[list[str], dict[str, str], str]]:
    """Two `gateway serve` processes: (their URLs, their environment, the database URL)."""
    rules = tmp_path / "gateway.yaml"
    rules.write_text(_rules(provider_url))
    with postgres_schema_url() as database:
        Store(database).upgrade()
        env = checkout_env(GATEWAY_DATABASE_URL=database, GATEWAY_REDIS_URL=REDIS_URL,
                           GATEWAY_REDIS_PREFIX=redis_prefix, GATEWAY_PSEUDONYM_SECRET=uuid.uuid4().hex,
                           FAKE_PROVIDER_KEY="sk-fake", GATEWAY_RULES_WATCH_S="0")
        ports = [free_port(), free_port()]
        logs = [(tmp_path / f"replica{i}.log").open("w") for i in range(2)]
        processes = [subprocess.Popen([sys.executable, "-m", "gateway.cli", "serve", "--config", str(rules),
                                       "--port", str(port), "--log-level", "warning"],
                                      env=env, cwd=tmp_path, stdout=log, stderr=subprocess.STDOUT)
                     for port, log in zip(ports, logs, strict=True)]
        urls = [f"http://127.0.0.1:{port}" for port in ports]
        try:
            deadline = time.monotonic() + START_TIMEOUT_S
            for i, (process, url) in enumerate(zip(processes, urls, strict=True)):
                assert wait_ready(process, url, deadline), (tmp_path / f"replica{i}.log").read_text()[-3000:]
            yield urls, env, database
        finally:
            for process in processes:
                process.terminate()
            for process, log in zip(processes, logs, strict=True):
                process.wait(timeout=30)
                log.close()


def _send(url: str, key: str, n: int) -> tuple[str, int, str]:
    """One chat request: (the gateway's request id, the status, the answer text or error code)."""
    client = openai.OpenAI(base_url=url + "/v1", api_key=key, max_retries=0, timeout=30)
    messages = [{"role": "user", "content": f"Please write to {EMAIL} about invoice {n}."}]
    try:
        raw = client.chat.completions.with_raw_response.create(model="echo-1", messages=messages)
    except openai.APIStatusError as exc:
        return exc.response.headers["x-gateway-request-id"], exc.status_code, str(exc.code)
    finally:
        client.close()
    answer = raw.parse().choices[0].message.content or ""
    return raw.headers["x-gateway-request-id"], raw.status_code, answer


def test_two_replicas_share_the_log_and_the_rate_limit(
        replicas: tuple[list[str], dict[str, str], str]) -> None:
    urls, env, database = replicas
    store = Store(database)
    loader_key, limited_key = store.create_key("loader")[1], store.create_key("ines", "limited")[1]
    jobs = [(urls[n % 2], loader_key, n) for n in range(2 * REQUESTS_PER_REPLICA)]
    jobs += [(urls[n % 2], limited_key, n) for n in range(LIMITED_TRIES)]
    with ThreadPoolExecutor(max_workers=16) as pool:
        results = list(pool.map(lambda job: _send(*job), jobs))

    load, limited = results[:2 * REQUESTS_PER_REPLICA], results[2 * REQUESTS_PER_REPLICA:]
    assert all(status == 200 and EMAIL in text for _, status, text in load), load[:3]
    accepted = [r for r in limited if r[1] == 200]
    assert len(accepted) == BURST, Counter(status for _, status, _ in limited)
    assert {(status, code) for _, status, code in limited if status != 200} == {(429, "rate_limited")}

    # Each process writes an answer's record just after the answer: wait for the last ones.
    deadline = time.monotonic() + 10
    while sum(1 for _ in store.export()) < len(results) and time.monotonic() < deadline:
        time.sleep(0.05)
    logged = Counter(record["request_id"] for record in store.export())
    assert logged == Counter(request_id for request_id, _, _ in results)  # each exactly once
    decisions = Counter((r["user"], r["decision"]) for r in store.export())
    assert decisions == {("loader", "forwarded"): 80, ("ines", "forwarded"): BURST,
                         ("ines", "refused"): LIMITED_TRIES - BURST}
    verify = subprocess.run([sys.executable, "-m", "gateway.cli", "log", "verify"], env=env,
                            capture_output=True, text=True, timeout=60)
    assert verify.returncode == 0 and f"OK: {len(results)} records verified" in verify.stdout, verify.stdout
    for url in urls:
        health = httpx.get(f"{url}/healthz").json()
        assert health["rate_limiter"] == "redis" and set(health["components"].values()) == {"ok"}
    store.close()
