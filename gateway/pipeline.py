"""The stages one proxied request goes through, in order.

    authenticate -> parse -> allowlist -> inspect -> decide -> transform
                 -> forward -> restore -> log

Each stage is a method with a narrow input and output; the detection, policy and
pseudonymisation stages are only seen through the protocols of :mod:`gateway.core`
(injected as an :class:`gateway.engine.Engine`), so they plug in without touching
this file or the wire formats.  The pipeline fails closed: if a protection stage
or the use log fails before anything was forwarded, the answer is 503 and nothing
leaves the gateway.
"""

from __future__ import annotations

import json
import logging
import math
import time
import uuid
from collections import Counter
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

import anyio
from fastapi import Request
from fastapi.responses import JSONResponse, Response
from starlette.background import BackgroundTask
from starlette.requests import ClientDisconnect

from gateway.active import Active
from gateway.config import Limits, Provider, Rules
from gateway.core import (
    Decision,
    Finding,
    IdentityRestorer,
    Inspection,
    NullInspector,
    Principal,
    Restorer,
    Segment,
    UseRecord,
)
from gateway.engine import Engine, scan_texts
from gateway.known_keys import KnownKeys
from gateway.log_writer import UseLogWriter
from gateway.ratelimit import MemoryBackend, RateLimiter
from gateway.relay import OPENING_WRITES, BurstStreamingResponse
from gateway.scan import ENDPOINT as SCAN_ENDPOINT
from gateway.scan import parse_scan
from gateway.streaming import SSEDecoder
from gateway.training import check_training
from gateway.transparency import answer_headers, counts_header, with_disclosure
from gateway.upstream import Answer, Upstream, UpstreamError
from gateway.wire.base import ParsedRequest, PassThroughRelay, StreamRelay, WireFormat, restore_strings
from gateway.wire.errors import (
    GATEWAY_UNAVAILABLE,
    INVALID_API_KEY,
    MODEL_NOT_ALLOWED,
    PROVIDER_NOT_ALLOWED,
    REQUEST_TIMEOUT,
    REQUEST_TOO_LARGE,
    UNSUPPORTED_CONTENT,
    UPSTREAM_ERROR,
    USER_SUSPENDED,
    WireError,
    invalid,
)

log = logging.getLogger(__name__)

FAIL_CLOSED = "the gateway could not check this request, so nothing was sent to the provider"
GENERIC_BLOCK = "this request was blocked by the company's AI policy"
# Beyond any real request (tool schemas nest a few dozen levels; a long conversation
# with content parts is some thousands of values), and bounding the work of parsing.
MAX_JSON_DEPTH = 64
MAX_JSON_VALUES = 100_000
# Use records waiting for the log writer beyond which new requests are refused (503): a
# store that is slow rather than down must not let records pile up in memory unwritten.
MAX_LOG_BACKLOG = 10_000


class Store(Protocol):
    """What the pipeline needs from the key store and use log (both synchronous)."""

    def authenticate(self, raw_key: str) -> Principal | None: ...

    def record_use(self, record: UseRecord) -> None: ...

    def record_uses(self, records: list[UseRecord]) -> None:
        """Append several records in one go (the order kept)."""


class Monitor(Protocol):
    """Health of the components the pipeline depends on (see gateway.health)."""

    def failed(self, stage: str, exc: BaseException) -> None:
        """A stage raised: its components are failed until a probe passes again."""

    async def ensure_ready(self) -> None:
        """Raise WireError 503 while a component is failed (probing again when due)."""


class NoMonitor:
    """No health tracking: every request is checked on its own."""

    def failed(self, stage: str, exc: BaseException) -> None:
        return None

    async def ensure_ready(self) -> None:
        return None


class AllowAllPolicy:
    """The policy of the core gateway: forward everything unchanged."""

    def decide(self, inspection: Inspection, segments: list[Segment], provider: str,
               user_group: str | None) -> Decision:
        return Decision(blocked=False, warnings=list(inspection.findings))


class IdentityTransformer:
    """The transformer of the core gateway: changes nothing."""

    def transform(self, texts: list[str], findings: list[Finding]) -> tuple[list[str], Restorer]:
        return list(texts), IdentityRestorer()


def core_engine() -> Engine:
    """The stages without detection: the proxy alone."""
    return Engine(inspector=NullInspector(), policy=AllowAllPolicy(), transformer=IdentityTransformer())


class StageFailure(Exception):
    """A stage failed inside another stage's worker thread: reported under its own name
    (the key check runs in the inspection's thread, but a failure there is the store's)."""

    def __init__(self, stage: str) -> None:
        super().__init__(stage)
        self.stage = stage


class PolicyBlock(WireError):
    """The policy refused the request (logged as ``blocked``, not ``refused``)."""


@dataclass
class Protection:
    """What the protection stages decided for one request."""

    decision: Decision
    body: dict[str, Any]
    restorer: Restorer
    pseudonymised: dict[str, int] = field(default_factory=dict)
    principal: Principal | None = None  # as the store confirmed it in the same thread, if asked


@dataclass
class Exchange:
    """One request in flight: what the log and the answer headers need, no content."""

    wire: WireFormat
    rules: Rules
    engine: Engine  # from the same rules version as ``rules``, kept for the whole request
    record: UseRecord
    started: float = field(default_factory=time.perf_counter)
    pseudonymised: dict[str, int] = field(default_factory=dict)
    warned: dict[str, int] = field(default_factory=dict)

    def headers(self) -> dict[str, str]:
        return {"x-gateway-request-id": self.record.request_id, "x-gateway-decision": self.record.decision,
                "x-gateway-pseudonymised": counts_header(self.pseudonymised),
                **answer_headers(self.rules, self.record, self.warned)}


def client_key(request: Request) -> str | None:
    """The caller's gateway key: ``Authorization: Bearer`` (OpenAI) or ``x-api-key`` (Anthropic)."""
    scheme, _, value = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        return value.strip()
    return request.headers.get("x-api-key") or None


class Pipeline:
    """Runs the stages for every proxied request."""

    def __init__(self, active: Callable[[], Active], store: Store, upstream: Upstream,
                 limiter: RateLimiter | None = None, monitor: Monitor | None = None) -> None:
        # The running rules version (rules + engine), read once per request: a reload
        # swaps it without affecting requests in flight.
        self._active = active
        self.store = store
        self.upstream = upstream
        self.limiter = limiter or RateLimiter(MemoryBackend())
        # Told about every failed stage; refuses requests while a component is failed.
        self.monitor = monitor or NoMonitor()
        # Use records of answers already sent are written in batches by a thread of their own.
        self.log_writer = UseLogWriter(store, lambda exc: self.monitor.failed("log", exc))
        self._reserved_logs = 0  # answers on their way whose record is not yet submitted
        # Keys valid on their last request: confirmed during the inspection (gateway.known_keys).
        self.known_keys = KnownKeys()

    @property
    def pending_logs(self) -> int:
        """Use records of answers not yet written: a graceful shutdown or a test waits for zero."""
        return self._reserved_logs + self.log_writer.pending

    def ensure_log_keeps_up(self) -> None:
        """Refuse (503) while the log writer is :data:`MAX_LOG_BACKLOG` records behind."""
        if self.log_writer.pending >= MAX_LOG_BACKLOG:
            log.error("use log is %d records behind: refusing new requests", self.log_writer.pending)
            raise WireError(503, GATEWAY_UNAVAILABLE, "the gateway's use log is behind, so nothing was "
                            "sent to the provider; try again shortly")

    async def handle(self, wire: WireFormat, request: Request) -> Response:
        """The answer to one request on one of the proxied endpoints."""
        active = self._active()
        ex = Exchange(wire=wire, rules=active.rules, engine=active.engine,
                      record=UseRecord(request_id="req_" + uuid.uuid4().hex, endpoint=wire.endpoint,
                                       decision="refused"))
        try:
            key, principal = await self.identify(request, ex)
            await self.limiter.admit(principal, ex.rules.rate_limits)
            await self.monitor.ensure_ready()
            self.ensure_log_keeps_up()
            parsed = self.parse(wire, await read_body(request, ex.rules.limits), ex)
            provider = self.allowlist(parsed, ex)
            protection = await self.protect(parsed, provider, principal, ex, key)
            ex.record.decision = "forwarded"
            body = with_disclosure(provider, wire.endpoint, protection.body)
            answer = await self.upstream.send(provider, wire, body, request.headers)
        except WireError as error:
            return await self.refuse(error, ex)
        ex.record.upstream_status = answer.status_code
        if parsed.stream and answer.status_code == 200 \
                and answer.headers.get("content-type", "").startswith("text/event-stream"):
            return self.relay_stream(answer, protection.restorer, ex)
        return await self.relay_answer(answer, protection.restorer, ex)

    # -- stages before forwarding ---------------------------------------------------

    async def identify(self, request: Request, ex: Exchange) -> tuple[str | None, Principal]:
        """The principal for the cheap checks, and the key still to be confirmed (or None).

        A key that passed on its last request is not looked up here: the store confirms
        it in the inspection's worker thread, before anything is forwarded
        (gateway.known_keys).  Any other key is looked up now, and refused before the
        body is even read.
        """
        key = client_key(request)
        if key and (known := self.known_keys.get(key)) is not None:
            return key, admit(known, ex.record, ex.rules)
        principal = await self.authenticate(request, ex.record, ex.rules)
        if key:
            self.known_keys.remember(key, principal)
        return None, principal

    async def authenticate(self, request: Request, record: UseRecord | None = None,
                           rules: Rules | None = None) -> Principal:
        """The active user behind the request's gateway key; WireError 401/403 otherwise.

        With ``rules``, also their training requirement (gateway.training): staff may
        still see their own records without it, not use AI.
        """
        key = client_key(request)
        if not key:
            raise WireError(401, INVALID_API_KEY,
                            "a gateway key is required (Authorization: Bearer or x-api-key)")
        principal = await self._guarded("authenticate", self.store.authenticate, key)
        return admit(principal, record, rules)

    def parse(self, wire: WireFormat, raw: bytes, ex: Exchange) -> ParsedRequest:
        body = load_json(raw)
        if not isinstance(body, dict):
            raise invalid("the body must be a JSON object")
        try:
            parsed = wire.parse(body)
        except (TypeError, AttributeError, KeyError) as exc:
            raise invalid("the body does not have the expected structure") from exc
        ex.record.model, ex.record.stream = parsed.model[:200], parsed.stream
        check_limits(parsed, ex.rules)
        return parsed

    def allowlist(self, parsed: ParsedRequest, ex: Exchange) -> Provider:
        provider = ex.rules.provider_for_model(parsed.model)
        if provider is None:
            raise WireError(403, MODEL_NOT_ALLOWED,
                            f"the model {parsed.model!r} is not on the gateway's allow-list")
        ex.record.provider = provider.name
        if provider.api != ex.wire.provider_api:
            raise WireError(403, PROVIDER_NOT_ALLOWED,
                            f"the model {parsed.model!r} is served by provider {provider.name!r}, which "
                            f"speaks the {provider.api} API: it cannot be used on {ex.wire.endpoint}")
        if parsed.media and not provider.allow_media:
            raise WireError(400, UNSUPPORTED_CONTENT,
                            f"images, files and audio cannot be inspected and are not allowed for provider "
                            f"{provider.name!r}: {', '.join(parsed.media[:5])}")
        return provider

    async def protect(self, parsed: ParsedRequest, provider: Provider, principal: Principal,
                      ex: Exchange, unconfirmed_key: str | None = None) -> Protection:
        """Inspect, decide and transform, in a worker thread (detection is CPU-bound);
        with ``unconfirmed_key``, the store checks that key first, in the same thread."""
        try:
            protection = await self._guarded("protect", self._protect, ex, parsed, provider, principal,
                                             unconfirmed_key)
        except WireError as error:
            if unconfirmed_key is not None and error.status in (401, 403):
                self.known_keys.forget(unconfirmed_key)
            raise
        if unconfirmed_key is not None and protection.principal is not None:
            self.known_keys.remember(unconfirmed_key, protection.principal)
        ex.pseudonymised = protection.pseudonymised
        decision = protection.decision
        ex.warned = dict(Counter(f.entity_type for f in decision.warnings))
        if decision.blocked:
            message = getattr(ex.engine.policy, "block_message", None)
            text = await self._guarded("decide", message, decision) if message else GENERIC_BLOCK
            ex.record.decision = "blocked"
            raise PolicyBlock(403, decision.reason_code or "blocked", text)
        return protection

    def _protect(self, ex: Exchange, parsed: ParsedRequest, provider: Provider, principal: Principal,
                 unconfirmed_key: str | None) -> Protection:
        engine, record = ex.engine, ex.record
        confirmed = None
        if unconfirmed_key is not None:
            confirmed = principal = self._confirm(unconfirmed_key, ex)
        texts = parsed.texts()
        inspection = engine.inspector.inspect(texts)
        decision = engine.policy.decide(inspection, parsed.segments, provider.name, principal.group)
        record.counts = decision.counts()
        record.findings = [f.public(parsed.segments[f.segment].message_index) for f in inspection.findings]
        record.reason_code = decision.reason_code
        record.language = decision.language
        if decision.blocked or not decision.pseudonymise:
            return Protection(decision, parsed.body, IdentityRestorer(), principal=confirmed)
        new_texts, restorer = engine.transformer.transform(texts, decision.pseudonymise)
        counts = dict(Counter(f.entity_type for f in decision.pseudonymise))
        return Protection(decision, parsed.with_texts(new_texts), restorer, counts, confirmed)

    def _confirm(self, key: str, ex: Exchange) -> Principal:
        """The store's answer for a known key, now (in a worker thread): WireError 401/403
        if it no longer admits the key; StageFailure if the store fails."""
        try:
            found = self.store.authenticate(key)
        except Exception as exc:
            raise StageFailure("authenticate") from exc
        return admit(found, ex.record, ex.rules)

    # -- answers ----------------------------------------------------------------------

    async def refuse(self, error: WireError, ex: Exchange) -> Response:
        """A refusal or failure in the caller's wire format; logged like every request."""
        if isinstance(error, PolicyBlock):
            ex.record.decision = "blocked"
        elif error.status >= 500:
            ex.record.decision = "error"
        else:
            ex.record.decision = "refused"
        if ex.record.reason_code is None or not isinstance(error, PolicyBlock):
            ex.record.reason_code = error.code
        try:
            await self.log(ex)
        except WireError as failure:
            error = failure
        return JSONResponse(ex.wire.error_body(error.status, error.code, error.message), error.status,
                            headers={**ex.headers(), **error.headers})

    async def relay_answer(self, answer: Answer, restorer: Restorer, ex: Exchange) -> Response:
        """A whole (non-stream) answer: restored, sent, then logged.

        The prompt is already with the provider, so a use-log failure can no longer stop
        it, and withholding the answer would only lose it; logging after the answer spares
        the client the database write. A failure marks the store failed, which refuses
        every new request until it works again (the same as after a stream).
        """
        try:
            raw = await answer.read()
        except UpstreamError:
            return await self.refuse(WireError(502, UPSTREAM_ERROR, "the provider's answer was cut off"), ex)
        finally:
            await answer.close()
        try:
            data = json.loads(raw)
        except ValueError:
            data = None
        status = answer.status_code
        # The provider's own credentials or failures are the gateway's problem, not the caller's.
        if not isinstance(data, dict) or status in (401, 403) or status >= 500:
            error = WireError(502, UPSTREAM_ERROR, f"the provider answered with status {status}")
            return await self.refuse(error, ex)
        try:
            data = await self._restore(data, restorer, answer.is_success, ex)
        except WireError as failure:
            return await self.refuse(failure, ex)
        self._reserved_logs += 1  # reserved before the answer leaves, released once submitted
        background = BackgroundTask(self.log_after_answer, ex)
        if isinstance(restorer, IdentityRestorer):  # nothing replaced: the provider's bytes as sent
            return Response(raw, status, headers=ex.headers(), media_type="application/json",
                            background=background)
        return JSONResponse(data, status, headers=ex.headers(), background=background)

    async def _restore(self, data: dict[str, Any], restorer: Restorer, success: bool,
                       ex: Exchange) -> dict[str, Any]:
        """Stage 'restore' for a whole answer; a provider error message may quote surrogates too.

        With nothing to put back, no thread hop: the answer is only read for its usage."""
        identity = isinstance(restorer, IdentityRestorer)
        if not success:
            ex.record.decision = "error"
            if identity:
                return data
            restored: dict[str, Any] = await self._guarded("restore", restore_strings, data, restorer)
            return restored
        if not identity:
            data = await self._guarded("restore", ex.wire.restore_response, data, restorer)
        usage = ex.wire.usage(data)
        ex.record.prompt_tokens, ex.record.completion_tokens = usage.prompt_tokens, usage.completion_tokens
        return data

    def relay_stream(self, answer: Answer, restorer: Restorer, ex: Exchange) -> Response:
        """Relay a streamed answer burst by burst (gateway.relay); log once it has ended."""
        headers = {**ex.headers(), "cache-control": "no-cache", "x-accel-buffering": "no"}
        return BurstStreamingResponse(self._events(answer, restorer, ex), media_type="text/event-stream",
                                      headers=headers)

    async def _events(self, answer: Answer, restorer: Restorer, ex: Exchange) -> AsyncIterator[bytes]:
        """The client's stream: per piece of the provider's answer, the events it completed
        (restored), or, when nothing was replaced, the provider's bytes as they came."""
        relay = ex.wire.stream_relay(restorer)
        self._reserved_logs += 1  # before the first event leaves; released by log_after_answer
        try:
            chunks = (_as_is(answer, relay) if isinstance(restorer, IdentityRestorer)
                      else _restored(answer, relay))
            async for chunk in chunks:
                yield chunk
        except (UpstreamError, UnicodeDecodeError) as exc:
            ex.record.decision = "error"
            ex.record.reason_code = UPSTREAM_ERROR
            message = f"the provider's stream failed ({type(exc).__name__})"
            log.warning("request %s: %s", ex.record.request_id, message)
            yield ex.wire.stream_error(UPSTREAM_ERROR, message).encode()
        finally:
            ex.record.prompt_tokens = relay.usage.prompt_tokens
            ex.record.completion_tokens = relay.usage.completion_tokens
            with anyio.CancelScope(shield=True):
                await answer.close()
                await self.log_after_answer(ex)

    # -- scan ---------------------------------------------------------------------------

    async def scan(self, request: Request) -> dict[str, Any]:
        """``POST /v1/scan``: what the protection stages would do; nothing is forwarded.

        Logged like a proxied request (decision ``scanned``, types and counts only).
        Raises WireError for refusals and failures, after logging them.
        """
        started, active = time.perf_counter(), self._active()
        rules = active.rules
        record = UseRecord(request_id="req_" + uuid.uuid4().hex, endpoint=SCAN_ENDPOINT, decision="refused")
        try:
            principal = await self.authenticate(request, record, rules)
            await self.limiter.admit(principal, rules.rate_limits)
            scan = parse_scan(load_json(await read_body(request, rules.limits)), rules)
            record.model, record.provider = scan.model, scan.provider or None
            check_text_limits(scan.texts, len(scan.texts), rules)
            result: dict[str, Any] = await self._guarded(
                "scan", scan_texts, active.engine, scan.texts, scan.provider, principal.group)
        except WireError as error:
            record.decision = "error" if error.status >= 500 else "refused"
            record.reason_code = error.code
            await self._log(record, started)
            raise
        record.decision, record.reason_code = "scanned", result["reason_code"]
        record.counts, record.findings = result["counts"], result["findings"]
        record.language = (result["languages"] or [None])[0]
        await self._log(record, started)
        return result

    # -- log ----------------------------------------------------------------------------

    async def log(self, ex: Exchange) -> None:
        await self._log(ex.record, ex.started)

    async def log_after_answer(self, ex: Exchange) -> None:
        """Hand the use record of an answer already sent to the log writer (a failure to
        write it is reported to the monitor there, not raised).  Async, though it never
        waits: a BackgroundTask would run a plain function in a worker thread."""
        self.log_writer.submit(_timed(ex.record, ex.started))
        self._reserved_logs -= 1

    async def _log(self, record: UseRecord, started: float) -> None:
        await self._guarded("log", self.store.record_use, _timed(record, started))

    async def _guarded(self, stage: str, fn: Callable[..., Any], *args: Any) -> Any:
        """Run a stage in a worker thread; any failure becomes a 503 (fail closed).

        Only the exception's type is logged: its message could quote request text.
        """
        try:
            return await anyio.to_thread.run_sync(fn, *args)
        except WireError:  # a refusal decided in the thread (a key the store no longer accepts)
            raise
        except Exception as exc:
            cause: BaseException = exc
            if isinstance(exc, StageFailure) and exc.__cause__ is not None:
                stage, cause = exc.stage, exc.__cause__
            log.error("stage %s failed: %s", stage, type(cause).__name__)
            self.monitor.failed(stage, cause)
            raise WireError(503, GATEWAY_UNAVAILABLE, FAIL_CLOSED) from cause


def _timed(record: UseRecord, started: float) -> UseRecord:
    """The record with the request's latency so far (in ms), as the log keeps it."""
    record.latency_ms = round((time.perf_counter() - started) * 1000, 1)
    return record


def admit(principal: Principal | None, record: UseRecord | None, rules: Rules | None) -> Principal:
    """The store's answer for a key, as a principal allowed to use the gateway, or WireError
    401 (unknown or revoked key) / 403 (suspended; with ``rules``, training missing)."""
    if principal is None:
        raise WireError(401, INVALID_API_KEY, "the gateway key is invalid or has been revoked")
    if record is not None:
        record.user, record.key_id = principal.user, principal.key_id
    if principal.suspended:
        raise WireError(403, USER_SUSPENDED, "access to the gateway is suspended for this user")
    if rules is not None:
        check_training(principal, rules)
    return principal


def load_json(raw: bytes) -> Any:
    """The body as JSON, refused (4xx) when invalid or shaped to make the gateway work hard.

    The shape is checked before any recursive or per-value code (the wire formats,
    ``deepcopy``, ``json.dumps``) walks the body, so hostile nesting is a 400 rather
    than a RecursionError, and a body of a million tiny values a 413 rather than
    seconds of CPU.
    """
    try:
        body = json.loads(raw, parse_constant=_not_json, parse_float=_finite_float)
    except (ValueError, RecursionError) as exc:  # ValueError includes invalid UTF-8
        raise invalid("the body is not valid JSON") from exc
    check_json_shape(body)
    return body


def _not_json(constant: str) -> Any:
    """NaN and Infinity are Python's extension, not JSON: the provider would get an invalid body."""
    raise ValueError(f"{constant} is not JSON")


def _finite_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):  # 1e999
        raise ValueError("number out of range")
    return value


def check_json_shape(body: Any) -> None:
    """Depth and number of values within bounds (level by level: no recursion, early exit)."""
    level, depth, values = [body], 0, 0
    while level:
        values += len(level)
        if values > MAX_JSON_VALUES:
            raise WireError(413, REQUEST_TOO_LARGE, f"the body has more than {MAX_JSON_VALUES} JSON values")
        containers = [node for node in level if isinstance(node, dict | list)]
        depth += 1
        if containers and depth > MAX_JSON_DEPTH:
            raise invalid(f"the body is nested more than {MAX_JSON_DEPTH} levels deep")
        level = [item for node in containers for item in (node.values() if isinstance(node, dict) else node)]


def check_limits(parsed: ParsedRequest, rules: Rules) -> None:
    """Refuse requests larger than the rules allow (size of the work, not of the body)."""
    messages = len({s.message_index for s in parsed.segments})
    check_text_limits(parsed.texts(), messages, rules)


def check_text_limits(texts: list[str], messages: int, rules: Rules) -> None:
    """Message count and text length within the rules' limits, and texts encodable as UTF-8."""
    if messages > rules.limits.max_messages:
        raise WireError(413, REQUEST_TOO_LARGE, f"more than {rules.limits.max_messages} messages")
    if sum(len(t) for t in texts) > rules.limits.max_text_chars:
        raise WireError(413, REQUEST_TOO_LARGE, f"more than {rules.limits.max_text_chars} characters of text")
    for text in texts:
        try:
            text.encode("utf-8")
        except UnicodeEncodeError as exc:
            raise invalid("the body contains invalid Unicode (a lone surrogate)") from exc


async def read_body(request: Request, limits: Limits) -> bytes:
    """The request body, refused as soon as it exceeds the size limit or takes too long."""
    chunks, size = [], 0
    try:
        with anyio.fail_after(limits.body_timeout_s):
            async for chunk in request.stream():
                size += len(chunk)
                if size > limits.max_body_bytes:
                    raise WireError(413, REQUEST_TOO_LARGE,
                                    f"the body is larger than {limits.max_body_bytes} bytes")
                chunks.append(chunk)
    except ClientDisconnect as exc:  # nobody reads the answer, but the log records the attempt
        raise invalid("the client disconnected before sending the whole body") from exc
    except TimeoutError as exc:
        raise WireError(408, REQUEST_TIMEOUT,
                        f"the body did not arrive within {limits.body_timeout_s:g} s") from exc
    return b"".join(chunks)


async def _restored(answer: Answer, relay: StreamRelay) -> AsyncIterator[bytes]:
    """The events each piece of the provider's answer completed, restored, in one write: the
    opening events one by one, then what each read brought (gateway.relay)."""
    decoder = SSEDecoder()
    async for chunk in answer.chunks(one_by_one=OPENING_WRITES):
        out = b"".join(e.encode() for event in decoder.feed(chunk) for e in relay.feed(event))
        if out:
            yield out
    tail = [e for event in decoder.close() for e in relay.feed(event)] + relay.finish()
    if tail:
        yield b"".join(e.encode() for e in tail)


async def _as_is(answer: Answer, relay: StreamRelay) -> AsyncIterator[bytes]:
    """The provider's bytes as they came, when nothing was replaced.

    Still decoded on the side, to stop at invalid UTF-8 and to read the token usage for
    the use log; only events that mention ``usage`` are parsed (SSEDecoder.skim): a long
    answer has hundreds of events, and what the gateway spends on each delays the client's
    first ones.
    """
    usage = PassThroughRelay(relay)
    decoder = SSEDecoder()
    async for chunk in answer.chunks():
        for event in decoder.skim(chunk, "usage"):
            usage.feed(event)
        yield chunk
    for event in decoder.close():
        usage.feed(event)
