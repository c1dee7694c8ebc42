"""Errors a wire format raises, and the error codes clients can rely on.

Every refusal carries a stable machine-readable ``code`` (documented in the README) so
that scripts can tell a policy refusal from a typo; the wire format decides how that
code is rendered (OpenAI ``error.code``, Anthropic ``error.code`` next to ``error.type``).
"""

from __future__ import annotations

from collections.abc import Mapping

# 400: the request cannot be inspected as sent.
INVALID_REQUEST = "invalid_request"
UNKNOWN_FIELD = "unknown_field"
UNSUPPORTED_CONTENT = "unsupported_content"
REQUEST_TOO_LARGE = "request_too_large"
# 408: the client did not send its body in time.
REQUEST_TIMEOUT = "request_timeout"
# 401 / 403: who may use what.
INVALID_API_KEY = "invalid_api_key"
USER_SUSPENDED = "user_suspended"
MODEL_NOT_ALLOWED = "model_not_allowed"
PROVIDER_NOT_ALLOWED = "provider_not_allowed"
# 404: no such endpoint.
UNKNOWN_ENDPOINT = "unknown_endpoint"
# 429: the user's rate limit (gateway.ratelimit).
RATE_LIMITED = "rate_limited"
# 5xx: the gateway or the provider failed.
GATEWAY_UNAVAILABLE = "gateway_unavailable"
UPSTREAM_ERROR = "upstream_error"
UPSTREAM_TIMEOUT = "upstream_timeout"


class WireError(Exception):
    """A request the gateway refuses; rendered in the caller's wire format.

    The message must never quote the refused text itself: it names the field (its
    JSON path) so the caller can find it, without echoing personal data into logs.
    """

    def __init__(self, status: int, code: str, message: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.headers = headers or {}  # extra response headers, e.g. Retry-After on a 429


def invalid(message: str) -> WireError:
    return WireError(400, INVALID_REQUEST, message)


def unsupported(message: str) -> WireError:
    return WireError(400, UNSUPPORTED_CONTENT, message)


_OPENAI_TYPES = {400: "invalid_request_error", 401: "authentication_error", 403: "permission_error",
                 404: "not_found_error", 413: "invalid_request_error", 429: "rate_limit_error"}
_ANTHROPIC_TYPES = {400: "invalid_request_error", 401: "authentication_error", 403: "permission_error",
                    404: "not_found_error", 413: "request_too_large", 429: "rate_limit_error",
                    431: "invalid_request_error",
                    503: "overloaded_error", 529: "overloaded_error"}


def openai_error(status: int, code: str, message: str) -> dict[str, object]:
    """OpenAI's error JSON; the SDK exposes ``error.code`` as ``exc.code``."""
    etype = _OPENAI_TYPES.get(status, "api_error" if status >= 500 else "invalid_request_error")
    return {"error": {"message": message, "type": etype, "code": code, "param": None}}


def anthropic_error(status: int, code: str, message: str) -> dict[str, object]:
    """Anthropic's error JSON, with the gateway's code in an extra ``error.code`` field.

    ``error.type`` stays one of Anthropic's standard types so existing clients map it to
    the right exception class; the SDK keeps the whole JSON in ``exc.body``, where
    ``exc.body["error"]["code"]`` gives the precise reason.
    """
    etype = _ANTHROPIC_TYPES.get(status, "api_error")
    return {"type": "error", "error": {"type": etype, "code": code, "message": message}}


def looks_anthropic(headers: Mapping[str, str]) -> bool:
    """The request carries the headers Anthropic's SDK sends (x-api-key and anthropic-version)."""
    return "x-api-key" in headers and "anthropic-version" in headers


def caller_error(headers: Mapping[str, str], status: int, code: str, message: str) -> dict[str, object]:
    """An error JSON in the wire format the caller most likely speaks, judged by its headers:
    for the endpoints that both SDKs use (models, scan, usage, unknown paths)."""
    render = anthropic_error if looks_anthropic(headers) else openai_error
    return render(status, code, message)
