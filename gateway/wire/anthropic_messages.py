"""Anthropic Messages (``POST /v1/messages``), stream and non-stream.

Texts extracted: ``system`` (string or text blocks), every message's text blocks,
tool_use inputs (every string inside the JSON), tool_result contents, thinking text,
and every string of the other known parameters (tools, stop_sequences...).
``metadata`` (a user id for the provider's abuse monitoring) is dropped.  Images and
documents are media: refused unless the provider allows them.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from gateway.core import Restorer
from gateway.streaming import KeyedRestorers, SSEEvent, json_event
from gateway.wire.base import (
    Collector,
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
    restore_strings,
    usage_from,
)
from gateway.wire.errors import anthropic_error, invalid

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
# Only text blocks in the system prompt and inside a tool_result's content.
TEXT_BLOCKS = {"text": BLOCK_FIELDS["text"]}
ROLES = frozenset({"user", "assistant"})
# Delta type -> the field that carries its text.
DELTA_TEXT = {"text_delta": "text", "input_json_delta": "partial_json", "thinking_delta": "thinking"}


class MessagesWalker:
    """Extracts the segments of ``system`` and ``messages``."""

    def __init__(self, collector: Collector, offset: int) -> None:
        self.out = collector
        self.offset = offset  # the system prompt is message 0 when present

    def system(self, value: Any) -> None:
        self.content(value, ("system",), 0, "system", TEXT_BLOCKS)

    def messages(self, value: Any) -> None:
        for i, message in enumerate(expect_list(value, ("messages",))):
            path: Path = ("messages", i)
            message = expect_dict(message, path)
            check_fields(message, frozenset({"role", "content"}), path)
            role = message.get("role")
            if role not in ROLES:
                raise invalid(f"{format_path(path)}.role must be user or assistant")
            self.content(message.get("content"), (*path, "content"), i + self.offset, role, BLOCK_FIELDS)

    def content(self, value: Any, path: Path, index: int, role: str,
                kinds: Mapping[str, frozenset[str]]) -> None:
        self.out.text_or_parts(value, path, index, role,
                               lambda block, where: self.block(block, where, index, role, kinds))

    def block(self, block: dict[str, Any], path: Path, index: int, role: str,
              kinds: Mapping[str, frozenset[str]]) -> None:
        role = "tool" if block.get("type") == "tool_result" else role
        self.out.typed_part(block, path, index, role, kinds, MEDIA_BLOCKS, special={
            "content": lambda v, p: self.content(v, p, index, "tool", TEXT_BLOCKS),
        })


class AnthropicMessages(WireFormat):
    name = "anthropic_messages"
    endpoint = "/v1/messages"
    provider_api = "anthropic"
    upstream_path = "/v1/messages"

    def parse(self, body: dict[str, Any]) -> ParsedRequest:
        body, model, stream = parse_top_level(body, TOP_LEVEL, DROPPED)
        if "messages" not in body:
            raise invalid("messages is required")
        collector = Collector()
        has_system = body.get("system") not in (None, "", [])
        walker = MessagesWalker(collector, offset=1 if has_system else 0)
        if "system" in body and body["system"] is not None:
            walker.system(body["system"])
        walker.messages(body["messages"])
        collector.parameters(body, PARAMETERS)
        return collector.request(body, model, stream)

    def restore_response(self, body: dict[str, Any], restorer: Restorer) -> dict[str, Any]:
        body["content"] = [restore_block(b, restorer) for b in body.get("content") or []]
        return body

    def usage(self, body: dict[str, Any]) -> Usage:
        return usage_from(body.get("usage"), "input_tokens", "output_tokens")

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
            return self._delta(data, event)
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

    def _delta(self, data: dict[str, Any], event: SSEEvent) -> list[SSEEvent]:
        delta = data.get("delta")
        if not isinstance(delta, dict):
            return [event]
        kind = str(delta.get("type"))
        field = DELTA_TEXT.get(kind)
        if field is None or not isinstance(delta.get(field), str):
            return [event]
        index = data.get("index", 0)
        self._delta_types[index] = kind
        text = delta[field]
        delta[field] = self._streams.feed(index, text, raw_json=kind == "input_json_delta")
        if delta[field] == text:  # nothing put back or held: the provider's event as it came
            return [event]
        return [json_event(data, event.event)] if delta[field] else []

    def _flush(self, index: int) -> list[SSEEvent]:
        kind = self._delta_types.pop(index, None)
        tail = self._streams.flush(index)
        if kind is None or not tail:
            return []
        delta = {"type": kind, DELTA_TEXT[kind]: tail}
        return [json_event({"type": "content_block_delta", "index": index, "delta": delta},
                           "content_block_delta")]

    def _record_usage(self, data: dict[str, Any]) -> None:
        """message_start carries the input count, message_delta the running output count."""
        message = data.get("message")
        for raw in (message.get("usage") if isinstance(message, dict) else None, data.get("usage")):
            usage = usage_from(raw, "input_tokens", "output_tokens")
            self.usage.prompt_tokens = usage.prompt_tokens or self.usage.prompt_tokens
            self.usage.completion_tokens = usage.completion_tokens or self.usage.completion_tokens
