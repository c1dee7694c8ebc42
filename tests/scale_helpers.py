"""A gateway of its own for the scale tests: rules with rate and size limits, a store whose
health can be switched off, and a chosen rate limiter, next to the session's fake provider."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from fakeprovider import FakeProvider, ServerThread

from gateway.app import create_app
from gateway.config import Rules, parse_rules
from gateway.core import Principal, UseRecord
from gateway.engine import Engine
from gateway.pipeline import core_engine
from gateway.ratelimit import MemoryBackend, RateLimiter

PROVIDER_KEY_ENV = "FAKE_PROVIDER_KEY"
LIMITED_KEY = "gw-scale-limited"  # group "interns": 2 requests at once, then 1 a minute
FREE_KEY = "gw-scale-free"  # group "admins": no limit
HELLO = [{"role": "user", "content": "hello"}]


@dataclass
class SwitchableStore:
    """An in-memory store whose database can be 'down' (record_use and ping raise)."""

    down: bool = False
    records: list[UseRecord] = field(default_factory=list)
    principals: dict[str, Principal] = field(default_factory=lambda: {
        LIMITED_KEY: Principal(user="ines", key_id="key_ines", group="interns"),
        FREE_KEY: Principal(user="ada", key_id="key_ada", group="admins"),
    })

    def authenticate(self, raw_key: str) -> Principal | None:
        return self.principals.get(raw_key)

    def record_use(self, record: UseRecord) -> None:
        self.record_uses([record])

    def record_uses(self, records: list[UseRecord]) -> None:
        self._check()
        self.records.extend(records)

    def ping(self) -> None:
        self._check()

    def _check(self) -> None:
        if self.down:
            raise ConnectionError("database down")


def scale_rules(provider_url: str) -> Rules:
    return parse_rules(f"""
providers:
  - name: echo
    api: openai
    base_url: {provider_url}/v1
    api_key_env: {PROVIDER_KEY_ENV}
    models: [echo-1]
  - name: echo-retry
    api: openai
    base_url: {provider_url}/v1
    api_key_env: {PROVIDER_KEY_ENV}
    models: [echo-retry]
    retries: 2
  - name: echo-anthropic
    api: anthropic
    base_url: {provider_url}
    api_key_env: {PROVIDER_KEY_ENV}
    models: [echo-claude]
limits:
  max_messages: 5
  max_text_chars: 1000
  max_body_bytes: 20000
  body_timeout_s: 0.5
rate_limits:
  requests_per_minute: 600
  groups:
    interns: {{requests_per_minute: 1, burst: 2}}
    admins: {{}}
""", "<scale rules>")


@dataclass
class ScaleGateway:
    url: str
    store: SwitchableStore
    engine: Engine
    provider: FakeProvider
    app: object


@contextmanager
def scale_gateway(provider: FakeProvider, limiter: RateLimiter | None = None) -> Iterator[ScaleGateway]:
    """A gateway on loopback in front of ``provider`` (the session's fake provider)."""
    store, engine = SwitchableStore(), core_engine()
    app = create_app(scale_rules(f"http://127.0.0.1:{provider.port}"), store, engine,
                     limiter or RateLimiter(MemoryBackend()))
    app.state.health.interval_s = 0.2
    with ServerThread(app) as server:
        yield ScaleGateway(server.url, store, engine, provider, app)
