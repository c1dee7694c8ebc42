"""Console sign-in: admin keys, server-side sessions, cookies and CSRF tokens.

The session cookie carries a random id (the database keeps its hash) and is
HttpOnly, SameSite=Strict, limited to ``/admin`` and Secure when the console is served
over https.  Every POST form carries a CSRF token: bound to the session once signed
in (an HMAC of the session id, so nothing more is stored), and a double-submit cookie
before that (the sign-in form and the staff report page).
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from dataclasses import dataclass
from datetime import timedelta
from typing import Annotated, Any, Literal

from fastapi import Depends, Form, Request
from starlette.responses import Response

from gateway.store.console import Admin, ConsoleStore

SESSION_COOKIE = "gw_admin"
FORM_COOKIE = "gw_form"
CONSOLE_PATH = "/admin"
SECURE_ENV = "GATEWAY_CONSOLE_SECURE_COOKIES"
TTL_ENV = "GATEWAY_CONSOLE_SESSION_HOURS"

CookiePolicy = Literal["auto", "always", "never"]


@dataclass(frozen=True)
class Settings:
    """``secure_cookies``: ``auto`` marks cookies Secure when the request came over https
    (behind a TLS proxy, run uvicorn with ``--proxy-headers``)."""

    session_ttl: timedelta = timedelta(hours=8)
    secure_cookies: CookiePolicy = "auto"

    @classmethod
    def from_env(cls) -> Settings:
        policy = os.environ.get(SECURE_ENV, "auto")
        if policy not in ("auto", "always", "never"):
            raise ValueError(f"{SECURE_ENV} must be auto, always or never")
        hours = float(os.environ.get(TTL_ENV, "8"))
        return cls(session_ttl=timedelta(hours=hours), secure_cookies=policy)  # type: ignore[arg-type]

    def secure(self, request: Request) -> bool:
        if self.secure_cookies == "auto":
            return request.url.scheme == "https"
        return self.secure_cookies == "always"


class SignInRequired(Exception):
    """No valid session: the page redirects to the sign-in form."""


class Forbidden(Exception):
    """Signed in, but the role may not do this (or the CSRF token is wrong)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def console_store(request: Request) -> ConsoleStore:
    store: ConsoleStore = request.app.state.console_store
    return store


def settings(request: Request) -> Settings:
    value: Settings = request.app.state.console_settings
    return value


def csrf_for(session_id: str) -> str:
    """The session's CSRF token; only someone who holds the HttpOnly cookie can compute it."""
    return hmac.new(session_id.encode(), b"csrf", hashlib.sha256).hexdigest()


@dataclass(frozen=True)
class SignedIn:
    admin: Admin
    csrf: str


def signed_in(request: Request) -> SignedIn:
    raw = request.cookies.get(SESSION_COOKIE)
    admin = console_store(request).session_admin(raw) if raw else None
    if raw is None or admin is None:
        raise SignInRequired()
    return SignedIn(admin, csrf_for(raw))


def role(*allowed: str) -> Any:
    """Dependency for a page: a signed-in admin with one of ``allowed`` roles."""

    def check(current: Annotated[SignedIn, Depends(signed_in)]) -> SignedIn:
        if current.admin.role not in allowed:
            raise Forbidden("role")
        return current

    return Depends(check)


def posted(*allowed: str) -> Any:
    """Dependency for a form POST: the role check plus the session's CSRF token."""

    def check(current: Annotated[SignedIn, Depends(signed_in)],
              csrf: Annotated[str, Form()] = "") -> SignedIn:
        if not hmac.compare_digest(csrf.encode(), current.csrf.encode()):
            raise Forbidden("csrf")
        if current.admin.role not in allowed:
            raise Forbidden("role")
        return current

    return Depends(check)


def set_session(response: Response, request: Request, session_id: str) -> None:
    ttl = settings(request).session_ttl
    response.set_cookie(SESSION_COOKIE, session_id, max_age=int(ttl.total_seconds()), path=CONSOLE_PATH,
                        httponly=True, samesite="strict", secure=settings(request).secure(request))


def clear_session(response: Response) -> None:
    response.delete_cookie(SESSION_COOKIE, path=CONSOLE_PATH, httponly=True, samesite="strict")


def form_token(request: Request) -> str:
    """A double-submit token for a form shown before sign-in (hidden field and cookie)."""
    return request.cookies.get(FORM_COOKIE) or secrets.token_urlsafe(24)


def remember_form_token(response: Response, request: Request, token: str, path: str) -> None:
    response.set_cookie(FORM_COOKIE, token, path=path, httponly=True, samesite="strict",
                        secure=settings(request).secure(request))


def check_form_token(request: Request, submitted: str) -> None:
    cookie = request.cookies.get(FORM_COOKIE, "")
    if not cookie or not hmac.compare_digest(cookie.encode(), submitted.encode()):
        raise Forbidden("csrf")
