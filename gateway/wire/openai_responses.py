"""OpenAI Responses API (``POST /v1/responses``), stream and non-stream.

Texts extracted: ``instructions``, ``input`` (a string, or items: messages with text
parts, function and custom tool calls and their outputs, reasoning summaries), and
every string of the other known parameters (tools, text format schemas, prompt
variables...).  ``user``, ``metadata``, ``safety_identifier`` and
``prompt_cache_key`` are dropped.  Item types that carry content the gateway cannot
inspect (computer use, shell, MCP, file search results...) are refused.

Note: ``previous_response_id`` / ``conversation`` make the provider reuse earlier
turns it stored; those turns went through the gateway when they were sent, but a
surrogate from an earlier request is not restored in this one.
"""

from __future__ import annotations

from typing import Any

from gateway.core import Restorer
from gateway.streaming import KeyedRestorers, SSEEvent, json_event
from gateway.wire.base import (
    Collector,
    OpenAIErrors,
    ParsedRequest,
    Path,
    StreamRelay,
    Usage,
    WireFormat,
    check_fields,
    expect_dict,
    expect_list,
    format_path,
    parse_top_level,
    restore_json_text,
    usage_from,
)
from gateway.wire.errors import invalid, unsupported

DROPPED = frozenset({"user", "metadata", "safety_identifier", "prompt_cache_key"})
PARAMETERS = frozenset({
    "background", "background_options", "context_management", "conversation", "include",
    "max_output_tokens", "max_tool_calls", "moderation", "parallel_tool_calls", "previous_response_id",
    "prompt", "prompt_cache_options", "prompt_cache_retention", "reasoning", "service_tier", "store",
    "stream_options", "temperature", "text", "tool_choice", "tools", "top_logprobs", "top_p", "truncation",
})
TOP_LEVEL = PARAMETERS | DROPPED | {"model", "input", "instructions", "stream"}

_CALL = frozenset({"type", "id", "call_id", "status", "caller", "namespace", "async"})
ITEM_FIELDS = {
    "message": frozenset({"type", "id", "role", "content", "status", "phase"}),
    "function_call": _CALL | {"name", "arguments"},
    "function_call_output": _CALL | {"name", "output"},
    "custom_tool_call": _CALL | {"name", "input"},
    "custom_tool_call_output": _CALL | {"output"},
    "reasoning": frozenset({"type", "id", "summary", "content", "encrypted_content", "status"}),
    "item_reference": frozenset({"type", "id"}),
}
ITEM_ROLES = {"function_call": "assistant", "custom_tool_call": "assistant", "reasoning": "assistant",
              "function_call_output": "tool", "custom_tool_call_output": "tool", "item_reference": "input"}
MESSAGE_ROLES = frozenset({"user", "system", "developer", "assistant"})
PART_FIELDS = {
    "input_text": frozenset({"type", "text"}),
    "output_text": frozenset({"type", "text", "annotations", "logprobs"}),
    "refusal": frozenset({"type", "refusal"}),
    "reasoning_text": frozenset({"type", "text"}),
}
MEDIA_PARTS = frozenset({"input_image", "input_file", "input_audio"})

# Streamed text: delta event -> (the done event, the done event's full-text field).
DELTA_EVENTS = {
    "response.output_text.delta": ("response.output_text.done", "text"),
    "response.refusal.delta": ("response.refusal.done", "refusal"),
    "response.function_call_arguments.delta": ("response.function_call_arguments.done", "arguments"),
    "response.custom_tool_call_input.delta": ("response.custom_tool_call_input.done", "input"),
    "response.reasoning_summary_text.delta": ("response.reasoning_summary_text.done", "text"),
    "response.reasoning_text.delta": ("response.reasoning_text.done", "text"),
}
DONE_EVENTS = {done: (delta, field) for delta, (done, field) in DELTA_EVENTS.items()}
FINAL_EVENTS = frozenset({"response.completed", "response.failed", "response.incomplete"})


class ItemsWalker:
    """Extracts the segments of ``instructions`` and ``input``."""

    def __init__(self, collector: Collector, offset: int) -> None:
        self.out = collector
        self.offset = offset  # instructions are message 0 when present

    def input(self, value: Any) -> None:
        if isinstance(value, str):
            self.out.text(value, ("input",), self.offset, "user")
            return
        for i, item in enumerate(expect_list(value, ("input",))):
            self.item(expect_dict(item, ("input", i)), ("input", i), i + self.offset)

    def item(self, item: dict[str, Any], path: Path, index: int) -> None:
        kind = item.get("type", "message" if "role" in item else None)
        if kind not in ITEM_FIELDS:
            raise unsupported(f"{format_path(path)}: input item type {kind!r} is not supported")
        check_fields(item, ITEM_FIELDS[kind], path)
        role = ITEM_ROLES.get(str(kind)) or item.get("role")
        if role not in MESSAGE_ROLES and kind == "message":
            raise invalid(f"{format_path(path)}.role must be one of {', '.join(sorted(MESSAGE_ROLES))}")
        self.out.fields(item, path, index, str(role), special={
            "content": lambda v, p: self.parts(v, p, index, str(role)),
            "output": lambda v, p: self.parts(v, p, index, "tool"),
        })

    def parts(self, value: Any, path: Path, index: int, role: str) -> None:
        self.out.text_or_parts(value, path, index, role,
                               lambda part, where: self.out.typed_part(part, where, index, role,
                                                                       PART_FIELDS, MEDIA_PARTS))


class OpenAIResponses(OpenAIErrors, WireFormat):
    name = "openai_responses"
    endpoint = "/v1/responses"
    provider_api = "openai"
    upstream_path = "/responses"

    def parse(self, body: dict[str, Any]) -> ParsedRequest:
        body, model, stream = parse_top_level(body, TOP_LEVEL, DROPPED)
        collector = Collector()
        has_instructions = body.get("instructions") not in (None, "")
        if has_instructions:
            collector.text(body["instructions"], ("instructions",), 0, "system")
        if "input" in body:
            ItemsWalker(collector, offset=1 if has_instructions else 0).input(body["input"])
        collector.parameters(body, PARAMETERS)
        return collector.request(body, model, stream)

    def restore_response(self, body: dict[str, Any], restorer: Restorer) -> dict[str, Any]:
        return restore_response_object(body, restorer)

    def usage(self, body: dict[str, Any]) -> Usage:
        return usage_from(body.get("usage"), "input_tokens", "output_tokens")

    def stream_relay(self, restorer: Restorer) -> StreamRelay:
        return ResponsesStreamRelay(restorer, self)


def restore_response_object(body: dict[str, Any], restorer: Restorer) -> dict[str, Any]:
    """A Response with its output (and echoed instructions) restored, in place."""
    for key in ("instructions", "output_text"):
        if isinstance(body.get(key), str):
            body[key] = restorer.restore(body[key])
    body["output"] = [restore_item(item, restorer) for item in body.get("output") or []]
    return body


def restore_item(item: Any, restorer: Restorer) -> Any:
    """An output item (message, tool call, reasoning) with its generated text restored."""
    if not isinstance(item, dict):
        return item
    out = dict(item)
    if isinstance(out.get("arguments"), str):
        out["arguments"] = restore_json_text(out["arguments"], restorer)
    if isinstance(out.get("input"), str):
        out["input"] = restorer.restore(out["input"])
    for key in ("content", "summary"):
        if isinstance(out.get(key), list):
            out[key] = [restore_part(part, restorer) for part in out[key]]
    return out


def restore_part(part: Any, restorer: Restorer) -> Any:
    if not isinstance(part, dict):
        return part
    out = dict(part)
    for key in ("text", "refusal"):
        if isinstance(out.get(key), str):
            out[key] = restorer.restore(out[key])
    return out


def _stream_key(data: dict[str, Any]) -> tuple[Any, ...]:
    """Which text stream an event belongs to (item, content part or summary part)."""
    return (data.get("output_index"), data.get("content_index"), data.get("summary_index"))


class ResponsesStreamRelay(StreamRelay):
    """Restores text deltas per stream; flushes before each *.done and the final event.

    Inserting a flush delta shifts the following events, so ``sequence_number`` is
    renumbered to stay strictly increasing.
    """

    def __init__(self, restorer: Restorer, wire: OpenAIResponses) -> None:
        super().__init__()
        self._restorer = restorer
        self._streams = KeyedRestorers(restorer)
        self._templates: dict[tuple[Any, ...], dict[str, Any]] = {}
        self._sequence = 0
        self._wire = wire

    def feed(self, event: SSEEvent) -> list[SSEEvent]:
        data = event.json()
        if not isinstance(data, dict):
            return [event]
        kind = data.get("type")
        if kind in DELTA_EVENTS:
            return self._delta(data)
        out: list[SSEEvent] = []
        if kind in DONE_EVENTS:
            out += self._flush(lambda key: key == (kind, *_stream_key(data)))
            _, field = DONE_EVENTS[kind]
            if isinstance(data.get(field), str):
                data[field] = restore_json_text(data[field], self._restorer) if field == "arguments" \
                    else self._restorer.restore(data[field])
        elif kind in FINAL_EVENTS:
            out += self.finish()
        self._restore_objects(data)
        return [*out, self._emit(data, event.event)]

    def finish(self) -> list[SSEEvent]:
        return self._flush(lambda key: True)

    def _delta(self, data: dict[str, Any]) -> list[SSEEvent]:
        done, _ = DELTA_EVENTS[data["type"]]
        key = (done, *_stream_key(data))
        if not isinstance(data.get("delta"), str):
            return [self._emit(data, data["type"])]
        self._templates[key] = data
        raw_json = data["type"].endswith("function_call_arguments.delta")
        data["delta"] = self._streams.feed(key, data["delta"], raw_json=raw_json)
        return [self._emit(data, data["type"])] if data["delta"] else []

    def _flush(self, match: Any) -> list[SSEEvent]:
        tails = self._streams.flush_where(match)
        return [self._emit({**self._templates[key], "delta": tail}, self._templates[key]["type"])
                for key, tail in tails.items()]

    def _restore_objects(self, data: dict[str, Any]) -> None:
        if isinstance(data.get("response"), dict):
            restore_response_object(data["response"], self._restorer)
            usage = self._wire.usage(data["response"])
            if usage.prompt_tokens is not None or usage.completion_tokens is not None:
                self.usage = usage
        if "item" in data:
            data["item"] = restore_item(data["item"], self._restorer)
        if "part" in data:
            data["part"] = restore_part(data["part"], self._restorer)

    def _emit(self, data: dict[str, Any], name: str | None) -> SSEEvent:
        if "sequence_number" in data:
            data = {**data, "sequence_number": self._sequence}
            self._sequence += 1
        return json_event(data, name)
