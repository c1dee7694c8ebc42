"""Anthropic Messages (``POST /v1/messages``), stream and non-stream.

Texts extracted: ``system`` (string or text blocks), every message's text blocks,
tool_use inputs (every string inside the JSON), tool_result contents, thinking text,
and every string of the other known parameters (tools, stop_sequences...).
``metadata`` (a user id for the provider's abuse monitoring) is dropped.  Images and
documents are media: refused unless the provider allows them.
"""

from __future__ import annotations

from typing import Any

from gateway.core import Restorer
from gateway.streaming import KeyedRestorers, SSEEvent, json_event
from gateway.wire.base import (
    NO_MESSAGE,
    PARAMETER_ROLE,
    Collector,
    ParsedRequest,
    Path,
    StreamRelay,
    Usage,
    WireFormat,
    check_fields,
    drop_fields,
    expect_dict,
    expect_list,
    format_path,
    int_or_none,
    require_model,
    require_stream_flag,
    restore_strings,
)
from gateway.wire.errors import anthropic_error, invalid, unsupported

DROPPED = frozenset({"metadata", "user_profile_id"})
PARAMETERS = frozenset({
    "cache_control", "container", "diagnostics", "inference_geo", "max_tokens", "output_config",
    "service_tier", "speed", "stop_sequences", "temperature", "thinking", "tool_choice", "tools", "top_k",
    "top_p", "workspace_id",
})
TOP_LEVEL = PARAMETERS | DROPPED | {"model", "messages", "stream", "system"}

BLOCK_FIELDS = {
    "text": frozenset({"type", "text", "cache_control", "citations"}),
    "tool_use": frozenset({"type", "id", "name", "input", "cache_control"}),
    "tool_result": frozenset({"type", "tool_use_id", "content", "is_error", "cache_control"}),
    "thinking": frozenset({"type", "thinking", "signature"}),
    "redacted_thinking": frozenset({"type", "data"}),
}
MEDIA_BLOCKS = frozenset({"image", "document"})
MESSAGE_BLOCKS = frozenset(BLOCK_FIELDS)
# Blocks allowed inside a tool_result's content.
RESULT_BLOCKS = frozenset({"text"})
ROLES = frozenset({"user", "assistant"})
# Delta type -> the field that carries its text.
DELTA_TEXT = {"text_delta": "text", "input_json_delta": "partial_json", "thinking_delta": "thinking"}


class MessagesWalker:
    """Extracts the segments of ``system`` and ``messages``."""

    def __init__(self, collector: Collector, offset: int) -> None:
        self.out = collector
        self.offset = offset  # the system prompt is message 0 when present

    def system(self, value: Any) -> None:
        if isinstance(value, str):
            if value:
                self.out.text(value, ("system",), 0, "system")
            return
        for i, block in enumerate(expect_list(value, ("system",))):
            self.block(expect_dict(block, ("system", i)), ("system", i), 0, "system", frozenset({"text"}))

    def messages(self, value: Any) -> None:
        for i, message in enumerate(expect_list(value, ("messages",))):
            path: Path = ("messages", i)
            message = expect_dict(message, path)
            check_fields(message, frozenset({"role", "content"}), path)
            role = message.get("role")
            if role not in ROLES:
                raise invalid(f"{format_path(path)}.role must be user or assistant")
            self.content(message.get("content"), (*path, "content"), i + self.offset, role,
                         MESSAGE_BLOCKS)

    def content(self, value: Any, path: Path, index: int, role: str, kinds: frozenset[str]) -> None:
        if isinstance(value, str):
            if value:
                self.out.text(value, path, index, role)
            return
        for i, block in enumerate(expect_list(value, path)):
            self.block(expect_dict(block, (*path, i)), (*path, i), index, role, kinds)

    def block(self, block: dict[str, Any], path: Path, index: int, role: str, kinds: frozenset[str]) -> None:
        kind = block.get("type")
        if kind in MEDIA_BLOCKS:
            self.out.media_part(str(kind), path)
            return
        if kind not in kinds:
            raise unsupported(f"{format_path(path)}: content block type {kind!r} is not supported here")
        check_fields(block, BLOCK_FIELDS[kind], path)
        result_role = "tool" if kind == "tool_result" else role
        self.out.fields(block, path, index, result_role, special={
            "content": lambda v, p: self.content(v, p, index, "tool", RESULT_BLOCKS),
        })


class AnthropicMessages(WireFormat):
    name = "anthropic_messages"
    endpoint = "/v1/messages"
    provider_api = "anthropic"
    upstream_path = "/v1/messages"

    def parse(self, body: dict[str, Any]) -> ParsedRequest:
        check_fields(body, TOP_LEVEL, ())
        model, stream = require_model(body), require_stream_flag(body)
        if "messages" not in body:
            raise invalid("messages is required")
        body = drop_fields(body, DROPPED)
        collector = Collector()
        has_system = body.get("system") not in (None, "", [])
        walker = MessagesWalker(collector, offset=1 if has_system else 0)
        if "system" in body and body["system"] is not None:
            walker.system(body["system"])
        walker.messages(body["messages"])
        for name in sorted(PARAMETERS & body.keys()):
            collector.scan(body[name], (name,), NO_MESSAGE, PARAMETER_ROLE)
        return ParsedRequest(body=body, model=model, stream=stream, segments=collector.segments,
                             media=collector.media)

    def restore_response(self, body: dict[str, Any], restorer: Restorer) -> dict[str, Any]:
        body["content"] = [restore_block(b, restorer) for b in body.get("content") or []]
        return body

    def usage(self, body: dict[str, Any]) -> Usage:
        usage = body.get("usage") if isinstance(body.get("usage"), dict) else {}
        return Usage(int_or_none(usage.get("input_tokens")), int_or_none(usage.get("output_tokens")))

    def stream_relay(self, restorer: Restorer) -> StreamRelay:
        return MessagesStreamRelay(restorer)

    def error_body(self, status: int, code: str, message: str) -> dict[str, Any]:
        return anthropic_error(status, code, message)

    def stream_error(self, code: str, message: str) -> SSEEvent:
        return json_event(anthropic_error(502, code, message), "error")


def restore_block(block: Any, restorer: Restorer) -> Any:
    """A content block with its generated text restored (text, thinking, tool input)."""
    if not isinstance(block, dict):
        return block
    out = dict(block)
    for key in ("text", "thinking"):
        if isinstance(out.get(key), str):
            out[key] = restorer.restore(out[key])
    if "input" in out:
        out["input"] = restore_strings(out["input"], restorer)
    return out


class MessagesStreamRelay(StreamRelay):
    """Restores content_block_delta texts per block index; flushes before content_block_stop."""

    def __init__(self, restorer: Restorer) -> None:
        super().__init__()
        self._restorer = restorer
        self._streams = KeyedRestorers(restorer)
        self._delta_types: dict[int, str] = {}

    def feed(self, event: SSEEvent) -> list[SSEEvent]:
        data = event.json()
        if not isinstance(data, dict):
            return [event]
        kind = data.get("type")
        if kind == "content_block_delta":
            return self._delta(data, event.event)
        out: list[SSEEvent] = []
        if kind == "content_block_stop":
            out += self._flush(data.get("index", 0))
        elif kind == "message_stop":
            out += self.finish()
        elif kind == "content_block_start":
            data["content_block"] = restore_block(data.get("content_block"), self._restorer)
        self._record_usage(data)
        return [*out, json_event(data, event.event)]

    def finish(self) -> list[SSEEvent]:
        return [e for index in list(self._delta_types) for e in self._flush(index)]

    def _delta(self, data: dict[str, Any], name: str | None) -> list[SSEEvent]:
        delta = data.get("delta")
        field = DELTA_TEXT.get(delta.get("type")) if isinstance(delta, dict) else None
        if field is None or not isinstance(delta.get(field), str):
            return [json_event(data, name)]
        index = data.get("index", 0)
        self._delta_types[index] = delta["type"]
        delta[field] = self._streams.feed(index, delta[field], raw_json=delta["type"] == "input_json_delta")
        return [json_event(data, name)] if delta[field] else []

    def _flush(self, index: int) -> list[SSEEvent]:
        kind = self._delta_types.pop(index, None)
        tail = self._streams.flush(index)
        if kind is None or not tail:
            return []
        delta = {"type": kind, DELTA_TEXT[kind]: tail}
        return [json_event({"type": "content_block_delta", "index": index, "delta": delta},
                           "content_block_delta")]

    def _record_usage(self, data: dict[str, Any]) -> None:
        message = data.get("message") if isinstance(data.get("message"), dict) else {}
        for usage in (message.get("usage"), data.get("usage")):
            if isinstance(usage, dict):
                self.usage.prompt_tokens = int_or_none(usage.get("input_tokens")) or self.usage.prompt_tokens
                self.usage.completion_tokens = (int_or_none(usage.get("output_tokens"))
                                                or self.usage.completion_tokens)
