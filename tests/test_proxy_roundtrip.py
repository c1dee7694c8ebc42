"""Round trips through the running gateway with the real SDKs: every API, stream and not."""

from __future__ import annotations

import time

import anthropic
import httpx
import openai
from conftest import KEY, PROVIDER_KEY, Gateway
from fakeprovider import FakeProvider

from gateway.core import UseRecord

MESSAGES = [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Hello there"}]
ECHOED = "ECHO:\nBe brief.\nHello there"


def test_chat_non_stream(oai: openai.OpenAI, gateway: Gateway) -> None:
    raw = oai.chat.completions.with_raw_response.create(model="echo-1", messages=MESSAGES)
    assert raw.parse().choices[0].message.content == ECHOED
    assert raw.headers["x-gateway-decision"] == "forwarded"
    record = gateway.store.records[-1]
    assert (record.decision, record.provider, record.model, record.user) == (
        "forwarded",
        "echo",
        "echo-1",
        "alice",
    )
    assert (record.prompt_tokens, record.completion_tokens, record.upstream_status) == (7, 3, 200)
    assert record.request_id == raw.headers["x-gateway-request-id"]


def test_chat_stream_with_usage(oai: openai.OpenAI, gateway: Gateway) -> None:
    chunks = list(
        oai.chat.completions.create(
            model="echo-1", messages=MESSAGES, stream=True, stream_options={"include_usage": True}
        )
    )
    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert text == ECHOED
    assert any(c.choices and c.choices[0].finish_reason == "stop" for c in chunks)
    record = wait_for_record(gateway, stream=True)
    assert record.prompt_tokens == 7 and record.completion_tokens == 3


def test_responses_non_stream_and_stream(oai: openai.OpenAI, gateway: Gateway) -> None:
    kwargs = {
        "model": "echo-1",
        "instructions": "Be brief.",
        "input": [{"role": "user", "content": "Hello there"}],
    }
    assert oai.responses.create(**kwargs).output_text == ECHOED
    events = list(oai.responses.create(**kwargs, stream=True))
    assert "".join(e.delta for e in events if e.type == "response.output_text.delta") == ECHOED
    assert events[-1].type == "response.completed"
    assert events[-1].response.output_text == ECHOED
    assert [e.sequence_number for e in events] == list(range(len(events)))
    usage = events[-1].response.usage
    record = wait_for_record(gateway, stream=True)
    assert usage
    assert (record.prompt_tokens, record.completion_tokens) == (usage.input_tokens, usage.output_tokens)


def test_messages_non_stream_and_stream(claude: anthropic.Anthropic, gateway: Gateway) -> None:
    kwargs = {
        "model": "echo-claude",
        "max_tokens": 50,
        "system": "Be brief.",
        "messages": [{"role": "user", "content": "Hello there"}],
    }
    message = claude.messages.create(**kwargs)
    assert message.content[0].text == ECHOED
    with claude.messages.stream(**kwargs) as stream:
        assert "".join(stream.text_stream) == ECHOED
    record = gateway.store.records[-1]
    assert record.stream and (record.prompt_tokens, record.completion_tokens) == (6, 2)


def test_embeddings(oai: openai.OpenAI, provider: FakeProvider) -> None:
    result = oai.embeddings.create(model="echo-1", input=["one", "two"])
    assert len(result.data) == 2
    assert provider.posts[-1].path == "/v1/embeddings"
    assert provider.posts[-1].body["input"] == ["one", "two"]


def test_models_lists_only_allowed_names(oai: openai.OpenAI, claude: anthropic.Anthropic) -> None:
    names = [m.id for m in oai.models.list()]
    assert names == ["echo-1", "echo-claude", "hasty-1", "local-vision"]  # globs are not names
    assert [m.id for m in claude.models.list()] == names


def test_healthz(gateway: Gateway) -> None:
    health = httpx.get(gateway.url + "/healthz").json()
    assert health["status"] == "ok" and set(health["components"].values()) == {"ok"}
    assert [u.split(":")[0] for u in health["unprotected"]] == ["provider in-house"]  # allow_media


def test_keys_stay_where_they_belong(
    oai: openai.OpenAI, claude: anthropic.Anthropic, gateway: Gateway, provider: FakeProvider
) -> None:
    raw = oai.chat.completions.with_raw_response.create(model="echo-1", messages=MESSAGES)
    answer = raw.http_response.text + str(raw.headers)
    claude.messages.create(model="echo-claude", max_tokens=5, messages=[{"role": "user", "content": "hi"}])
    openai_call, anthropic_call = provider.posts
    assert openai_call.headers["authorization"] == f"Bearer {PROVIDER_KEY}"
    assert anthropic_call.headers["x-api-key"] == PROVIDER_KEY
    assert anthropic_call.headers["anthropic-version"]
    for call in provider.posts:
        assert KEY not in str(call.headers) + str(call.body)
    assert PROVIDER_KEY not in answer
    assert not any(PROVIDER_KEY in repr(r) or KEY in repr(r) for r in gateway.store.records)


def test_provider_cookies_are_neither_kept_nor_passed_on(
    oai: openai.OpenAI, claude: anthropic.Anthropic, provider: FakeProvider
) -> None:
    """The upstream client is shared by every user: a cookie set in one user's answer
    (the fake provider sets one on every answer) must not reach the provider again."""
    for _ in range(2):
        raw = oai.chat.completions.with_raw_response.create(model="echo-1", messages=MESSAGES)
        assert "set-cookie" not in raw.headers
        claude.messages.create(model="echo-claude", max_tokens=5,
                               messages=[{"role": "user", "content": "hi"}])
    assert len(provider.posts) == 4
    assert not any("cookie" in call.headers for call in provider.posts)


def test_dropped_identifier_fields_never_reach_the_provider(
    oai: openai.OpenAI, provider: FakeProvider
) -> None:
    oai.chat.completions.create(
        model="echo-1", messages=MESSAGES, user="alice@example.com", metadata={"employee": "Alice"}
    )
    body = provider.posts[-1].body
    assert "user" not in body and "metadata" not in body


def wait_for_record(gateway: Gateway, stream: bool, timeout_s: float = 5.0) -> UseRecord:
    """The newest use record of the given kind; a stream's record is written after its last event."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        found = [r for r in gateway.store.records if r.stream == stream]
        if found:
            return found[-1]
        time.sleep(0.02)
    raise AssertionError("no use record was written")
