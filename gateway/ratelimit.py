"""Per-user rate limits, shared by every replica through Redis or kept in this process.

The algorithm is GCRA (the "generic cell rate algorithm", a leaky bucket that stores
one number per user): each user has a *theoretical arrival time* (TAT) that moves
forward by ``60 / requests_per_minute`` seconds per accepted request; a request is
accepted while the TAT is at most ``burst - 1`` intervals ahead of now.  Unlike a
fixed window it never lets twice the limit through at a window boundary, and unlike a
sliding log it needs one key per user, not one entry per request.

With ``GATEWAY_REDIS_URL`` set, the check-and-update is one Lua script, atomic on the
Redis server and timed by the server's clock, so every gateway replica draws on the
same budget.  When Redis cannot be reached the request is refused with 503 (fail
closed): a limit that silently stops applying during an outage is not a limit.
Without Redis each process keeps its own table, which is exact for a single process
and ``N`` times too generous for ``N`` processes (``/healthz`` says so).
"""

from __future__ import annotations

import hashlib
import math
import os
import time
from collections.abc import Callable
from typing import Protocol

from gateway.config import RateLimit, RateLimits
from gateway.core import Principal
from gateway.wire.errors import GATEWAY_UNAVAILABLE, RATE_LIMITED, WireError

REDIS_ENV = "GATEWAY_REDIS_URL"
# Lets several gateways (or test runs) share one Redis database without sharing budgets.
PREFIX_ENV = "GATEWAY_REDIS_PREFIX"
DEFAULT_PREFIX = "gateway:"
# Redis answers in well under a millisecond on a LAN; waiting longer only delays the 503.
REDIS_TIMEOUT_S = 1.0
US = 1_000_000
# The in-process table drops users whose budget is full again once it is this large.
MEMORY_PRUNE_AT = 10_000

# KEYS[1]: the user's TAT key; ARGV[1]: interval, ARGV[2]: burst tolerance (both in µs).
# Returns 0 when the request is accepted, else the µs to wait.
GCRA_LUA = """
local clock = redis.call('TIME')
local now = tonumber(clock[1]) * 1000000 + tonumber(clock[2])
local interval = tonumber(ARGV[1])
local tolerance = tonumber(ARGV[2])
local tat = tonumber(redis.call('GET', KEYS[1])) or now
if tat < now then tat = now end
local wait = tat - tolerance - now
if wait > 0 then return math.ceil(wait) end
local new_tat = tat + interval
redis.call('SET', KEYS[1], string.format('%d', new_tat), 'PX', math.ceil((new_tat - now) / 1000) + 1)
return 0
"""


class RateLimited(WireError):
    """429 with ``Retry-After``: the user sent more than the rules allow."""

    def __init__(self, limit: RateLimit, wait_s: float) -> None:
        retry_after = max(1, math.ceil(wait_s))
        super().__init__(429, RATE_LIMITED,
                         f"rate limit reached: {limit.requests_per_minute:g} requests per minute "
                         f"(bursts of {limit.burst_size()}) for this user; retry in {retry_after} s",
                         headers={"retry-after": str(retry_after)})


class Backend(Protocol):
    """Where the users' TATs live."""

    name: str

    async def acquire(self, key: str, interval_us: int, tolerance_us: int) -> int:
        """Take one request from ``key``'s budget: 0 if accepted, else µs to wait."""
        ...

    async def ping(self) -> None: ...

    async def aclose(self) -> None: ...


class MemoryBackend:
    """The TATs in this process (the event loop runs ``acquire`` without interruption)."""

    name = "memory (per process)"

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._tat: dict[str, int] = {}

    async def acquire(self, key: str, interval_us: int, tolerance_us: int) -> int:
        now = int(self._clock() * US)
        if len(self._tat) >= MEMORY_PRUNE_AT:
            self._tat = {k: v for k, v in self._tat.items() if v > now}
        tat = max(self._tat.get(key, now), now)
        wait = tat - tolerance_us - now
        if wait > 0:
            return wait
        self._tat[key] = tat + interval_us
        return 0

    async def ping(self) -> None:
        return None

    async def aclose(self) -> None:
        return None


class RedisBackend:
    """The TATs in Redis, updated by one atomic script per request."""

    name = "redis"

    def __init__(self, url: str, timeout_s: float = REDIS_TIMEOUT_S) -> None:
        from redis.asyncio import Redis

        self._redis = Redis.from_url(url, socket_timeout=timeout_s, socket_connect_timeout=timeout_s)
        self._gcra = self._redis.register_script(GCRA_LUA)

    async def acquire(self, key: str, interval_us: int, tolerance_us: int) -> int:
        return int(await self._gcra(keys=[key], args=[interval_us, tolerance_us]))

    async def ping(self) -> None:
        await self._redis.ping()

    async def aclose(self) -> None:
        await self._redis.aclose()


class RateLimiter:
    """Applies the rules' per-user limit to each authenticated request."""

    def __init__(self, backend: Backend, prefix: str = DEFAULT_PREFIX) -> None:
        self.backend = backend
        self._prefix = prefix
        self._on_failure: Callable[[str, BaseException], None] | None = None

    def report_to(self, on_failure: Callable[[str, BaseException], None]) -> None:
        """Tell ``on_failure`` (the health monitor) when the backend fails."""
        self._on_failure = on_failure

    async def admit(self, principal: Principal, limits: RateLimits) -> None:
        """Return if the request may go on; raise RateLimited (429) or WireError 503."""
        limit = limits.for_group(principal.group)
        if limit.requests_per_minute is None:
            return
        interval_us = max(1, round(60 * US / limit.requests_per_minute))
        try:
            wait_us = await self.backend.acquire(self.key(principal.user), interval_us,
                                                 interval_us * (limit.burst_size() - 1))
        except Exception as exc:
            if self._on_failure is not None:
                self._on_failure("rate_limit", exc)
            message = "the rate limiter cannot be reached, so nothing was sent to the provider"
            raise WireError(503, GATEWAY_UNAVAILABLE, message) from exc
        if wait_us > 0:
            raise RateLimited(limit, wait_us / US)

    def key(self, user: str) -> str:
        """The backend key of a user: a hash, so Redis holds no staff names."""
        return f"{self._prefix}rl:{hashlib.sha256(user.encode('utf-8')).hexdigest()[:32]}"

    async def aclose(self) -> None:
        await self.backend.aclose()


def limiter_from_env() -> RateLimiter:
    """Redis when ``GATEWAY_REDIS_URL`` is set, else the in-process table."""
    url = os.environ.get(REDIS_ENV, "")
    backend: Backend = RedisBackend(url) if url else MemoryBackend()
    return RateLimiter(backend, os.environ.get(PREFIX_ENV, DEFAULT_PREFIX))
