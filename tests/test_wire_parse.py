"""Unit tests of the wire formats: every text becomes a segment, and goes back in place."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gateway.streaming import SSEDecoder, SSEEvent
from gateway.wire import WIRE_FORMATS, WireError

CHAT = WIRE_FORMATS["/v1/chat/completions"]
MESSAGES = WIRE_FORMATS["/v1/messages"]
RESPONSES = WIRE_FORMATS["/v1/responses"]


def test_chat_segments_cover_tool_calls_results_and_tools() -> None:
    parsed = CHAT.parse(
        {
            "model": "m",
            "messages": [
                {"role": "developer", "content": [{"type": "text", "text": "dev"}]},
                {
                    "role": "assistant",
                    "content": None,
                    "tool_calls": [
                        {"id": "c1", "type": "function", "function": {"name": "f", "arguments": '{"a": "x"}'}}
                    ],
                },
                {"role": "tool", "tool_call_id": "c1", "content": "result"},
            ],
            "tools": [{"type": "function", "function": {"name": "f", "description": "find a person"}}],
        }
    )
    texts = parsed.texts()
    assert {"dev", '{"a": "x"}', "result", "find a person"} <= set(texts)
    new = parsed.with_texts([t.upper() for t in texts])
    assert new["messages"][2]["content"] == "RESULT"
    assert new["messages"][1]["tool_calls"][0]["function"]["arguments"] == '{"A": "X"}'
    assert new["messages"][1]["tool_calls"][0]["id"] == "c1"  # ids are not texts
    assert parsed.body["messages"][2]["content"] == "result"  # the original is untouched


def test_anthropic_system_and_tool_blocks_are_segments() -> None:
    parsed = MESSAGES.parse(
        {
            "model": "m",
            "max_tokens": 5,
            "system": [{"type": "text", "text": "sys"}],
            "messages": [
                {
                    "role": "assistant",
                    "content": [{"type": "tool_use", "id": "t1", "name": "f", "input": {"q": "in"}}],
                },
                {
                    "role": "user",
                    "content": [
                        {
                            "type": "tool_result",
                            "tool_use_id": "t1",
                            "content": [{"type": "text", "text": "out"}],
                        }
                    ],
                },
            ],
        }
    )
    by_text = {s.text: s for s in parsed.segments}
    assert by_text["sys"].message_index == 0 and by_text["sys"].role == "system"
    assert by_text["in"].message_index == 1 and by_text["out"].role == "tool"


def test_responses_items_are_segments() -> None:
    parsed = RESPONSES.parse(
        {
            "model": "m",
            "instructions": "ins",
            "input": [
                {"role": "user", "content": [{"type": "input_text", "text": "hi"}]},
                {"type": "function_call", "call_id": "c", "name": "f", "arguments": "{}"},
                {"type": "function_call_output", "call_id": "c", "output": "done"},
            ],
        }
    )
    assert {"ins", "hi", "{}", "done"} <= set(parsed.texts())


@pytest.mark.parametrize(
    "body",
    [
        {"model": "m", "messages": [{"role": "user", "content": "x", "secret": "y"}]},
        {"model": "m", "messages": [{"role": "wizard", "content": "x"}]},
        {"model": "m", "messages": [{"role": "tool", "tool_call_id": "has spaces and text", "content": "x"}]},
    ],
)
def test_chat_refuses_what_it_cannot_inspect(body: dict) -> None:
    with pytest.raises(WireError) as err:
        CHAT.parse(body)
    assert err.value.status == 400


def test_sse_decoder_handles_split_lines_crlf_and_multibyte() -> None:
    data = 'event: a\r\ndata: {"t": "é"}\r\n\r\n: comment\n\ndata: [DONE]\n\n'.encode()
    decoder = SSEDecoder()
    events = [e for i in range(len(data)) for e in decoder.feed(data[i : i + 1])] + decoder.close()
    assert events == [SSEEvent(data='{"t": "é"}', event="a"), SSEEvent(data="[DONE]")]
    assert SSEDecoder().feed(events[0].encode()) == [events[0]]


# What an event's data line can hold: any text but line breaks (and lone surrogates, which
# are not text a provider can send).
SSE_DATA_CHARS = st.characters(blacklist_categories=("Cs",), blacklist_characters="\r\n")


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["", "a", "msg"]), st.text(alphabet=SSE_DATA_CHARS, max_size=20)),
                min_size=1, max_size=6),
       st.sampled_from(["\n", "\r\n", "\r"]), st.lists(st.integers(1, 40), max_size=10))
def test_sse_decoder_is_chunking_invariant(payloads: list[tuple[str, str]], newline: str,
                                           cuts: list[int]) -> None:
    """However the bytes are cut (one chunk, many, inside \\r\\n or a character), the same events."""
    events = [SSEEvent(data=data, event=name or None) for name, data in payloads]
    raw = "".join(e.encode().decode().replace("\n", newline) for e in events).encode()
    decoder, decoded, start = SSEDecoder(), [], 0
    for cut in [*cuts, len(raw)]:
        decoded += decoder.feed(raw[start:start + cut])
        start += cut
    decoded += decoder.feed(raw[start:]) + decoder.close()
    assert decoded == events


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["", "a", "usage"]),
                          st.text(alphabet=SSE_DATA_CHARS, max_size=12).map(lambda t: t.replace("usage", "")),
                          st.booleans()),
                min_size=1, max_size=6),
       st.sampled_from(["\n", "\r\n", "\r"]), st.lists(st.integers(1, 40), max_size=10))
def test_sse_skim_finds_the_same_events_with_the_needle(payloads: list[tuple[str, str, bool]], newline: str,
                                                       cuts: list[int]) -> None:
    """skim parses only the events that mention the needle; those it returns are the ones
    feed returns that mention it, however the bytes are cut."""
    events = [SSEEvent(data=data + ('{"usage": 1}' if with_needle else ""), event=name or None)
              for name, data, with_needle in payloads]
    raw = "".join(e.encode().decode().replace("\n", newline) for e in events).encode()
    decoder, skimmed, start = SSEDecoder(), [], 0
    for cut in [*cuts, len(raw)]:
        skimmed += decoder.skim(raw[start:start + cut], "usage")
        start += cut
    skimmed += decoder.skim(raw[start:], "usage") + decoder.close()
    assert [e for e in skimmed if "usage" in e.data] == [e for e in events if "usage" in e.data]
    assert all(e in events for e in skimmed)


def test_sse_skim_refuses_invalid_utf8_like_feed() -> None:
    decoder = SSEDecoder()
    assert decoder.skim(b'data: {"a": 1}\n\n', "usage") == []
    with pytest.raises(UnicodeDecodeError):
        decoder.skim(b"data: \xff\n\n", "usage")
