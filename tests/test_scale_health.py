"""Fail closed: a failing detector, policy or log store gives 503 in the caller's wire format,
nothing is forwarded, and /healthz is unready (naming the component) until a probe passes."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from typing import Any

import anthropic
import httpx
import openai
import pytest
from conftest import settled
from fakeprovider import FakeProvider
from scale_helpers import FREE_KEY, HELLO, ScaleGateway, SwitchableStore, scale_gateway

from gateway.config import parse_rules
from gateway.core import Decision, Inspection
from gateway.health import Health, probe_engine
from gateway.pipeline import core_engine
from gateway.ratelimit import RateLimiter, RedisBackend


@pytest.fixture
def gw(provider: FakeProvider) -> Iterator[ScaleGateway]:
    with scale_gateway(provider) as gateway:
        yield gateway


class BrokenInspector:
    def inspect(self, texts: list[str]) -> Inspection:
        raise RuntimeError("model not loaded")


class BrokenPolicy:
    def decide(self, *args: Any) -> Decision:
        raise KeyError("profile")


def health(gw: ScaleGateway) -> tuple[int, dict[str, Any]]:
    answer = httpx.get(gw.url + "/healthz")
    return answer.status_code, answer.json()


def wait_ready(gw: ScaleGateway) -> dict[str, Any]:
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        status, body = health(gw)
        if status == 200:
            return body
        time.sleep(0.1)
    raise AssertionError(f"still unready: {body}")


def assert_503_both_formats(gw: ScaleGateway) -> None:
    oai = openai.OpenAI(base_url=gw.url + "/v1", api_key=FREE_KEY, max_retries=0, timeout=10)
    with pytest.raises(openai.APIStatusError) as err:
        oai.chat.completions.create(model="echo-1", messages=HELLO)
    assert err.value.status_code == 503 and err.value.code == "gateway_unavailable"
    claude = anthropic.Anthropic(base_url=gw.url, api_key=FREE_KEY, max_retries=0, timeout=10)
    with pytest.raises(anthropic.APIStatusError) as aerr:
        claude.messages.create(model="echo-claude", max_tokens=5, messages=HELLO, stream=True)
    assert aerr.value.status_code == 503 and aerr.value.body["error"]["type"] == "overloaded_error"
    assert not gw.provider.posts


@pytest.mark.parametrize(("stage", "component", "broken"), [
    ("inspector", "detector", BrokenInspector()),
    ("policy", "policy", BrokenPolicy()),
])
def test_failing_protection_stage_is_503_and_unready(gw: ScaleGateway, stage: str, component: str,
                                                    broken: object) -> None:
    assert health(gw)[0] == 200
    working = getattr(gw.engine, stage)
    setattr(gw.engine, stage, broken)
    assert_503_both_formats(gw)
    assert [r.decision for r in gw.store.records] == ["error", "error"]
    status, body = health(gw)
    assert status == 503 and body["status"] == "unready"
    assert body["components"][component].startswith("failed")
    time.sleep(0.3)  # a probe round with the stage still broken keeps it unready
    assert health(gw)[0] == 503
    setattr(gw.engine, stage, working)
    assert wait_ready(gw)["components"][component] == "ok"


def test_failing_log_store_is_503_and_unready(gw: ScaleGateway) -> None:
    oai = openai.OpenAI(base_url=gw.url + "/v1", api_key=FREE_KEY, max_retries=0, timeout=10)
    gw.store.down = True
    # This store authenticates without its database, so the first request only finds the
    # failure when it logs, after its answer was sent; the real store fails at the key lookup.
    oai.chat.completions.create(model="echo-1", messages=HELLO)
    settled(gw.app)
    gw.provider.reset()
    assert_503_both_formats(gw)  # from now on nothing leaves the gateway
    status, body = health(gw)
    assert status == 503 and body["components"]["store"] == "failed: ConnectionError"
    assert body["components"]["detector"] == "ok"
    gw.store.down = False
    wait_ready(gw)
    oai.chat.completions.create(model="echo-1", messages=HELLO)
    settled(gw.app)
    assert [r.decision for r in gw.store.records] == ["forwarded"]


def test_failing_key_check_of_a_known_key_is_a_store_failure(
        gw: ScaleGateway, monkeypatch: pytest.MonkeyPatch) -> None:
    """A known key is confirmed in the inspection's worker thread (gateway.known_keys); the
    store failing there is reported as the store's failure, not the detector's."""
    oai = openai.OpenAI(base_url=gw.url + "/v1", api_key=FREE_KEY, max_retries=0, timeout=10)
    oai.chat.completions.create(model="echo-1", messages=HELLO)
    gw.provider.reset()

    def down(raw_key: str) -> None:
        raise ConnectionError("database down")

    monkeypatch.setattr(gw.store, "authenticate", down)
    failed = []
    monkeypatch.setattr(gw.app.state.health, "failed", lambda stage, exc: failed.append((stage, type(exc))))
    with pytest.raises(openai.APIStatusError) as err:
        oai.chat.completions.create(model="echo-1", messages=HELLO)
    assert err.value.status_code == 503 and err.value.code == "gateway_unavailable"
    assert not gw.provider.posts
    assert failed == [("authenticate", ConnectionError)]


def test_a_one_off_failure_does_not_take_the_replica_out(gw: ScaleGateway) -> None:
    """A stage that failed once but passes the probe run right after is ready again."""
    gw.app.state.health.failed("protect", RuntimeError())  # type: ignore[attr-defined]
    status, body = health(gw)
    assert status == 200 and body["components"]["detector"] == "ok"


def test_healthz_reports_what_is_not_protected(gw: ScaleGateway) -> None:
    status, body = health(gw)
    assert status == 200 and body["unprotected"] == []
    assert body["rate_limiter"] == "memory (per process)"
    assert any("echo-retry" in w and "2 times" in w for w in body["warnings"])
    assert any("GATEWAY_REDIS_URL" in w for w in body["warnings"])
    assert httpx.get(gw.url + "/healthz/live").json() == {"status": "alive"}


def test_probe_checks_the_round_trip() -> None:
    class Forgetful:
        def transform(self, texts: list[str], findings: list[Any]) -> tuple[list[str], Any]:
            restorer = core_engine().transformer.transform([], [])[1]
            return ["someone else"], restorer

    engine = core_engine()
    assert probe_engine(engine) == {"detector": None, "policy": None, "pseudonymiser": None}
    engine.transformer = Forgetful()
    assert probe_engine(engine)["pseudonymiser"] == "restoring the surrogates did not give the text back"
    engine.inspector = BrokenInspector()
    assert probe_engine(engine) == {"detector": "RuntimeError",
                                    "policy": "not checked (an earlier stage failed)",
                                    "pseudonymiser": "not checked (an earlier stage failed)"}


def test_redis_is_not_a_dependency_without_rate_limits() -> None:
    dead_redis = RateLimiter(RedisBackend("redis://127.0.0.1:1/0"))
    health = Health(core_engine, SwitchableStore(), dead_redis, lambda: parse_rules("providers: []"))
    ready, body = asyncio.run(health.report())
    assert ready and body["rate_limiter"] == "off"
    limited = parse_rules("rate_limits: {requests_per_minute: 5}")
    ready, body = asyncio.run(Health(core_engine, SwitchableStore(), dead_redis, lambda: limited).report())
    assert not ready and body["components"]["rate_limiter"] == "failed: ConnectionError"
