"""Provider connections over HTTPS: certificates are checked against certifi's bundle, and
nothing in the gateway's environment can add a certificate authority to it.

A provider of the allow-list is reached over TLS in production; a certificate that does
not chain to the bundle (a man in the middle, a misconfigured endpoint) fails the request
before the prompt is sent.  The fake provider here serves HTTPS with a certificate of a
test CA (trustme).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import anyio
import certifi
import pytest
import trustme
from fakeprovider import FakeProvider, ServerThread, build_app

from gateway.config import Provider
from gateway.upstream import Answer, Upstream
from gateway.wire.errors import WireError
from gateway.wire.openai_chat import OpenAIChat

HELLO = [{"role": "user", "content": "hello over TLS"}]
TLSProvider = tuple[FakeProvider, str, Path]  # its state, its https:// URL, the test CA's certificate


@pytest.fixture(scope="module")
def test_ca(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TLSProvider]:
    """A fake provider serving HTTPS for 127.0.0.1, its URL, and the test CA's certificate."""
    ca = trustme.CA()
    cert = ca.issue_cert("127.0.0.1")
    folder = tmp_path_factory.mktemp("tls")
    cert.private_key_pem.write_to_path(str(folder / "key.pem"))
    cert.cert_chain_pems[0].write_to_path(str(folder / "cert.pem"))
    ca.cert_pem.write_to_path(str(folder / "ca.pem"))
    state = FakeProvider()
    with ServerThread(build_app(state), ssl_certfile=str(folder / "cert.pem"),
                      ssl_keyfile=str(folder / "key.pem")) as server:
        yield state, server.url, folder / "ca.pem"


@pytest.fixture
def tls(test_ca: TLSProvider, monkeypatch: pytest.MonkeyPatch) -> TLSProvider:
    monkeypatch.setenv("FAKE_PROVIDER_KEY", "sk-fake")
    test_ca[0].reset()
    return test_ca


def forward(url: str, body: dict[str, Any], read: Any) -> Any:
    """Send ``body`` to the provider at ``url`` through a fresh Upstream; ``read`` the answer."""
    provider = Provider(name="tls", api="openai", base_url=url + "/v1", api_key_env="FAKE_PROVIDER_KEY",
                        models=["echo-1"])

    async def run() -> Any:
        upstream = Upstream()
        try:
            answer = await upstream.send(provider, OpenAIChat(), body, {})
            try:
                return await read(answer)
            finally:
                await answer.close()
        finally:
            await upstream.aclose()

    return anyio.run(run)


def test_a_certificate_outside_certifis_bundle_is_refused_before_the_prompt_is_sent(
        tls: TLSProvider, monkeypatch: pytest.MonkeyPatch) -> None:
    """The test CA is named by SSL_CERT_FILE and SSL_CERT_DIR, as an image or a shell profile
    could: the gateway still does not trust it."""
    provider, url, ca = tls
    monkeypatch.setenv("SSL_CERT_FILE", str(ca))
    monkeypatch.setenv("SSL_CERT_DIR", str(ca.parent))
    with pytest.raises(WireError) as refused:
        forward(url, {"model": "echo-1", "messages": HELLO}, Answer.read)
    assert refused.value.status == 502 and refused.value.code == "upstream_error"
    assert "hello over TLS" not in refused.value.message
    assert provider.requests == []


def test_a_certificate_from_the_bundle_is_trusted_for_answers_and_streams(
        tls: TLSProvider, monkeypatch: pytest.MonkeyPatch) -> None:
    """With the test CA as the bundle, whole and streamed answers come back over TLS."""
    provider, url, ca = tls
    monkeypatch.setattr(certifi, "where", lambda: str(ca))

    async def whole(answer: Answer) -> tuple[int, bytes]:
        return answer.status_code, await answer.read()

    async def streamed(answer: Answer) -> bytes:
        return b"".join([chunk async for chunk in answer.chunks()])

    status, raw = forward(url, {"model": "echo-1", "messages": HELLO}, whole)
    assert status == 200 and b"hello over TLS" in raw
    events = forward(url, {"model": "echo-1", "messages": HELLO, "stream": True}, streamed)
    assert events.rstrip().endswith(b"data: [DONE]")
    assert [r.path for r in provider.requests] == ["/v1/chat/completions"] * 2
