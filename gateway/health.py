"""Readiness: which protection components work right now, and what the rules leave unprotected.

A failure seen by live traffic (the pipeline fails closed with 503) marks the
components behind that stage failed and triggers a probe round at the next check.
While a probe finds a component failed, ``/healthz`` answers 503 naming it, so a load
balancer stops sending traffic here, and the pipeline refuses requests with 503
before anything is forwarded: a log store that cannot write must not let prompts
through unrecorded.  A failure is cleared only by a probe that starts after it and
passes, so one request that crashed a detector does not take the replica out, but a
broken component does.

A probe round sends a fixed canary text through the inspector, the policy and the
pseudonymiser (checking that restoring the surrogates gives the text back), pings the
store (taking the use log's write lock) and the rate limiter's backend.  Rounds run
at most every ``interval_s`` seconds unless a new failure arrives, however often
``/healthz`` is polled, so probing does not add load.

``GET /healthz/live`` only says the process answers: a liveness probe must not restart
every replica because the shared database is down.
"""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import anyio
from fastapi import APIRouter
from fastapi.responses import JSONResponse

from gateway.config import Rules
from gateway.core import Segment
from gateway.engine import Engine
from gateway.pseudo import SECRET_ENV
from gateway.ratelimit import MemoryBackend, RateLimiter
from gateway.wire.errors import GATEWAY_UNAVAILABLE, WireError

PROBE_INTERVAL_S = 5.0
PROBE_TIMEOUT_S = 5.0
# Contains an e-mail address so that the pseudonymiser has something to replace and restore.
CANARY = "Gateway health probe: please write to health.probe@example.org about the report."
# A key no one holds: looking it up is a read from the key table, the fallback store ping.
PROBE_KEY = "gw-health-probe-not-a-key"
# The components each pipeline stage (see Pipeline._guarded) depends on.
STAGE_COMPONENTS: dict[str, tuple[str, ...]] = {
    "authenticate": ("store",),
    "log": ("store",),
    "protect": ("detector", "policy", "pseudonymiser"),
    "scan": ("detector", "policy", "pseudonymiser"),
    "decide": ("policy",),
    "restore": ("pseudonymiser",),
    "rate_limit": ("rate_limiter",),
}
COMPONENTS = ("detector", "policy", "pseudonymiser", "store", "rate_limiter")


class ProbeFailed(Exception):
    """A probe ran without raising but got a wrong answer."""


@dataclass
class Failure:
    error: str  # exception type or a short reason: never a message that could quote a request
    since: float


def probe_engine(engine: Engine) -> dict[str, str | None]:
    """Send the canary through the protection stages; the error of each failed stage, or None."""
    results: dict[str, str | None] = dict.fromkeys(("detector", "policy", "pseudonymiser"),
                                                   "not checked (an earlier stage failed)")
    stage = "detector"
    try:
        inspection = engine.inspector.inspect([CANARY])
        results[stage], stage = None, "policy"
        segments = [Segment(path=(0,), text=CANARY, message_index=0, role="user")]
        decision = engine.policy.decide(inspection, segments, "", None)
        if decision.blocked:
            raise ProbeFailed("the canary text was blocked")
        results[stage], stage = None, "pseudonymiser"
        texts, restorer = engine.transformer.transform([CANARY], decision.pseudonymise)
        if restorer.restore(texts[0]) != CANARY:
            raise ProbeFailed("restoring the surrogates did not give the text back")
        results[stage] = None
    except Exception as exc:
        results[stage] = str(exc) if isinstance(exc, ProbeFailed) else type(exc).__name__
    return results


def probe_store(store: Any) -> None:
    """``store.ping()`` (takes the use log's write lock) or, for stores without it, a key lookup."""
    ping = getattr(store, "ping", None)
    if ping is not None:
        ping()
    else:
        store.authenticate(PROBE_KEY)


class Health:
    """Component states, fed by pipeline failures and by probe rounds."""

    def __init__(self, engine: Callable[[], Engine], store: Any, limiter: RateLimiter,
                 rules: Callable[[], Rules], interval_s: float = PROBE_INTERVAL_S,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self._engine, self._store, self._limiter, self._rules = engine, store, limiter, rules
        self.interval_s = interval_s  # public so that tests can shorten it
        self._clock = clock
        self._failures: dict[str, Failure] = {}
        self._probed_at: float | None = None
        self._probe_due = False  # a component failed since the last round
        self._lock = asyncio.Lock()

    def failed(self, stage: str, exc: BaseException) -> None:
        """A pipeline stage failed: its components are failed until a later probe passes."""
        now = self._clock()
        for component in STAGE_COMPONENTS.get(stage, (stage,)):
            if component not in self._failures:
                self._failures[component] = Failure(type(exc).__name__, now)
                self._probe_due = True

    async def ensure_ready(self) -> None:
        """Raise WireError 503 while a component is failed; nothing to do when all are well."""
        if not self._failures:
            return
        async with self._lock:
            if self._due():
                await self._probe()
        if self._failures:
            raise WireError(503, GATEWAY_UNAVAILABLE,
                            f"the gateway is not ready ({', '.join(sorted(self._failures))} failed), "
                            "so nothing was sent to the provider")

    async def report(self) -> tuple[bool, dict[str, Any]]:
        """(ready, the ``/healthz`` body), probing first when a round is due."""
        async with self._lock:
            if self._due():
                await self._probe()
        components = {name: f"failed: {self._failures[name].error}" if name in self._failures else "ok"
                      for name in COMPONENTS}
        ready = not self._failures
        return ready, {"status": "ok" if ready else "unready", "components": components,
                       **describe_rules(self._rules(), self._limiter)}

    def _due(self) -> bool:
        return (self._probe_due or self._probed_at is None
                or self._clock() - self._probed_at >= self.interval_s)

    async def _probe(self) -> None:
        started, self._probe_due = self._clock(), False
        results = await self._timed(lambda: probe_engine(self._engine()))
        if isinstance(results, str):
            results = dict.fromkeys(("detector", "policy", "pseudonymiser"), results)
        results["store"] = await self._timed(lambda: probe_store(self._store))
        # Redis is only a dependency when the rules set a limit.
        limited = has_rate_limits(self._rules())
        results["rate_limiter"] = await self._timed_async(self._limiter.backend.ping) if limited else None
        for name, error in results.items():
            if error is None:
                if name in self._failures and self._failures[name].since < started:
                    del self._failures[name]
            else:
                self._failures[name] = Failure(error, started)
        self._probed_at = started

    @staticmethod
    async def _timed(fn: Callable[[], Any]) -> Any:
        """``fn()`` in a worker thread: its result, or the error's type name as a string."""
        try:
            with anyio.fail_after(PROBE_TIMEOUT_S):
                result = await anyio.to_thread.run_sync(fn, abandon_on_cancel=True)
        except Exception as exc:
            return type(exc).__name__
        return result

    @staticmethod
    async def _timed_async(fn: Callable[[], Any]) -> str | None:
        try:
            with anyio.fail_after(PROBE_TIMEOUT_S):
                await fn()
        except Exception as exc:
            return type(exc).__name__
        return None


def has_rate_limits(rules: Rules) -> bool:
    limits = rules.rate_limits
    return limits.requests_per_minute is not None or any(
        g.requests_per_minute is not None for g in limits.groups.values())


def describe_rules(rules: Rules, limiter: RateLimiter) -> dict[str, Any]:
    """What the rules and the environment leave unprotected or per-process (no secrets)."""
    unprotected = [f"provider {p.name}: images, files and audio are forwarded without inspection "
                   "(allow_media)" for p in rules.providers if p.allow_media]
    warnings = [f"provider {p.name}: a failed request may be sent again, up to {p.retries} times "
                "(retries)" for p in rules.providers if p.retries]
    limited = has_rate_limits(rules)
    if not limited:
        warnings.append("no per-user rate limit (rate_limits in the rules)")
    elif isinstance(limiter.backend, MemoryBackend):
        warnings.append("rate limits are counted per process: set GATEWAY_REDIS_URL to share them "
                        "between workers and replicas")
    if not os.environ.get(SECRET_ENV):
        warnings.append(f"{SECRET_ENV} is not set: surrogates differ between processes and restarts")
    return {"rate_limiter": limiter.backend.name if limited else "off",
            "unprotected": unprotected, "warnings": warnings}


def health_routes(health: Health) -> APIRouter:
    """``GET /healthz`` (readiness, 503 when unready) and ``GET /healthz/live`` (liveness)."""
    router = APIRouter()

    @router.get("/healthz", include_in_schema=False)
    async def healthz() -> JSONResponse:
        ready, body = await health.report()
        return JSONResponse(body, 200 if ready else 503)

    @router.get("/healthz/live", include_in_schema=False)
    async def live() -> dict[str, str]:
        return {"status": "alive"}

    return router
