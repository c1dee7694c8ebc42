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
from typing import Any

import anyio
import httpx

from gateway.config import Provider
from gateway.openapi import package_version
from gateway.wire.base import WireFormat
from gateway.wire.errors import UPSTREAM_ERROR, UPSTREAM_TIMEOUT, WireError, invalid

ANTHROPIC_VERSION = "2023-06-01"
# Client headers that select API behaviour, not identity or destination.
PASSED_HEADERS = {"anthropic": ("anthropic-version", "anthropic-beta"), "openai": ()}
CONNECT_TIMEOUT_S = 10.0
USER_AGENT = f"ai-privacy-gateway/{package_version()}"
# Pause before retry n is n times this (only for providers whose rules set ``retries``).
RETRY_BACKOFF_S = 0.25

log = logging.getLogger(__name__)


def provider_headers(provider: Provider, client_headers: Mapping[str, str]) -> dict[str, str]:
    """The headers sent upstream: content type, the provider key, allow-listed API headers."""
    headers = {"content-type": "application/json", "accept": "application/json, text/event-stream",
               "accept-encoding": "identity", "user-agent": USER_AGENT}
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


class Upstream:
    """The connection pool to the providers, shared by every request.

    Requests go straight to httpx's transport rather than through ``httpx.AsyncClient``:
    the client's layers (URL merging, auth and redirect flows, cookies, event hooks) do
    nothing here, since no redirect is followed and nothing is kept between users'
    requests, yet they cost about 0.3 ms of CPU per request, more than the rest of the
    forwarding.  The transport still gives httpx's ``Response`` (content decoding,
    streaming) and maps httpcore's errors to httpx's.  It reads no proxy variables (a
    proxy variable must not reroute provider traffic) and no certificate variables.
    """

    def __init__(self, transport: httpx.AsyncBaseTransport | None = None) -> None:
        self._transport = transport or httpx.AsyncHTTPTransport(
            limits=httpx.Limits(max_connections=100, max_keepalive_connections=20),
            trust_env=False)  # certificates from certifi, not from SSL_CERT_FILE, as before
        self._urls: dict[str, httpx.URL] = {}

    async def aclose(self) -> None:
        await self._transport.aclose()

    async def send(self, provider: Provider, wire: WireFormat, body: dict[str, Any],
                   client_headers: Mapping[str, str]) -> httpx.Response:
        """Open the provider's answer as a stream; the caller must close it.

        Raises WireError 504 on a timeout and 502 when the provider cannot be reached
        or answers with a redirect.
        """
        request = httpx.Request(
            "POST",
            self._url(provider.base_url.rstrip("/") + wire.upstream_path),
            content=json.dumps(body).encode("ascii"),
            headers=provider_headers(provider, client_headers),
            extensions={"timeout": httpx.Timeout(
                provider.timeout_s, connect=min(CONNECT_TIMEOUT_S, provider.timeout_s)).as_dict()},
        )
        response = await self._send_with_retries(provider, request)
        if response.is_redirect:
            await response.aclose()
            raise WireError(502, UPSTREAM_ERROR,
                            f"provider {provider.name} answered with a redirect, which is not followed")
        return response

    def _url(self, url: str) -> httpx.URL:
        """The parsed URL (parsing costs more than a dict lookup; the providers' URLs are few)."""
        parsed = self._urls.get(url)
        if parsed is None:
            parsed = self._urls[url] = httpx.URL(url)
        return parsed

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
            response = await self._transport.handle_async_request(request)
            response.request = request
            return response
        except httpx.TimeoutException as exc:
            log.warning("provider %s: no answer within %g s", provider.name, provider.timeout_s)
            raise WireError(504, UPSTREAM_TIMEOUT,
                            f"provider {provider.name} did not answer in time") from exc
        except httpx.HTTPError as exc:
            log.warning("provider %s: unreachable (%s)", provider.name, type(exc).__name__)
            raise WireError(502, UPSTREAM_ERROR,
                            f"provider {provider.name} could not be reached ({type(exc).__name__})") from exc

