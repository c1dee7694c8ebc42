"""Staff reports of a suspected misuse or a compromised system.

``POST /v1/reports`` takes the caller's gateway key like every ``/v1`` endpoint;
``/report`` is a small form for people who do not use the API directly.  Both store
the text in the console's table; the use log only gets the kind, the reporter and a
digest of the text.
"""

from __future__ import annotations

from typing import Annotated, Any

import anyio
from fastapi import APIRouter, Form, Request
from fastapi.responses import JSONResponse
from starlette.responses import Response

from gateway.core import Principal
from gateway.pipeline import client_key, load_json
from gateway.store.console import MAX_TEXT, REPORT_KINDS
from gateway.web.session import check_form_token, console_store, form_token, remember_form_token
from gateway.web.views import render
from gateway.wire.errors import WireError

router = APIRouter()
REPORT_PATH = "/report"
MAX_BODY = 64 * 1024


def _principal(request: Request, key: str | None) -> Principal | None:
    principal = console_store(request).store.authenticate(key) if key else None
    return principal if principal is not None and not principal.suspended else None


def _error(status: int, code: str, message: str) -> JSONResponse:
    return JSONResponse({"error": {"type": code, "code": code, "message": message}}, status)


def _valid(body: Any) -> tuple[str, str] | None:
    if not isinstance(body, dict):
        return None
    kind, description = body.get("kind"), body.get("description")
    if kind not in REPORT_KINDS or not isinstance(description, str) or not description.strip():
        return None
    return kind, description.strip()


@router.post("/v1/reports")
async def api_report(request: Request) -> Response:
    """JSON ``{"kind": "misuse"|"compromised"|"other", "description": "..."}``; answers 201 and an id."""
    principal = await anyio.to_thread.run_sync(_principal, request, client_key(request))
    if principal is None:
        return _error(401, "invalid_api_key", "a valid gateway key of an active user is required")
    raw = await request.body()
    if len(raw) > MAX_BODY:
        return _error(413, "request_too_large", f"a report is at most {MAX_BODY} bytes")
    try:
        report = _valid(load_json(raw))
    except WireError as error:
        return _error(error.status, error.code, error.message)
    if report is None:
        return _error(400, "invalid_request", f"kind must be one of {', '.join(REPORT_KINDS)} and "
                                              "description a non-empty text")
    report_id = await anyio.to_thread.run_sync(console_store(request).add_report, principal, *report)
    return JSONResponse({"id": report_id, "status": "received"}, 201)


def _form(request: Request, outcome: str | None, status: int) -> Response:
    token = form_token(request)
    response = render(request, "report.html", {"csrf": token, "outcome": outcome, "kinds": REPORT_KINDS,
                                                "max_text": MAX_TEXT}, status)
    remember_form_token(response, request, token, REPORT_PATH)
    return response


@router.get(REPORT_PATH)
def report_form(request: Request) -> Response:
    return _form(request, None, 200)


@router.post(REPORT_PATH)
def report(request: Request, key: Annotated[str, Form()] = "", kind: Annotated[str, Form()] = "",
           description: Annotated[str, Form()] = "", csrf: Annotated[str, Form()] = "") -> Response:
    check_form_token(request, csrf)
    principal = _principal(request, key.strip())
    if principal is None:
        return _form(request, "report_bad_key", 401)
    report = _valid({"kind": kind, "description": description})
    if report is None:
        return _form(request, "report_invalid", 400)
    console_store(request).add_report(principal, *report)
    return _form(request, "report_thanks", 200)
