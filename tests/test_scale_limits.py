"""Per-user rate limits (429 + Retry-After), size limits from the rules (413), slow uploads
(408) and upstream retries only when the rules allow them."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Iterator

import anthropic
import httpx
import openai
import pytest
import redis
from conftest import settled
from fakeprovider import FakeProvider
from scale_helpers import FREE_KEY, HELLO, LIMITED_KEY, ScaleGateway, scale_gateway

from gateway.config import RateLimits
from gateway.core import Principal
from gateway.ratelimit import MemoryBackend, RateLimited, RateLimiter, RedisBackend

REDIS_URL = "redis://127.0.0.1:6379/15"


@pytest.fixture
def gw(provider: FakeProvider) -> Iterator[ScaleGateway]:
    with scale_gateway(provider) as gateway:
        yield gateway


def _oai(gw: ScaleGateway, key: str) -> openai.OpenAI:
    return openai.OpenAI(base_url=gw.url + "/v1", api_key=key, max_retries=0, timeout=10)


def test_rate_limit_is_429_with_retry_after_in_both_wire_formats(gw: ScaleGateway) -> None:
    oai = _oai(gw, LIMITED_KEY)
    for _ in range(2):  # the burst
        oai.chat.completions.create(model="echo-1", messages=HELLO)
    settled(gw.app)
    with pytest.raises(openai.RateLimitError) as err:
        oai.chat.completions.create(model="echo-1", messages=HELLO)
    assert err.value.code == "rate_limited"
    assert 50 <= int(err.value.response.headers["retry-after"]) <= 60
    claude = anthropic.Anthropic(base_url=gw.url, api_key=LIMITED_KEY, max_retries=0, timeout=10)
    with pytest.raises(anthropic.RateLimitError) as aerr:
        claude.messages.create(model="echo-claude", max_tokens=5, messages=HELLO)
    assert aerr.value.body["error"]["code"] == "rate_limited"
    assert len(gw.provider.posts) == 2
    assert [(r.decision, r.reason_code) for r in gw.store.records[2:]] == [("refused", "rate_limited")] * 2


def test_a_group_without_limit_is_not_limited(gw: ScaleGateway) -> None:
    oai = _oai(gw, FREE_KEY)
    for _ in range(5):
        oai.chat.completions.create(model="echo-1", messages=HELLO)
    assert len(gw.provider.posts) == 5


def test_gcra_allows_the_burst_then_the_average_rate() -> None:
    now = [1000.0]
    limiter = RateLimiter(MemoryBackend(clock=lambda: now[0]))
    limits = RateLimits(requests_per_minute=60, burst=3)  # one a second after three at once
    alice = Principal(user="alice", key_id="k")

    def attempt() -> float:
        try:
            asyncio.run(limiter.admit(alice, limits))
        except RateLimited as exc:
            return float(exc.headers["retry-after"])
        return 0.0

    assert [attempt() for _ in range(4)] == [0, 0, 0, 1]
    now[0] += 1.0
    assert [attempt(), attempt()] == [0, 1]
    now[0] += 10.0  # idle time refills the burst, never beyond it
    assert [attempt() for _ in range(4)] == [0, 0, 0, 1]


def test_redis_budget_is_shared_by_limiters() -> None:
    """Two limiters (as in two replicas) on one Redis draw on one budget, atomically."""
    prefix = f"gw-test-{uuid.uuid4().hex[:8]}:"
    limits = RateLimits(requests_per_minute=1, burst=7)
    bob = Principal(user="bob", key_id="k")

    async def run() -> list[bool]:
        # A generous timeout: 30 connections open at once, and a pause of the test process
        # (a garbage collection after a thousand tests) must not pass for Redis failing.
        replicas = [RateLimiter(RedisBackend(REDIS_URL, timeout_s=30), prefix) for _ in range(2)]

        async def one(limiter: RateLimiter) -> bool:
            try:
                await limiter.admit(bob, limits)
            except RateLimited:
                return False
            return True

        try:
            return await asyncio.gather(*(one(replicas[i % 2]) for i in range(30)))
        finally:
            for limiter in replicas:
                await limiter.aclose()

    try:
        accepted = asyncio.run(run())
    finally:
        client = redis.Redis.from_url(REDIS_URL)
        for key in client.scan_iter(f"{prefix}*"):
            client.delete(key)
    assert sum(accepted) == 7


def test_redis_down_fails_closed(provider: FakeProvider) -> None:
    with scale_gateway(provider, RateLimiter(RedisBackend("redis://127.0.0.1:1/0"))) as gw:
        with pytest.raises(openai.APIStatusError) as err:
            _oai(gw, LIMITED_KEY).chat.completions.create(model="echo-1", messages=HELLO)
        assert err.value.status_code == 503 and err.value.code == "gateway_unavailable"
        assert not provider.posts
        health = httpx.get(gw.url + "/healthz")
        assert health.status_code == 503
        assert health.json()["components"]["rate_limiter"].startswith("failed")


@pytest.mark.parametrize(("messages", "too_large"), [
    ([{"role": "user", "content": "hi"}] * 6, "more than 5 messages"),
    ([{"role": "user", "content": "x" * 600}] * 2, "more than 1000 characters"),
])
def test_size_limits_from_the_rules_are_413(gw: ScaleGateway, messages: list[dict[str, str]],
                                            too_large: str) -> None:
    with pytest.raises(openai.APIStatusError) as err:
        _oai(gw, FREE_KEY).chat.completions.create(model="echo-1", messages=messages)
    assert err.value.status_code == 413 and err.value.code == "request_too_large"
    assert too_large in err.value.message
    claude = anthropic.Anthropic(base_url=gw.url, api_key=FREE_KEY, max_retries=0, timeout=10)
    with pytest.raises(anthropic.APIStatusError) as aerr:
        claude.messages.create(model="echo-claude", max_tokens=5, messages=messages)
    assert aerr.value.status_code == 413 and aerr.value.body["error"]["type"] == "request_too_large"
    assert not gw.provider.posts


def test_body_over_the_rules_limit_is_413(gw: ScaleGateway) -> None:
    padded = b'{"model": "echo-1", "messages": [{"role": "user", "content": "hi"}]' + b" " * 20_000 + b"}"
    answer = httpx.post(gw.url + "/v1/chat/completions", content=padded,
                        headers={"Authorization": f"Bearer {FREE_KEY}", "content-type": "application/json"})
    assert answer.status_code == 413 and "larger than 20000 bytes" in answer.json()["error"]["message"]
    assert not gw.provider.posts


def test_slow_upload_is_408_and_logged(gw: ScaleGateway) -> None:
    def trickle() -> Iterator[bytes]:
        yield b'{"model": "echo-1", '
        time.sleep(1.0)  # body_timeout_s is 0.5
        yield b'"messages": [{"role": "user", "content": "hi"}]}'

    answer = httpx.post(gw.url + "/v1/chat/completions", content=trickle(), timeout=10,
                        headers={"Authorization": f"Bearer {FREE_KEY}", "content-type": "application/json"})
    assert answer.status_code == 408 and answer.json()["error"]["code"] == "request_timeout"
    assert not gw.provider.posts
    assert gw.store.records[-1].reason_code == "request_timeout"


def test_upstream_5xx_is_retried_only_when_the_rules_allow(gw: ScaleGateway) -> None:
    gw.provider.script.failure = "500"
    oai = _oai(gw, FREE_KEY)
    with pytest.raises(openai.APIStatusError) as err:
        oai.chat.completions.create(model="echo-1", messages=HELLO)
    assert err.value.status_code == 502
    assert len(gw.provider.posts) == 1  # retries: 0 (the default): the prompt went once
    with pytest.raises(openai.APIStatusError):
        oai.chat.completions.create(model="echo-retry", messages=HELLO)
    assert len(gw.provider.posts) == 1 + 3  # retries: 2
    assert [r.upstream_status for r in gw.store.records] == [500, 500]
