"""How a streamed answer's events are relayed when the request had values replaced.

An event whose text has nothing to put back (most of an answer) leaves exactly as the
provider wrote it; only events that carried (part of) a surrogate are decoded, restored
and encoded again.  The end-to-end streams are in test_proxy_stages.py and
test_e2e_protection.py; these look at single events.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from gateway.pseudo import Vault
from gateway.streaming import SSEEvent
from gateway.wire.anthropic_messages import AnthropicMessages
from gateway.wire.base import WireFormat
from gateway.wire.openai_chat import OpenAIChat

VAULT = Vault({"Pieter Claes": "Jan Peeters"})


def chat_event(content: str, finish: str | None = None) -> SSEEvent:
    # The provider's own spacing (", " and ": "), which the gateway's encoder would not keep.
    return SSEEvent(json.dumps({"id": "c1", "object": "chat.completion.chunk", "choices": [
        {"index": 0, "delta": {"content": content}, "finish_reason": finish}]}))


def anthropic_event(text: str) -> SSEEvent:
    return SSEEvent(json.dumps({"type": "content_block_delta", "index": 0,
                                "delta": {"type": "text_delta", "text": text}}), "content_block_delta")


def text_of(wire: WireFormat, event: SSEEvent) -> str:
    data: dict[str, Any] = json.loads(event.data)
    if isinstance(wire, OpenAIChat):
        return str(data["choices"][0]["delta"].get("content") or "")
    return str(data["delta"]["text"])


WIRES = pytest.mark.parametrize(("wire", "make"), [(OpenAIChat(), chat_event),
                                                   (AnthropicMessages(), anthropic_event)],
                                ids=["chat", "anthropic"])


@WIRES
def test_events_with_nothing_to_put_back_leave_as_the_provider_wrote_them(wire: WireFormat,
                                                                          make: Any) -> None:
    relay = wire.stream_relay(VAULT)
    plain = make("The meeting is on ")
    assert relay.feed(plain) == [plain]
    assert relay.feed(plain)[0].encode() == plain.encode()


@WIRES
def test_events_that_carry_a_surrogate_are_restored(wire: WireFormat, make: Any) -> None:
    relay = wire.stream_relay(VAULT)
    held = relay.feed(make("Ask Pieter"))  # "Pieter" may be the start of the surrogate: held back
    assert [text_of(wire, e) for e in held] in (["Ask "], [])
    out = relay.feed(make(" Claes today."))
    assert "".join(text_of(wire, e) for e in [*held, *out]) == "Ask Jan Peeters today."
    assert all('"content": ' not in e.data and '"text": ' not in e.data for e in out)  # encoded anew


def test_the_finishing_chat_event_carries_what_was_held_back() -> None:
    relay = OpenAIChat().stream_relay(VAULT)
    first = relay.feed(chat_event("Call Pieter"))
    last = relay.feed(chat_event("", "stop"))
    assert "".join(text_of(OpenAIChat(), e) for e in [*first, *last]) == "Call Pieter"
    assert json.loads(last[0].data)["choices"][0]["finish_reason"] == "stop"
