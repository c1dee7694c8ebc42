"""The HTTP application: OpenAI- and Anthropic-compatible endpoints in front of the pipeline.

Only the endpoints listed here exist.  Any other path or method is answered 404 in
the caller's wire format: a proxy that relays "everything else" blindly would be a
way around the inspection.  The running rules version (rules, engine, energy factors)
lives in ``app.state.active`` and is replaced as a whole by :mod:`gateway.reload`, so
each request sees one consistent version while IT edits the file.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Any

import anyio
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Receive, Scope, Send

from gateway.active import EngineBuilder, build_active
from gateway.config import Rules
from gateway.engine import Engine
from gateway.health import Health, health_routes
from gateway.metrics import Metrics
from gateway.metrics import add_routes as add_metrics_routes
from gateway.observe import ObservedStore
from gateway.openapi import PATH as OPENAPI_PATH
from gateway.openapi import openapi_document
from gateway.pipeline import Pipeline, Store, core_engine
from gateway.ratelimit import RateLimiter, limiter_from_env
from gateway.reload import Reloader, activate
from gateway.reload import add_routes as add_reload_routes
from gateway.scan import ENDPOINT as SCAN_ENDPOINT
from gateway.transparency import add_routes as add_usage_routes
from gateway.upstream import Upstream
from gateway.web import mount_console
from gateway.wire import WIRE_FORMATS, WireFormat
from gateway.wire.errors import (
    REQUEST_TOO_LARGE,
    UNKNOWN_ENDPOINT,
    WireError,
    caller_error,
)

Lifespan = Callable[[FastAPI], AbstractAsyncContextManager[None]]

GLOB_CHARS = frozenset("*?[")
# The HTTP server refuses header blocks over 16 KiB only when they arrive in pieces;
# this makes the limit hold however the bytes arrive.
MAX_HEADER_BYTES = 16 * 1024


def create_app(rules: Rules, store: Store, engine: Engine | None = None,
               limiter: RateLimiter | None = None, build_engine: EngineBuilder | None = None) -> FastAPI:
    """The gateway app; ``engine`` defaults to the proxy without detection, ``limiter``
    to the one ``GATEWAY_REDIS_URL`` selects.

    ``app.state.active`` is the rules version the pipeline runs (rules, engine, energy
    factors; ``app.state.rules`` and ``app.state.engine`` mirror it) and ``app.state.reloader``
    replaces it (gateway.reload), building the engine of a new rules file with
    ``build_engine`` (default: the proxy without detection).  ``app.state.health`` is the
    readiness monitor behind ``/healthz``.
    """
    upstream = Upstream()
    limiter = limiter or limiter_from_env()
    app = FastAPI(title="AI privacy gateway", lifespan=_lifespan(upstream, limiter), docs_url=None,
                  redoc_url=None, openapi_url=None)
    app.add_exception_handler(StarletteHTTPException, http_error)
    app.add_middleware(HeaderLimit)
    builder = build_engine or _core_builder
    activate(app, build_active(rules, builder, engine))
    app.state.reloader = reloader = Reloader(app, store, builder)
    app.state.reload = reloader.console_hook  # the console's reload button (gateway.web.admin)
    app.state.metrics = metrics = Metrics()
    app.state.health = health = Health(lambda: app.state.engine, store, limiter, lambda: app.state.rules)
    limiter.report_to(health.failed)
    observed = ObservedStore(store, lambda: app.state.active.energy, metrics)
    app.state.pipeline = pipeline = Pipeline(lambda: app.state.active, observed, upstream, limiter, health)
    _add_routes(app, pipeline, store)
    return app


def _lifespan(upstream: Upstream, limiter: RateLimiter) -> Lifespan:
    """Start the rules watcher with the server; close the shared connections when it stops."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.reloader.start()
        yield
        await app.state.reloader.stop()
        await anyio.to_thread.run_sync(app.state.pipeline.log_writer.close)  # the records still queued
        await upstream.aclose()
        await limiter.aclose()

    return lifespan


def _add_routes(app: FastAPI, pipeline: Pipeline, store: Store) -> None:
    """Every endpoint of the gateway, and a catch-all 404 for anything else."""
    for path, wire in WIRE_FORMATS.items():
        app.add_route(path, _endpoint(pipeline, wire), methods=["POST"], include_in_schema=False)
    app.include_router(health_routes(app.state.health))

    @app.get("/v1/models", include_in_schema=False)
    async def models(request: Request) -> Response:
        return await list_models(request, pipeline, app.state.rules)

    @app.post(SCAN_ENDPOINT, include_in_schema=False)
    async def scan(request: Request) -> Response:
        try:
            return JSONResponse(await pipeline.scan(request))
        except WireError as error:
            return error_response(request, error.status, error.code, error.message)

    @app.get(OPENAPI_PATH, include_in_schema=False)
    async def openapi() -> Response:
        """The OpenAPI 3.1 description of the public endpoints (gateway.openapi).

        Served without a key: it describes API shapes only, nothing about the rules,
        models, users or keys of this gateway, and the console is not part of it.
        """
        return JSONResponse(openapi_document())

    add_reload_routes(app)
    add_usage_routes(app, pipeline, store)
    add_metrics_routes(app, app.state.metrics)
    mount_console(app, store)  # the DPO console under /admin, before the catch-all

    @app.api_route("/{path:path}", methods=["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"],
                   include_in_schema=False)
    async def unknown(request: Request, path: str) -> Response:
        message = f"{request.method} /{path} is not an endpoint of this gateway"
        return error_response(request, 404, UNKNOWN_ENDPOINT, message)


def _core_builder(rules: Rules) -> Engine:
    return core_engine()


def _endpoint(pipeline: Pipeline, wire: WireFormat) -> Any:
    async def endpoint(request: Request) -> Response:
        return await pipeline.handle(wire, request)

    endpoint.__name__ = wire.name
    return endpoint


async def http_error(request: Request, exc: Exception) -> Response:
    """Errors the router raises itself, in the wire format like every other refusal.

    The catch-all route answers unknown paths; the router only gets here for request
    targets that are not paths at all, such as a proxy-style absolute URL
    (``POST http://api.openai.com/v1/chat/completions``): those are never routed; and for
    methods no route lists (``TRACE``, made-up ones), which are unknown endpoints too.
    """
    status = exc.status_code if isinstance(exc, StarletteHTTPException) else 400
    if status == 405:  # a method the catch-all does not list either (TRACE, made-up ones)
        return error_response(request, 404, UNKNOWN_ENDPOINT,
                              f"{request.method} {request.url.path} is not an endpoint of this gateway")
    return error_response(request, status, UNKNOWN_ENDPOINT,
                          "the request target must be a path on this gateway")


class HeaderLimit:
    """ASGI middleware: 431 for requests whose headers exceed :data:`MAX_HEADER_BYTES`."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and sum(len(k) + len(v) for k, v in scope["headers"]) > MAX_HEADER_BYTES:
            response = error_response(Request(scope), 431, REQUEST_TOO_LARGE,
                                      f"the request headers are larger than {MAX_HEADER_BYTES} bytes")
            await response(scope, receive, send)
            return
        await self.app(scope, receive, send)


def error_response(request: Request, status: int, code: str, message: str) -> JSONResponse:
    """An error in the wire format the caller most likely speaks."""
    return JSONResponse(caller_error(request.headers, status, code, message), status)


async def list_models(request: Request, pipeline: Pipeline, rules: Rules) -> Response:
    """The models the caller may use, in a list both SDKs can read.

    Glob patterns of the rules (``gpt-4.1*``) are not listed: they are not model names.
    Each entry carries OpenAI's fields and Anthropic's (``type``, ``display_name``...).
    """
    try:
        await pipeline.authenticate(request)
    except WireError as error:
        return error_response(request, error.status, error.code, error.message)
    names = [(m, p.name) for p in rules.providers for m in p.models if not GLOB_CHARS & set(m)]
    data = [{"id": m, "object": "model", "created": 0, "owned_by": owner, "type": "model",
             "display_name": m, "created_at": "1970-01-01T00:00:00Z"} for m, owner in names]
    return JSONResponse({"object": "list", "data": data, "has_more": False,
                         "first_id": data[0]["id"] if data else None,
                         "last_id": data[-1]["id"] if data else None})
