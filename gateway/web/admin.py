"""Sign-in and the pages both roles share (proposals, staff reports), and IT's pages:
keys, users and the rules reload."""

from __future__ import annotations

import inspect
from typing import Annotated

import anyio
from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse
from starlette.responses import Response

from gateway.store.console import Admin
from gateway.web.session import (
    SESSION_COOKIE,
    SignedIn,
    SignInRequired,
    check_form_token,
    clear_session,
    console_store,
    form_token,
    posted,
    remember_form_token,
    role,
    set_session,
    settings,
    signed_in,
)
from gateway.web.views import render, secure

router = APIRouter(prefix="/admin")
Anyone = Annotated[SignedIn, role("dpo", "it")]
It = Annotated[SignedIn, role("it")]
ItPost = Annotated[SignedIn, posted("it")]


def home(admin: Admin) -> str:
    """Where a role lands: the DPO on the overview, IT on keys and users."""
    return "/admin/overview" if admin.role == "dpo" else "/admin/keys"


@router.get("")
def root(request: Request) -> Response:
    try:
        return secure(RedirectResponse(home(signed_in(request).admin), 303))
    except SignInRequired:
        return secure(RedirectResponse("/admin/login", 303))


def _login_page(request: Request, error: str | None, status: int) -> Response:
    token = form_token(request)
    response = render(request, "login.html", {"csrf": token, "error": error}, status)
    remember_form_token(response, request, token, "/admin")
    return response


@router.get("/login")
def login_form(request: Request) -> Response:
    return _login_page(request, None, 200)


@router.post("/login")
def login(request: Request, key: Annotated[str, Form()] = "", csrf: Annotated[str, Form()] = "") -> Response:
    check_form_token(request, csrf)
    store = console_store(request)
    admin = store.admin_for_key(key.strip()) if key else None
    if admin is None:
        # A valid gateway key of a member of staff is refused outright, not as "wrong key".
        is_user_key = bool(key) and store.store.authenticate(key.strip()) is not None
        return _login_page(request, "login_user_key" if is_user_key else "login_bad_key",
                           403 if is_user_key else 401)
    session_id = store.open_session(admin, settings(request).session_ttl)
    store.log_action(admin, "signin")
    response = secure(RedirectResponse(home(admin), 303))
    set_session(response, request, session_id)
    return response


@router.post("/logout")
def logout(request: Request, me: Annotated[SignedIn, posted("dpo", "it")]) -> Response:
    store = console_store(request)
    store.close_session(request.cookies[SESSION_COOKIE])
    store.log_action(me.admin, "signout")
    response = secure(RedirectResponse("/admin/login", 303))
    clear_session(response)
    return response


# -- shared pages -----------------------------------------------------------------------


@router.get("/proposals")
def proposals(request: Request, me: Anyone) -> Response:
    return render(request, "proposals.html", {"me": me, "proposals": console_store(request).proposals()})


@router.post("/proposals/{proposal_id}/applied")
def mark_applied(request: Request, me: ItPost, proposal_id: int) -> Response:
    console_store(request).apply_proposal(me.admin, proposal_id)
    return secure(RedirectResponse("/admin/proposals", 303))


@router.get("/reports")
def reports(request: Request, me: Anyone) -> Response:
    return render(request, "reports.html", {"me": me, "reports": console_store(request).reports()})


# -- IT -----------------------------------------------------------------------------------


def _keys_page(request: Request, me: SignedIn, new_key: str | None = None, status: int = 200) -> Response:
    keys = console_store(request).store.list_keys()
    return render(request, "keys.html", {"me": me, "keys": keys, "new_key": new_key}, status)


@router.get("/keys")
def keys(request: Request, me: It) -> Response:
    return _keys_page(request, me)


@router.post("/keys")
def create_key(request: Request, me: ItPost, user: Annotated[str, Form()] = "",
               group: Annotated[str, Form()] = "") -> Response:
    """A key for a member of staff, shown once on the answer page (never stored)."""
    name = user.strip()[:200]
    if not name:
        return render(request, "error.html", {"me": me, "message": "error_user_required"}, 400)
    store = console_store(request)
    key_id, raw = store.store.create_key(name, group.strip()[:200] or None)
    store.log_action(me.admin, "key_create")
    return _keys_page(request, me, raw)


@router.post("/keys/{key_id}/revoke")
def revoke_key(request: Request, me: ItPost, key_id: str) -> Response:
    store = console_store(request)
    if store.store.revoke_key(key_id):
        store.log_action(me.admin, "key_revoke")
    return secure(RedirectResponse("/admin/keys", 303))


@router.post("/users/{name}/{action}")
def set_user(request: Request, me: ItPost, name: str, action: str) -> Response:
    store = console_store(request)
    change = {"suspend": store.store.suspend_user, "reinstate": store.store.reinstate_user}.get(action)
    if change is None:
        return render(request, "error.html", {"me": me, "message": "error_no_action"}, 404)
    if change(name):
        store.log_action(me.admin, "user_" + action)
    return secure(RedirectResponse("/admin/keys", 303))


@router.get("/rules")
def rules(request: Request, me: It) -> Response:
    return _rules_page(request, me, None)


def _rules_page(request: Request, me: SignedIn, outcome: str | None, status: int = 200) -> Response:
    return render(request, "rules.html", {
        "me": me, "rules": request.app.state.rules, "outcome": outcome,
        "can_reload": callable(getattr(request.app.state, "reload", None))}, status)


@router.post("/rules")
async def reload_rules(request: Request, me: ItPost) -> Response:
    """Run the app's ``reload`` hook, if the gateway has one; its answer (or error) is shown."""
    hook = getattr(request.app.state, "reload", None)
    if not callable(hook):
        return _rules_page(request, me, None, 404)
    try:
        result = await anyio.to_thread.run_sync(hook)
        if inspect.isawaitable(result):
            result = await result
        outcome, status = str(result) if result is not None else "OK", 200
    except Exception as exc:  # noqa: BLE001 - a refused rules file is reported to IT, not raised
        outcome, status = str(exc), 409
    await anyio.to_thread.run_sync(console_store(request).log_action, me.admin,
                                   "rules_reload" if status == 200 else "rules_reload_failed")
    return _rules_page(request, me, outcome, status)
