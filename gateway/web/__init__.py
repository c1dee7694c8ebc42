"""The DPO console (``/admin``) and the staff report page, served by the gateway.

:func:`mount_console` adds the routes to the gateway app.  It needs the database
store (:class:`gateway.store.Store`); with any other store (the in-memory one of the
proxy tests) there is nothing to review and the console is not mounted.
"""

from __future__ import annotations

from pathlib import Path

import anyio
from fastapi import FastAPI, Request
from fastapi.responses import FileResponse, RedirectResponse
from starlette.responses import Response

from gateway.store import Store
from gateway.store.console import ConsoleStore
from gateway.web import admin, pages, reports
from gateway.web.session import Forbidden, Settings, SignInRequired, signed_in
from gateway.web.views import render, secure

STATIC = Path(__file__).resolve().parent / "static"


def mount_console(app: FastAPI, store: object, settings: Settings | None = None) -> None:
    """Add the console's routes (before the gateway's catch-all route is added)."""
    if not isinstance(store, Store):
        return
    app.state.console_store = ConsoleStore(store)
    app.state.console_settings = settings or Settings.from_env()
    app.add_exception_handler(SignInRequired, _sign_in)
    app.add_exception_handler(Forbidden, _forbidden)
    app.add_api_route("/admin/static/console.css", _stylesheet, methods=["GET"], include_in_schema=False)
    for router in (admin.router, pages.router, reports.router):
        app.include_router(router, include_in_schema=False)


def _stylesheet() -> Response:
    return FileResponse(STATIC / "console.css", media_type="text/css",
                        headers={"cache-control": "max-age=3600", "x-content-type-options": "nosniff"})


async def _sign_in(request: Request, exc: Exception) -> Response:
    if request.method == "GET":
        return secure(RedirectResponse("/admin/login", 303))
    return render(request, "error.html", {"message": "error_signed_out"}, 401)


async def _forbidden(request: Request, exc: Exception) -> Response:
    reason = exc.reason if isinstance(exc, Forbidden) else "role"
    try:
        me = await anyio.to_thread.run_sync(signed_in, request)
    except SignInRequired:
        me = None
    return render(request, "error.html", {"me": me, "message": "error_" + reason}, 403)
