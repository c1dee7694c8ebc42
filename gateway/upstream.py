"""Stage 'forward': sends a checked request to the provider the rules name.

The URL is built only from ``Provider.base_url`` and the wire format's path: no
client header or body field can choose where traffic goes, and redirects are never
followed (a 3xx is an error).  The caller's credentials are never forwarded; the
provider key comes from the environment variable the rules name.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from http.cookiejar import CookieJar
from typing import Any

import anyio
import httpx

from gateway.config import Provider
from gateway.wire.base import WireFormat
from gateway.wire.errors import UPSTREAM_ERROR, UPSTREAM_TIMEOUT, WireError, invalid

ANTHROPIC_VERSION = "2023-06-01"
# Client headers that select API behaviour, not identity or destination.
PASSED_HEADERS = {"anthropic": ("anthropic-version", "anthropic-beta"), "openai": ()}
CONNECT_TIMEOUT_S = 10.0
# Pause before retry n is n times this (only for providers whose rules set ``retries``).
RETRY_BACKOFF_S = 0.25

log = logging.getLogger(__name__)


def provider_headers(provider: Provider, client_headers: Mapping[str, str]) -> dict[str, str]:
    """The headers sent upstream: content type, the provider key, allow-listed API headers."""
    headers = {"content-type": "application/json", "accept-encoding": "identity"}
    for name in PASSED_HEADERS[provider.api]:
        if name in client_headers:
            headers[name] = _api_header(name, client_headers[name])
    if provider.api == "anthropic":
        headers["x-api-key"] = provider.api_key()
        headers.setdefault("anthropic-version", ANTHROPIC_VERSION)
    else:
        headers["authorization"] = f"Bearer {provider.api_key()}"
    return headers


def _api_header(name: str, value: str) -> str:
    """A client header passed on as is: version names and feature flags are printable ASCII,
    and anything else could not be encoded on the way out (refused, not a 500)."""
    if not (value.isascii() and value.isprintable()):
        raise invalid(f"the {name} header must be printable ASCII")
    return value


class NoCookies(CookieJar):
    """A cookie jar that keeps nothing.

    The client is shared by every user: a cookie one provider answer sets must not ride
    along on the next user's request (nor cost the parsing on every answer).
    """

    def extract_cookies(self, response: Any, request: Any) -> None:
        return None

    def set_cookie(self, cookie: Any) -> None:
        return None


class Upstream:
    """One HTTP client for the whole app (connection pooling across requests)."""

    def __init__(self, client: httpx.AsyncClient | None = None) -> None:
        self._client = client or httpx.AsyncClient(
            follow_redirects=False,
            limits=httpx.Limits(max_connections=100, max_keepalive_connections=20),
            trust_env=False,  # a proxy variable must not reroute provider traffic
            cookies=NoCookies(),
        )

    async def aclose(self) -> None:
        await self._client.aclose()

    async def send(self, provider: Provider, wire: WireFormat, body: dict[str, Any],
                   client_headers: Mapping[str, str]) -> httpx.Response:
        """Open the provider's answer as a stream; the caller must close it.

        Raises WireError 504 on a timeout and 502 when the provider cannot be reached
        or answers with a redirect.
        """
        request = self._client.build_request(
            "POST",
            provider.base_url.rstrip("/") + wire.upstream_path,
            content=json.dumps(body).encode("ascii"),
            headers=provider_headers(provider, client_headers),
            timeout=httpx.Timeout(provider.timeout_s, connect=min(CONNECT_TIMEOUT_S, provider.timeout_s)),
        )
        response = await self._send_with_retries(provider, request)
        if response.is_redirect:
            await response.aclose()
            raise WireError(502, UPSTREAM_ERROR,
                            f"provider {provider.name} answered with a redirect, which is not followed")
        return response

    async def _send_with_retries(self, provider: Provider, request: httpx.Request) -> httpx.Response:
        """Send, and send again after a timeout, a transport error or a 5xx only as often as
        the provider's ``retries`` allows: the provider may have read the prompt already."""
        attempt = 0
        while True:
            attempt += 1
            final = attempt > provider.retries
            try:
                response = await self._send_once(provider, request)
            except WireError as error:
                if final:
                    raise
                reason = error.code
            else:
                if final or response.status_code < 500:
                    return response
                await response.aclose()
                reason = f"status {response.status_code}"
            log.warning("provider %s: attempt %d failed (%s); retrying, as its rules allow %d retries",
                        provider.name, attempt, reason, provider.retries)
            await anyio.sleep(RETRY_BACKOFF_S * attempt)

    async def _send_once(self, provider: Provider, request: httpx.Request) -> httpx.Response:
        try:
            return await self._client.send(request, stream=True)
        except httpx.TimeoutException as exc:
            log.warning("provider %s: no answer within %g s", provider.name, provider.timeout_s)
            raise WireError(504, UPSTREAM_TIMEOUT,
                            f"provider {provider.name} did not answer in time") from exc
        except httpx.HTTPError as exc:
            log.warning("provider %s: unreachable (%s)", provider.name, type(exc).__name__)
            raise WireError(502, UPSTREAM_ERROR,
                            f"provider {provider.name} could not be reached ({type(exc).__name__})") from exc
