"""The protection stages plug into the pipeline: a stub that replaces "Alice" by "Zed".

The provider must only ever see "Zed"; the client must get "Alice" back, also when
the answer is streamed one character at a time (so the surrogate is always split)
and inside tool-call arguments.
"""

from __future__ import annotations

import json
from typing import Any

import anthropic
import openai
import pytest
from conftest import Gateway
from fakeprovider import FakeProvider

from gateway.core import Decision, Finding, Inspection, Segment

REAL, SURROGATE = "Alice", "Zed"


class StubInspector:
    def inspect(self, texts: list[str]) -> Inspection:
        findings = [
            Finding(
                segment=i,
                start=t.index(REAL),
                end=t.index(REAL) + len(REAL),
                entity_type="PERSON",
                score=1.0,
                rule_id="stub",
                value=REAL,
            )
            for i, t in enumerate(texts)
            if REAL in t
        ]
        return Inspection(findings=findings, languages=["en"] * len(texts))


class StubPolicy:
    """Pseudonymises every finding; blocks texts that mention a diagnosis."""

    def decide(
        self, inspection: Inspection, segments: list[Segment], provider: str, user_group: str | None
    ) -> Decision:
        if any("diagnosis" in s.text for s in segments):
            return Decision(blocked=True, reason_code="art9_health", block_findings=inspection.findings)
        return Decision(blocked=False, pseudonymise=inspection.findings)

    def block_message(self, decision: Decision) -> str:
        return "Health data about a person cannot be sent."


class StubStream:
    def __init__(self) -> None:
        self.held = ""

    def feed(self, chunk: str) -> str:
        text = (self.held + chunk).replace(SURROGATE, REAL)
        keep = next((n for n in range(len(SURROGATE) - 1, 0, -1) if text.endswith(SURROGATE[:n])), 0)
        self.held = text[len(text) - keep :] if keep else ""
        return text[: len(text) - keep]

    def flush(self) -> str:
        held, self.held = self.held, ""
        return held


class StubRestorer:
    def restore(self, text: str) -> str:
        return text.replace(SURROGATE, REAL)

    def stream(self) -> StubStream:
        return StubStream()

    def json_stream(self) -> StubStream:
        return StubStream()


class StubTransformer:
    def transform(self, texts: list[str], findings: list[Finding]) -> tuple[list[str], StubRestorer]:
        return [t.replace(REAL, SURROGATE) for t in texts], StubRestorer()


@pytest.fixture
def stub(gateway: Gateway) -> FakeProvider:
    gateway.engine.inspector = StubInspector()
    gateway.engine.policy = StubPolicy()
    gateway.engine.transformer = StubTransformer()
    return gateway.provider


PROMPT = "Write to Alice about the meeting"
EXPECTED = "ECHO:\n" + PROMPT


def _forwarded_only_surrogates(provider: FakeProvider) -> None:
    assert provider.posts
    for call in provider.posts:
        assert REAL not in json.dumps(call.body) and SURROGATE in json.dumps(call.body)


@pytest.mark.parametrize("stream", [False, True])
def test_chat_pseudonymised_and_restored(oai: openai.OpenAI, stub: FakeProvider, stream: bool) -> None:
    raw = oai.chat.completions.with_raw_response.create(
        model="echo-1", messages=[{"role": "user", "content": PROMPT}], stream=stream
    )
    assert raw.headers["x-gateway-pseudonymised"] == "PERSON=1"
    answer = raw.parse()
    text = (
        "".join(c.choices[0].delta.content or "" for c in answer)
        if stream
        else answer.choices[0].message.content
    )
    assert text == EXPECTED
    _forwarded_only_surrogates(stub)


@pytest.mark.parametrize("stream", [False, True])
def test_responses_pseudonymised_and_restored(oai: openai.OpenAI, stub: FakeProvider, stream: bool) -> None:
    result = oai.responses.create(model="echo-1", input=PROMPT, stream=stream)
    if stream:
        events = list(result)
        assert "".join(e.delta for e in events if e.type == "response.output_text.delta") == EXPECTED
        done = next(e for e in events if e.type == "response.output_text.done")
        assert done.text == EXPECTED and events[-1].response.output_text == EXPECTED
    else:
        assert result.output_text == EXPECTED
    _forwarded_only_surrogates(stub)


@pytest.mark.parametrize("stream", [False, True])
def test_messages_pseudonymised_and_restored(
    claude: anthropic.Anthropic, stub: FakeProvider, stream: bool
) -> None:
    kwargs: dict[str, Any] = {
        "model": "echo-claude",
        "max_tokens": 50,
        "system": "Alice is the user",
        "messages": [{"role": "user", "content": [{"type": "text", "text": PROMPT}]}],
    }
    expected = "ECHO:\nAlice is the user\n" + PROMPT
    if stream:
        with claude.messages.stream(**kwargs) as events:
            assert "".join(events.text_stream) == expected
    else:
        assert claude.messages.create(**kwargs).content[0].text == expected
    _forwarded_only_surrogates(stub)


@pytest.mark.parametrize("stream", [False, True])
def test_tool_call_arguments_restored(
    oai: openai.OpenAI, claude: anthropic.Anthropic, stub: FakeProvider, stream: bool
) -> None:
    stub.script.mode = "tool"
    history = [
        {"role": "user", "content": PROMPT},
        {
            "role": "assistant",
            "content": None,
            "tool_calls": [
                {
                    "id": "call_0",
                    "type": "function",
                    "function": {"name": "f", "arguments": '{"to": "Alice"}'},
                }
            ],
        },
        {"role": "tool", "tool_call_id": "call_0", "content": "sent to Alice"},
    ]
    expected = {"echo": "ECHO:\n" + PROMPT + "\n\nsent to Alice"}
    if stream:
        chunks = list(oai.chat.completions.create(model="echo-1", messages=history, stream=True))
        arguments = "".join(
            c.choices[0].delta.tool_calls[0].function.arguments or ""
            for c in chunks
            if c.choices and c.choices[0].delta.tool_calls
        )
        with claude.messages.stream(
            model="echo-claude", max_tokens=50, messages=[{"role": "user", "content": PROMPT}]
        ) as events:
            tool_input = events.get_final_message().content[0].input
    else:
        message = oai.chat.completions.create(model="echo-1", messages=history).choices[0].message
        arguments = message.tool_calls[0].function.arguments
        tool_input = (
            claude.messages.create(
                model="echo-claude", max_tokens=50, messages=[{"role": "user", "content": PROMPT}]
            )
            .content[0]
            .input
        )
    assert json.loads(arguments) == expected
    assert tool_input == {"echo": EXPECTED}
    _forwarded_only_surrogates(stub)


def test_responses_function_call_stream_restored(oai: openai.OpenAI, stub: FakeProvider) -> None:
    stub.script.mode = "tool"
    events = list(oai.responses.create(model="echo-1", input=PROMPT, stream=True))
    arguments = "".join(e.delta for e in events if e.type == "response.function_call_arguments.delta")
    assert json.loads(arguments) == {"echo": EXPECTED}
    assert json.loads(events[-1].response.output[0].arguments) == {"echo": EXPECTED}


def test_policy_block_is_403_and_nothing_is_forwarded(
    oai: openai.OpenAI, claude: anthropic.Anthropic, gateway: Gateway, stub: FakeProvider
) -> None:
    text = [{"role": "user", "content": "Alice got her diagnosis today"}]
    with pytest.raises(openai.PermissionDeniedError) as err:
        oai.chat.completions.create(model="echo-1", messages=text, stream=True)
    assert err.value.code == "art9_health"
    assert err.value.message.endswith("Health data about a person cannot be sent.")
    with pytest.raises(anthropic.PermissionDeniedError) as aerr:
        claude.messages.create(model="echo-claude", max_tokens=5, messages=text)
    assert aerr.value.body["error"]["code"] == "art9_health"
    assert not stub.posts
    record = gateway.store.records[-1]
    assert (record.decision, record.reason_code, record.counts) == ("blocked", "art9_health", {"PERSON": 1})
    assert "Alice" not in repr(record)


def test_failing_inspector_fails_closed(oai: openai.OpenAI, gateway: Gateway) -> None:
    class Broken:
        def inspect(self, texts: list[str]) -> Inspection:
            raise RuntimeError("model not loaded")

    gateway.engine.inspector = Broken()
    with pytest.raises(openai.APIStatusError) as err:
        oai.chat.completions.create(model="echo-1", messages=[{"role": "user", "content": PROMPT}])
    assert err.value.status_code == 503 and err.value.code == "gateway_unavailable"
    assert not gateway.provider.posts
    assert gateway.store.records[-1].decision == "error"


def test_slow_detection_does_not_stall_other_streams(oai: openai.OpenAI, gateway: Gateway) -> None:
    """Detection is CPU-bound and runs in a worker thread: while one prompt takes a second
    to inspect, another user's stream keeps flowing event by event."""
    import threading
    import time

    class SlowForOnePrompt:
        def inspect(self, texts: list[str]) -> Inspection:
            if any("slow" in t for t in texts):
                until = time.perf_counter() + 1.0
                while time.perf_counter() < until:  # pure-Python work, holding the GIL in turns
                    pass
            return Inspection(findings=[], languages=["en"] * len(texts))

    gateway.engine.inspector = SlowForOnePrompt()
    gateway.provider.script.event_delay_s = 0.1  # "ECHO:\nflowing", 1 character per event
    slow_took: list[float] = []

    def slow_request() -> None:
        started = time.perf_counter()
        oai.chat.completions.create(model="echo-1", messages=[{"role": "user", "content": "slow"}])
        slow_took.append(time.perf_counter() - started)

    arrivals, other = [], threading.Thread(target=slow_request)
    stream = oai.chat.completions.create(model="echo-1", stream=True,
                                         messages=[{"role": "user", "content": "flowing"}])
    for _event in stream:
        arrivals.append(time.perf_counter())
        if len(arrivals) == 2:
            other.start()
    other.join()
    assert slow_took and slow_took[0] >= 1.0  # the slow inspection overlapped the stream
    gaps = [b - a for a, b in zip(arrivals[1:], arrivals[2:], strict=False)]
    assert len(gaps) >= 8 and max(gaps) < 0.5, gaps
