"""Transparency towards users and third parties.

- Every answer says what the gateway did, in ``x-gateway-*`` headers (no content, only
  types and counts): see :func:`answer_headers`.
- ``GET /v1/me/usage`` shows a user the use-log records of their own requests.
- A provider profile with ``disclose_ai: true`` (customer-facing chatbots, AI Act
  Art. 50(1)) gets a system instruction that the assistant must say it is an AI,
  added to the wire format's own system field after inspection, so the instruction is
  neither scanned nor pseudonymised; ``verify_reminder: true`` adds a notice header
  that AI output must be checked before use.
"""

from __future__ import annotations

from typing import Any, Protocol, runtime_checkable

import anyio
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response

from gateway.config import Provider, Rules
from gateway.core import UseRecord
from gateway.wire.errors import INVALID_REQUEST, WireError, caller_error

DISCLOSURE = ("You are an AI system, not a human. Whenever you talk with a person, make clear early in "
              "the conversation, in their language, that they are talking with an AI, and answer "
              "truthfully whenever they ask whether you are a human or a machine.")
VERIFY_NOTICE = "AI-generated output: check it before you rely on it or pass it on"
USAGE_ENDPOINT = "/v1/me/usage"
DEFAULT_USAGE_LIMIT = 100
MAX_USAGE_LIMIT = 1000
NOT_AVAILABLE = "not_available"  # 501: the store keeps no use log that can be read back


def counts_header(counts: dict[str, int]) -> str:
    """``TYPE=n,TYPE=n`` sorted by type: machine-readable, no values."""
    return ",".join(f"{k}={v}" for k, v in sorted(counts.items()))


def answer_headers(rules: Rules, record: UseRecord, warned: dict[str, int]) -> dict[str, str]:
    """The headers beyond request id, decision and pseudonymised counts.

    ``x-gateway-warnings``: types found and forwarded unchanged by policy;
    ``x-gateway-reason``: the reason code of a refusal or block;
    ``x-gateway-notice``: the provider profile's reminder that AI output must be checked.
    """
    headers: dict[str, str] = {}
    if warned:
        headers["x-gateway-warnings"] = counts_header(warned)
    if record.decision != "forwarded" and record.reason_code:
        headers["x-gateway-reason"] = record.reason_code
    provider = rules.provider_named(record.provider) if record.provider else None
    if provider is not None and provider.verify_reminder:
        headers["x-gateway-notice"] = VERIFY_NOTICE
    return headers


def with_disclosure(provider: Provider, endpoint: str, body: dict[str, Any]) -> dict[str, Any]:
    """The body to forward, with the AI-disclosure instruction when the provider requires it.

    The instruction goes first in the system field of each wire format; embeddings
    have none and need none (nothing is said to a person).
    """
    if not provider.disclose_ai:
        return body
    if endpoint == "/v1/chat/completions":
        return {**body, "messages": [{"role": "system", "content": DISCLOSURE}, *body["messages"]]}
    if endpoint == "/v1/responses":
        return {**body, "instructions": _prepend(body.get("instructions"))}
    if endpoint == "/v1/messages":
        system = body.get("system")
        if isinstance(system, list):
            return {**body, "system": [{"type": "text", "text": DISCLOSURE}, *system]}
        return {**body, "system": _prepend(system)}
    return body


def _prepend(instructions: str | None) -> str:
    return f"{DISCLOSURE}\n\n{instructions}" if instructions else DISCLOSURE


# -- GET /v1/me/usage -----------------------------------------------------------------------


@runtime_checkable
class UsageStore(Protocol):
    def usage_for(self, user: str, limit: int = DEFAULT_USAGE_LIMIT) -> list[dict[str, Any]]: ...


class Authenticator(Protocol):
    async def authenticate(self, request: Request, record: UseRecord | None = None) -> Any: ...


def add_routes(app: FastAPI, pipeline: Authenticator, store: Any) -> None:
    """``GET /v1/me/usage?limit=N``: the caller's own records, newest first.

    Open to every active user, trained or not: seeing what was recorded about oneself
    does not use AI.
    """

    @app.get(USAGE_ENDPOINT, include_in_schema=False)
    async def my_usage(request: Request) -> Response:
        try:
            principal = await pipeline.authenticate(request)
            limit = _limit(request.query_params.get("limit"))
        except WireError as error:
            return JSONResponse(caller_error(request.headers, error.status, error.code, error.message),
                                error.status)
        if not isinstance(store, UsageStore):
            return JSONResponse(caller_error(request.headers, 501, NOT_AVAILABLE,
                                             "this gateway keeps no readable use log"), 501)
        records = await anyio.to_thread.run_sync(store.usage_for, principal.user, limit)
        return JSONResponse({"object": "list", "user": principal.user, "data": records,
                             "total_energy_wh": round(sum(r.get("energy_wh") or 0 for r in records), 6)})


def _limit(raw: str | None) -> int:
    if raw is None:
        return DEFAULT_USAGE_LIMIT
    # ASCII digits only: str.isdigit() is also true for "²", which int() refuses (a 500).
    if not (raw.isascii() and raw.isdigit()) or not 1 <= int(raw) <= MAX_USAGE_LIMIT:
        raise WireError(400, INVALID_REQUEST, f"limit must be a number from 1 to {MAX_USAGE_LIMIT}")
    return int(raw)
