"""The whole protection engine behind the running gateway, driven with the real SDKs.

The fake provider echoes what it received, cut into 1-character stream events, so every
surrogate is split across events: what the provider saw must hold no personal value, and
what the client gets back must be exactly its own text again.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import anthropic
import httpx
import openai
import pytest
from conftest import KEY, Gateway, wait_until
from fakeprovider import FakeProvider

from gateway.config import load_rules
from gateway.engine import Engine, build_engine

PROMPTS = {
    "nl": ("Bel mevrouw Hilde Vanderstraeten terug op 0472 18 55 09 en mail de offerte naar "
           "hilde.vds@proximus.be.", ["Hilde Vanderstraeten", "0472 18 55 09", "hilde.vds@proximus.be"]),
    "fr": ("Merci d'envoyer le contrat à Monsieur Olivier Dumortier, rue des Tanneurs 14, 1000 "
           "Bruxelles, compte BE71 0961 2345 6769.",
           ["Olivier Dumortier", "rue des Tanneurs 14", "BE71 0961 2345 6769"]),
    "en": ("Please draft a welcome email for Priya Raman, born on 4 March 1991, who starts on the "
           "support desk next week.", ["Priya Raman", "4 March 1991"]),
    "de": ("Bitte schreiben Sie Herrn Jürgen Kessler eine Antwort, seine Nummer ist +32 87 55 12 34.",
           ["Jürgen Kessler", "+32 87 55 12 34"]),
}

BLOCKED = {
    "nl": ("Mijn collega Tom Peeters is al drie weken thuis met een depressie. Hoe plan ik zijn werk?",
           "gezondheid"),
    "fr": ("Ma collègue Julie Lambert est enceinte de quatre mois, comment adapter son horaire ?",
           "santé"),
    "en": ("Our employee Mark Evans is an ABVV union delegate, draft a note about his role.", "union"),
}


@pytest.fixture(scope="module")
def full_engine() -> Engine:
    return build_engine(load_rules())


@pytest.fixture
def protected(gateway: Gateway, full_engine: Engine) -> Iterator[FakeProvider]:
    gateway.engine.inspector = full_engine.inspector
    gateway.engine.policy = full_engine.policy
    gateway.engine.transformer = full_engine.transformer
    yield gateway.provider


def forwarded_text(provider: FakeProvider) -> str:
    return "\n".join(json.dumps(call.body, ensure_ascii=False) for call in provider.posts)


def assert_nothing_leaked(provider: FakeProvider, values: list[str]) -> None:
    sent = forwarded_text(provider)
    assert provider.posts, "nothing was forwarded"
    for value in values:
        assert value not in sent


@pytest.mark.parametrize("language", sorted(PROMPTS))
@pytest.mark.parametrize("stream", [False, True])
def test_chat_in_every_language_is_pseudonymised_and_restored(
    oai: openai.OpenAI, protected: FakeProvider, language: str, stream: bool
) -> None:
    prompt, values = PROMPTS[language]
    answer = oai.chat.completions.create(model="echo-1", messages=[{"role": "user", "content": prompt}],
                                         stream=stream)
    text = "".join(c.choices[0].delta.content or "" for c in answer if c.choices) if stream \
        else answer.choices[0].message.content
    assert text == "ECHO:\n" + prompt
    assert_nothing_leaked(protected, values)


@pytest.mark.parametrize("stream", [False, True])
def test_anthropic_system_and_messages_are_protected(
    claude: anthropic.Anthropic, protected: FakeProvider, stream: bool
) -> None:
    system = "You answer for the broker Kantoor Wouters."
    prompt, values = PROMPTS["nl"]
    kwargs: dict[str, Any] = {"model": "echo-claude", "max_tokens": 100, "system": system,
                              "messages": [{"role": "user", "content": prompt}]}
    if stream:
        with claude.messages.stream(**kwargs) as events:
            text = "".join(events.text_stream)
    else:
        text = claude.messages.create(**kwargs).content[0].text
    assert text == f"ECHO:\n{system}\n{prompt}"
    assert_nothing_leaked(protected, values)


def test_responses_api_stream_is_protected(oai: openai.OpenAI, protected: FakeProvider) -> None:
    prompt, values = PROMPTS["fr"]
    events = list(oai.responses.create(model="echo-1", input=prompt, stream=True))
    assert "".join(e.delta for e in events if e.type == "response.output_text.delta") == "ECHO:\n" + prompt
    assert events[-1].response.output_text == "ECHO:\n" + prompt
    assert_nothing_leaked(protected, values)


def test_a_value_gets_the_same_surrogate_in_every_turn(oai: openai.OpenAI, protected: FakeProvider) -> None:
    """Turn 2 carries turn 1's restored answer: the provider must see one consistent person."""
    first = [{"role": "user", "content": "Stel een mail op voor Annelies Verbruggen over haar verlof."}]
    answer = oai.chat.completions.create(model="echo-1", messages=first).choices[0].message.content
    turn_one = protected.posts[-1].body["messages"][0]["content"]
    second = [*first, {"role": "assistant", "content": answer},
              {"role": "user", "content": "Maak het korter, Annelies leest dat op haar gsm."}]
    oai.chat.completions.create(model="echo-1", messages=second)
    sent = protected.posts[-1].body["messages"]
    assert "Annelies" not in forwarded_text(protected)
    assert sent[0]["content"] == turn_one  # same surrogate for the same value, request after request
    surrogate_first_name = turn_one.split("voor ")[1].split()[0]
    assert surrogate_first_name in sent[2]["content"]  # the first name alone maps to the same person


def test_tool_call_arguments_are_restored(oai: openai.OpenAI, protected: FakeProvider) -> None:
    protected.script.mode = "tool"
    prompt, values = PROMPTS["nl"]
    tools = [{"type": "function", "function": {"name": "call_back", "description": "plan a call",
                                               "parameters": {"type": "object", "properties": {}}}}]
    answer = oai.chat.completions.create(model="echo-1", messages=[{"role": "user", "content": prompt}],
                                         tools=tools)
    arguments = json.loads(answer.choices[0].message.tool_calls[0].function.arguments)
    assert prompt in json.dumps(arguments, ensure_ascii=False)
    assert_nothing_leaked(protected, values)


@pytest.mark.parametrize("language", sorted(BLOCKED))
def test_art9_about_a_named_person_is_blocked_in_its_language(
    oai: openai.OpenAI, protected: FakeProvider, language: str
) -> None:
    prompt, word = BLOCKED[language]
    with pytest.raises(openai.PermissionDeniedError) as err:
        oai.chat.completions.create(model="echo-1", messages=[{"role": "user", "content": prompt}])
    assert err.value.code is not None and err.value.code.startswith("art9_")
    message = err.value.body["message"]  # type: ignore[index]
    assert word in message and "ai-policy@example.com" in message
    assert "Peeters" not in message and "Lambert" not in message and "Evans" not in message
    assert protected.posts == []


def test_the_same_topic_without_a_person_passes_unchanged(
    oai: openai.OpenAI, protected: FakeProvider
) -> None:
    prompt = "Leg in eenvoudige woorden uit wat een burn-out is en hoe een werkgever re-integratie aanpakt."
    answer = oai.chat.completions.create(model="echo-1", messages=[{"role": "user", "content": prompt}])
    assert answer.choices[0].message.content == "ECHO:\n" + prompt
    assert protected.posts[-1].body["messages"][0]["content"] == prompt


# A prompt with nothing to replace (the provider's bytes are relayed as they came) and one
# with personal values (the stream is decoded, restored and re-encoded): two relays.
AS_IS_AND_RESTORED = [[{"role": "user", "content": "Say hello."}],
                      [{"role": "user", "content": PROMPTS["nl"][0]}]]


@pytest.mark.parametrize("messages", AS_IS_AND_RESTORED, ids=["as-is", "restored"])
def test_stream_with_invalid_utf8_stops_before_it(gateway: Gateway, protected: FakeProvider,
                                                   messages: list[dict[str, str]]) -> None:
    """The client gets the events before the bad bytes, then an error event: never the bytes."""
    protected.script.failure = "bad_utf8"
    body = {"model": "echo-1", "messages": messages, "stream": True}
    answer = httpx.post(gateway.url + "/v1/chat/completions", json=body,
                        headers={"authorization": f"Bearer {KEY}"}, timeout=10)
    assert answer.status_code == 200
    assert b"\xff" not in answer.content
    assert b"upstream_error" in answer.content.rsplit(b"data: ", 1)[1]
    wait_until(lambda: bool(gateway.store.records))
    record = gateway.store.records[-1]
    assert (record.decision, record.reason_code) == ("error", "upstream_error")
    assert bool(record.counts) == (messages is AS_IS_AND_RESTORED[1])  # which relay ran


@pytest.mark.parametrize("messages", AS_IS_AND_RESTORED, ids=["as-is", "restored"])
def test_stream_compressed_against_the_gateways_wish_is_decompressed(
        oai: openai.OpenAI, gateway: Gateway, protected: FakeProvider,
        messages: list[dict[str, str]]) -> None:
    """A provider that gzips its stream although asked for identity: the client still gets
    plain, restored events (the gateway does not pass the encoding on), and the usage is read."""
    protected.script.failure = "gzip"
    chunks = list(oai.chat.completions.create(model="echo-1", messages=messages, stream=True,  # type: ignore[arg-type]
                                              stream_options={"include_usage": True}))
    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert text == "ECHO:\n" + messages[0]["content"]
    wait_until(lambda: bool(gateway.store.records))
    record = gateway.store.records[-1]
    assert (record.decision, record.prompt_tokens, record.completion_tokens) == ("forwarded", 7, 3)
    assert bool(record.counts) == (messages is AS_IS_AND_RESTORED[1])
