"""Rendering console pages: templates, the translator, and the headers every page gets."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from fastapi.templating import Jinja2Templates
from starlette.requests import Request
from starlette.responses import Response

from gateway.web.charts import bar_chart
from gateway.web.i18n import LANG_COOKIE, LANGUAGES, Translator, language_of

HERE = Path(__file__).resolve().parent
templates = Jinja2Templates(directory=HERE / "templates")
templates.env.globals["bar_chart"] = bar_chart

# The console needs no script and no third-party resource: forbid both.
SECURITY_HEADERS = {
    "content-security-policy": "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; "
                               "frame-ancestors 'none'; base-uri 'none'",
    "x-frame-options": "DENY",
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
    "cache-control": "no-store",
}
DEFAULT_DAYS = 30


def render(request: Request, name: str, context: dict[str, Any], status: int = 200) -> Response:
    language = language_of(request)
    response = templates.TemplateResponse(request, name, {
        "t": Translator(language), "lang": language, "languages": LANGUAGES, **context}, status_code=status)
    secure(response)
    if request.query_params.get("lang") == language:
        response.set_cookie(LANG_COOKIE, language, max_age=365 * 86400, samesite="lax")
    return response


def secure(response: Response) -> Response:
    response.headers.update(SECURITY_HEADERS)
    return response


def parse_day(value: str | None, default: date) -> date:
    try:
        return date.fromisoformat(value) if value else default
    except ValueError:
        return default


def period(since: str | None, until: str | None) -> tuple[date, date]:
    """The days a page covers (inclusive); the last :data:`DEFAULT_DAYS` days by default."""
    last = parse_day(until, datetime.now(UTC).date())
    first = parse_day(since, last - timedelta(days=DEFAULT_DAYS - 1))
    return (first, last) if first <= last else (last, first)


def bounds(first: date, last: date) -> tuple[datetime, datetime]:
    """The UTC instants from the start of ``first`` to the end of ``last``."""
    start = datetime(first.year, first.month, first.day, tzinfo=UTC)
    return start, datetime(last.year, last.month, last.day, tzinfo=UTC) + timedelta(days=1)
