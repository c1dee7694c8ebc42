"""Refusals: allowlist, keys, coverage, malformed input, upstream failures. Nothing is forwarded."""

from __future__ import annotations

import threading

import anthropic
import anyio
import httpx
import openai
import pytest
from conftest import KEY, REVOKED_KEY, SUSPENDED_KEY, Gateway, wait_until
from fakeprovider import FakeProvider

from gateway import pipeline as pipeline_module
from gateway.config import Provider
from gateway.core import UseRecord
from gateway.upstream import Upstream
from gateway.wire.openai_chat import OpenAIChat

HELLO = [{"role": "user", "content": "hello"}]


def test_model_not_allowed(oai: openai.OpenAI, claude: anthropic.Anthropic, gateway: Gateway) -> None:
    with pytest.raises(openai.PermissionDeniedError) as err:
        oai.chat.completions.create(model="gpt-unlisted", messages=HELLO)
    assert err.value.code == "model_not_allowed"
    with pytest.raises(anthropic.PermissionDeniedError) as aerr:
        claude.messages.create(model="claude-unlisted", max_tokens=5, messages=HELLO)
    assert aerr.value.body["error"]["code"] == "model_not_allowed"
    assert not gateway.provider.posts
    assert [r.decision for r in gateway.store.records] == ["refused", "refused"]
    assert gateway.store.records[0].reason_code == "model_not_allowed"


def test_model_on_the_wrong_wire_format(oai: openai.OpenAI, provider: FakeProvider) -> None:
    with pytest.raises(openai.PermissionDeniedError) as err:
        oai.chat.completions.create(model="echo-claude", messages=HELLO)
    assert err.value.code == "provider_not_allowed"
    assert not provider.posts


@pytest.mark.parametrize("key", ["gw-unknown", REVOKED_KEY])
def test_bad_or_revoked_key(gateway: Gateway, key: str) -> None:
    client = openai.OpenAI(base_url=gateway.url + "/v1", api_key=key, max_retries=0)
    with pytest.raises(openai.AuthenticationError) as err:
        client.chat.completions.create(model="echo-1", messages=HELLO)
    assert err.value.code == "invalid_api_key"
    with pytest.raises(anthropic.AuthenticationError):
        anthropic.Anthropic(base_url=gateway.url, api_key=key, max_retries=0).messages.create(
            model="echo-claude", max_tokens=5, messages=HELLO
        )
    with pytest.raises(openai.AuthenticationError):
        client.models.list()
    assert not gateway.provider.posts


def test_suspended_user(gateway: Gateway) -> None:
    client = openai.OpenAI(base_url=gateway.url + "/v1", api_key=SUSPENDED_KEY, max_retries=0)
    with pytest.raises(openai.PermissionDeniedError) as err:
        client.chat.completions.create(model="echo-1", messages=HELLO)
    assert err.value.code == "user_suspended"
    assert gateway.store.records[-1].user == "bob"
    assert not gateway.provider.posts


def test_unknown_path_and_method(gateway: Gateway) -> None:
    headers = {"authorization": f"Bearer {KEY}"}
    answer = httpx.post(gateway.url + "/v1/assistants", headers=headers, json={})
    assert answer.status_code == 404 and answer.json()["error"]["code"] == "unknown_endpoint"
    assert httpx.get(gateway.url + "/v1/chat/completions", headers=headers).status_code == 404
    anthropic_style = httpx.post(
        gateway.url + "/v1/complete", json={}, headers={"x-api-key": KEY, "anthropic-version": "2023-06-01"}
    )
    assert anthropic_style.json()["type"] == "error"
    assert not gateway.provider.requests


def test_unknown_field_is_refused(
    oai: openai.OpenAI, claude: anthropic.Anthropic, provider: FakeProvider
) -> None:
    with pytest.raises(openai.BadRequestError) as err:
        oai.chat.completions.create(model="echo-1", messages=HELLO, extra_body={"notes": "Alice's file"})
    assert err.value.code == "unknown_field" and "notes" in err.value.message
    with pytest.raises(anthropic.BadRequestError) as aerr:
        claude.messages.create(model="echo-claude", max_tokens=5, messages=HELLO, extra_body={"x": 1})
    assert aerr.value.body["error"]["code"] == "unknown_field"
    assert not provider.posts


def test_unknown_content_part_and_media(oai: openai.OpenAI, provider: FakeProvider) -> None:
    odd = [{"role": "user", "content": [{"type": "hologram", "text": "x"}]}]
    with pytest.raises(openai.BadRequestError) as err:
        oai.chat.completions.create(model="echo-1", messages=odd)
    assert err.value.code == "unsupported_content"
    image = [
        {
            "role": "user",
            "content": [
                {"type": "text", "text": "what is this"},
                {"type": "image_url", "image_url": {"url": "https://x/y.png"}},
            ],
        }
    ]
    with pytest.raises(openai.BadRequestError) as err:
        oai.chat.completions.create(model="echo-1", messages=image)
    assert err.value.code == "unsupported_content"
    assert not provider.posts
    oai.chat.completions.create(model="local-vision", messages=image)  # allow_media: true
    assert provider.posts[-1].body["messages"] == image


def test_unknown_responses_item_is_refused(oai: openai.OpenAI, provider: FakeProvider) -> None:
    with pytest.raises(openai.BadRequestError) as err:
        oai.responses.create(
            model="echo-1",
            input=[
                {"type": "computer_call_output", "call_id": "c", "output": {"type": "computer_screenshot"}}
            ],
        )
    assert err.value.code == "unsupported_content"
    assert not provider.posts


@pytest.mark.parametrize(
    "content",
    [
        b"{not json",
        b"\xff\xfe{}",
        b"[1, 2]",
        b'{"model": 5, "messages": []}',
        b'{"model": "echo-1", "messages": "hi"}',
        b'{"model": "echo-1", "messages": [{"role": "user", "content": 3}]}',
    ],
)
def test_malformed_bodies_are_400(gateway: Gateway, content: bytes) -> None:
    answer = httpx.post(
        gateway.url + "/v1/chat/completions",
        content=content,
        headers={"authorization": f"Bearer {KEY}", "content-type": "application/json"},
    )
    assert answer.status_code == 400
    assert answer.json()["error"]["type"] == "invalid_request_error"
    assert not gateway.provider.posts


def test_redirect_is_not_followed(oai: openai.OpenAI, provider: FakeProvider) -> None:
    provider.script.failure = "redirect"
    with pytest.raises(openai.APIStatusError) as err:
        oai.chat.completions.create(model="echo-1", messages=HELLO)
    assert err.value.status_code == 502 and err.value.code == "upstream_error"
    assert [r.path for r in provider.requests] == ["/v1/chat/completions"]


def test_proxy_variables_do_not_reroute_provider_traffic(monkeypatch: pytest.MonkeyPatch,
                                                        provider: FakeProvider) -> None:
    """A proxy variable in the gateway's environment (set by an image, a shell, an attacker
    with access to the host's profile) must not send prompts anywhere but to the provider."""
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy"):
        monkeypatch.setenv(name, "http://127.0.0.1:9")  # nothing listens there: a proxied request fails
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    echo = Provider(name="echo", api="openai", base_url=f"http://127.0.0.1:{provider.port}/v1",
                    api_key_env="FAKE_PROVIDER_KEY", models=["echo-1"])

    async def forward() -> int:
        upstream = Upstream()
        try:
            answer = await upstream.send(echo, OpenAIChat(), {"model": "echo-1", "messages": HELLO}, {})
            await answer.read()
            await answer.close()
            return answer.status_code
        finally:
            await upstream.aclose()

    assert anyio.run(forward) == 200
    assert [r.path for r in provider.requests] == ["/v1/chat/completions"]


def test_upstream_500_and_timeout(oai: openai.OpenAI, gateway: Gateway) -> None:
    gateway.provider.script.failure = "500"
    with pytest.raises(openai.APIStatusError) as err:
        oai.chat.completions.create(model="echo-1", messages=HELLO)
    assert err.value.status_code == 502
    gateway.provider.script.failure = "slow"
    with pytest.raises(openai.APIStatusError) as err:
        oai.chat.completions.create(model="hasty-1", messages=HELLO)
    assert err.value.status_code == 504 and err.value.code == "upstream_timeout"
    assert [r.decision for r in gateway.store.records] == ["error", "error"]


def test_stream_cut_by_the_provider_ends_with_an_error_event(
    oai: openai.OpenAI, claude: anthropic.Anthropic, provider: FakeProvider
) -> None:
    provider.script.failure = "drop"
    with pytest.raises(openai.APIError):
        list(oai.chat.completions.create(model="echo-1", messages=HELLO, stream=True))
    with pytest.raises(anthropic.APIError):
        list(claude.messages.create(model="echo-claude", max_tokens=5, messages=HELLO, stream=True))


def test_use_log_failure_fails_closed(oai: openai.OpenAI, gateway: Gateway) -> None:
    """A refusal that cannot be logged is a 503. An answer is logged after it was sent (the
    prompt already left, so withholding it would only lose it): its client gets it, and the
    failure is reported (tests/test_scale_health.py: then nothing leaves until the store works)."""
    gateway.store.fail_records = True
    with pytest.raises(openai.APIStatusError) as err:
        oai.chat.completions.create(model="gpt-unlisted", messages=HELLO)
    assert err.value.status_code == 503
    answer = oai.chat.completions.create(model="echo-1", messages=HELLO)
    assert answer.choices[0].message.content == "ECHO:\nhello"
    assert gateway.store.records == []


def test_a_use_log_far_behind_refuses_new_requests(oai: openai.OpenAI, gateway: Gateway,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    """Records of answers already sent wait for the log writer; a store that is slow rather
    than down must not let them pile up: past the backlog limit, new prompts get 503 and
    nothing is forwarded, until the writer has caught up."""
    monkeypatch.setattr(pipeline_module, "MAX_LOG_BACKLOG", 1)
    writing, release = threading.Event(), threading.Event()
    write = gateway.store.record_uses

    def slow_first(records: list[UseRecord]) -> None:
        if not writing.is_set():
            writing.set()
            assert release.wait(10)
        write(records)

    monkeypatch.setattr(gateway.store, "record_uses", slow_first)
    oai.chat.completions.create(model="echo-1", messages=HELLO)
    assert writing.wait(10)  # its record is being written, slowly
    with pytest.raises(openai.APIStatusError) as err:
        oai.chat.completions.create(model="echo-1", messages=HELLO)
    assert err.value.status_code == 503 and "use log is behind" in err.value.message
    assert len(gateway.provider.posts) == 1
    release.set()
    wait_until(gateway.store.idle)
    assert oai.chat.completions.create(model="echo-1", messages=HELLO).choices[0].message.content
    # The refusal was logged at once, while the first answer's record was still on its way.
    assert sorted(r.decision for r in gateway.store.records) == ["error", "forwarded", "forwarded"]
