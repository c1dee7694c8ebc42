"""Shared fixtures: a fake provider and a running gateway on loopback, and SDK clients.

The gateway runs for the whole session (uvicorn in a thread) with an in-memory store
and an engine whose stages each test may swap (restored after the test).
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from typing import Any

import anthropic
import detectors
import openai
import pytest
from fakeprovider import FakeProvider, ServerThread, build_app

from gateway.app import create_app
from gateway.config import Rules, parse_rules
from gateway.core import Principal, UseRecord
from gateway.engine import Engine
from gateway.pipeline import core_engine
from gateway.sensitive import SensitiveDetector

PROVIDER_KEY_ENV = "FAKE_PROVIDER_KEY"
PROVIDER_KEY = "sk-provider-secret-0123456789"
KEY = "gw-test-alice-key"
REVOKED_KEY = "gw-test-revoked-key"
SUSPENDED_KEY = "gw-test-suspended-key"


@dataclass
class MemoryStore:
    """The store interface of the pipeline, in memory (the real one is gateway.store)."""

    principals: dict[str, Principal] = field(default_factory=dict)
    written: list[UseRecord] = field(default_factory=list)
    fail_records: bool = False
    # True once no answer's use record is still being written (set to the app's pipeline).
    idle: Callable[[], bool] = lambda: True

    @property
    def records(self) -> list[UseRecord]:
        """The records so far: the gateway writes one after its answer has gone out."""
        wait_until(self.idle)
        return self.written

    def authenticate(self, raw_key: str) -> Principal | None:
        return self.principals.get(raw_key)

    def record_use(self, record: UseRecord) -> None:
        self.record_uses([record])

    def record_uses(self, records: list[UseRecord]) -> None:
        if self.fail_records:
            raise RuntimeError("database down")
        self.written.extend(records)

    def usage_for(self, user: str, limit: int = 100) -> list[dict[str, Any]]:
        """``GET /v1/me/usage``: the user's records, newest first (gateway.store's, without the chain)."""
        return [asdict(r) for r in reversed(list(self.written)) if r.user == user][:limit]


def wait_until(condition: Callable[[], bool], timeout_s: float = 5.0) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition() and time.monotonic() < deadline:
        time.sleep(0.005)


def settled(app: Any) -> None:
    """Wait until the gateway has written the use records of the answers it sent."""
    wait_until(lambda: app.state.pipeline.pending_logs == 0)


def rules_for(provider_url: str) -> Rules:
    return parse_rules(
        f"""
providers:
  - name: echo
    api: openai
    base_url: {provider_url}/v1
    api_key_env: {PROVIDER_KEY_ENV}
    models: [echo-1, "echo-glob-*"]
  - name: echo-anthropic
    api: anthropic
    base_url: {provider_url}
    api_key_env: {PROVIDER_KEY_ENV}
    models: [echo-claude]
  - name: hasty
    api: openai
    base_url: {provider_url}/v1
    api_key_env: {PROVIDER_KEY_ENV}
    models: [hasty-1]
    timeout_s: 0.5
  - name: in-house
    api: openai
    base_url: {provider_url}/v1
    api_key_env: {PROVIDER_KEY_ENV}
    models: [local-vision]
    allow_media: true
""",
        "<test rules>",
    )


@dataclass
class Gateway:
    url: str
    store: MemoryStore
    engine: Engine
    provider: FakeProvider


@pytest.fixture(scope="session")
def _servers() -> Iterator[Gateway]:
    os.environ[PROVIDER_KEY_ENV] = PROVIDER_KEY
    state = FakeProvider()
    with ServerThread(build_app(state)) as upstream:
        state.port = upstream.port
        store = MemoryStore()
        engine = core_engine()
        app = create_app(rules_for(upstream.url), store, engine)
        store.idle = lambda: app.state.pipeline.pending_logs == 0
        with ServerThread(app) as gateway:
            yield Gateway(gateway.url, store, engine, state)


@pytest.fixture
def gateway(_servers: Gateway) -> Iterator[Gateway]:
    """The running gateway, with a fresh store, the core engine and a reset provider."""
    defaults = core_engine()
    _servers.store.principals = {
        KEY: Principal(user="alice", key_id="key_alice", group="staff"),
        SUSPENDED_KEY: Principal(user="bob", key_id="key_bob", suspended=True),
    }
    _servers.store.records.clear()
    _servers.store.fail_records = False
    _servers.provider.reset()
    yield _servers
    _servers.engine.inspector = defaults.inspector
    _servers.engine.policy = defaults.policy
    _servers.engine.transformer = defaults.transformer


@pytest.fixture
def provider(gateway: Gateway) -> FakeProvider:
    return gateway.provider


@pytest.fixture
def oai(gateway: Gateway) -> Iterator[openai.OpenAI]:
    client = openai.OpenAI(base_url=gateway.url + "/v1", api_key=KEY, max_retries=0, timeout=10)
    yield client
    client.close()


@pytest.fixture
def claude(gateway: Gateway) -> Iterator[anthropic.Anthropic]:
    client = anthropic.Anthropic(base_url=gateway.url, api_key=KEY, max_retries=0, timeout=10)
    yield client
    client.close()


@pytest.fixture(scope="session")
def sensitive_detector() -> SensitiveDetector:
    """The shipped Art. 9, prohibited-use and credential detector (one for the session)."""
    return detectors.sensitive_detector()
