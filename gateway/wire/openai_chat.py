"""OpenAI Chat Completions (``POST /v1/chat/completions``), stream and non-stream.

Texts extracted: every message's content (string or text/refusal parts), names,
assistant tool-call arguments (the JSON string as sent), tool results, and every
string of the other known parameters (tools and their schemas, response_format,
stop, prediction...).  ``user``, ``metadata``, ``safety_identifier`` and
``prompt_cache_key`` are identifiers for the provider's own bookkeeping: they are
dropped rather than forwarded, so no free text leaves unscanned through them.
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
    "audio", "frequency_penalty", "function_call", "functions", "logit_bias", "logprobs",
    "max_completion_tokens", "max_tokens", "modalities", "moderation", "n", "parallel_tool_calls",
    "prediction", "presence_penalty", "prompt_cache_options", "prompt_cache_retention",
    "reasoning_effort", "response_format", "seed", "service_tier", "stop", "store", "stream_options",
    "temperature", "tool_choice", "tools", "top_logprobs", "top_p", "verbosity", "web_search_options",
})
TOP_LEVEL = PARAMETERS | DROPPED | {"model", "messages", "stream"}

MESSAGE_FIELDS = {
    "system": frozenset({"role", "content", "name"}),
    "developer": frozenset({"role", "content", "name"}),
    "user": frozenset({"role", "content", "name"}),
    "assistant": frozenset({"role", "content", "name", "refusal", "tool_calls", "function_call", "audio"}),
    "tool": frozenset({"role", "content", "tool_call_id"}),
    "function": frozenset({"role", "content", "name"}),
}
TEXT_PARTS = {"text": frozenset({"type", "text"}), "refusal": frozenset({"type", "refusal"})}
MEDIA_PARTS = frozenset({"image_url", "input_audio", "file"})
TOOL_CALL_FIELDS = {"function": frozenset({"id", "type", "function"}),
                    "custom": frozenset({"id", "type", "custom"})}


class ChatWalker:
    """Extracts the segments of the ``messages`` array."""

    def __init__(self, collector: Collector) -> None:
        self.out = collector

    def messages(self, value: Any) -> None:
        for i, message in enumerate(expect_list(value, ("messages",))):
            self.message(expect_dict(message, ("messages", i)), i)

    def message(self, message: dict[str, Any], index: int) -> None:
        path: Path = ("messages", index)
        role = message.get("role")
        if role not in MESSAGE_FIELDS:
            raise invalid(f"{format_path(path)}.role must be one of {', '.join(MESSAGE_FIELDS)}")
        check_fields(message, MESSAGE_FIELDS[role], path)
        self.out.fields(message, path, index, role, special={
            "content": lambda v, p: self.content(v, p, index, role),
            "tool_calls": lambda v, p: self.tool_calls(v, p, index, role),
        })

    def content(self, value: Any, path: Path, index: int, role: str) -> None:
        if value is not None:  # an assistant message with only tool calls has no content
            self.out.text_or_parts(value, path, index, role,
                                   lambda part, where: self.out.typed_part(part, where, index, role,
                                                                           TEXT_PARTS, MEDIA_PARTS))

    def tool_calls(self, value: Any, path: Path, index: int, role: str) -> None:
        for i, call in enumerate(expect_list(value, path)):
            where = (*path, i)
            call = expect_dict(call, where)
            fields = TOOL_CALL_FIELDS.get(call.get("type", "function"))
            if fields is None:
                kind = call.get("type")
                raise unsupported(f"{format_path(where)}: tool call type {kind!r} is not supported")
            check_fields(call, fields, where)
            self.out.fields(call, where, index, role)


class OpenAIChat(OpenAIErrors, WireFormat):
    name = "openai_chat"
    endpoint = "/v1/chat/completions"
    provider_api = "openai"
    upstream_path = "/chat/completions"

    def parse(self, body: dict[str, Any]) -> ParsedRequest:
        body, model, stream = parse_top_level(body, TOP_LEVEL, DROPPED)
        if "messages" not in body:
            raise invalid("messages is required")
        collector = Collector()
        ChatWalker(collector).messages(body["messages"])
        collector.parameters(body, PARAMETERS)
        return collector.request(body, model, stream)

    def restore_response(self, body: dict[str, Any], restorer: Restorer) -> dict[str, Any]:
        for choice in body.get("choices") or []:
            message = choice.get("message") if isinstance(choice, dict) else None
            if isinstance(message, dict):
                restore_message(message, restorer)
        return body

    def usage(self, body: dict[str, Any]) -> Usage:
        return usage_from(body.get("usage"), "prompt_tokens", "completion_tokens")

    def stream_relay(self, restorer: Restorer) -> StreamRelay:
        return ChatStreamRelay(restorer)


def restore_message(message: dict[str, Any], restorer: Restorer) -> None:
    """Restore an assistant message in place: content, refusal, tool and function calls."""
    for key in ("content", "refusal"):
        if isinstance(message.get(key), str):
            message[key] = restorer.restore(message[key])
    calls = [c for c in message.get("tool_calls") or [] if isinstance(c, dict)]
    functions = [c.get("function") for c in calls] + [message.get("function_call")]
    for function in functions:
        if isinstance(function, dict) and isinstance(function.get("arguments"), str):
            function["arguments"] = restore_json_text(function["arguments"], restorer)
    for call in calls:
        custom = call.get("custom")
        if isinstance(custom, dict) and isinstance(custom.get("input"), str):
            custom["input"] = restorer.restore(custom["input"])
    audio = message.get("audio")
    if isinstance(audio, dict) and isinstance(audio.get("transcript"), str):
        audio["transcript"] = restorer.restore(audio["transcript"])


class ChatStreamRelay(StreamRelay):
    """Restores ``chat.completion.chunk`` deltas; streams are keyed (choice, field[, tool])."""

    def __init__(self, restorer: Restorer) -> None:
        super().__init__()
        self._streams = KeyedRestorers(restorer)
        self._template: dict[str, Any] | None = None

    def feed(self, event: SSEEvent) -> list[SSEEvent]:
        if event.data.strip() == "[DONE]":
            return [*self.finish(), event]
        chunk = event.json()
        if not isinstance(chunk, dict) or "error" in chunk:
            return [event]
        if isinstance(chunk.get("usage"), dict):
            self.usage = usage_from(chunk["usage"], "prompt_tokens", "completion_tokens")
        changed = False
        for choice in chunk.get("choices") or []:
            if isinstance(choice, dict):
                changed = self._choice(choice) or changed
        self._template = chunk
        # Most events have nothing to put back: they leave as the provider wrote them.
        return [json_event(chunk, event.event) if changed else event]

    def finish(self) -> list[SSEEvent]:
        tails = self._streams.flush_where(lambda key: True)
        if not tails or self._template is None:
            return []
        deltas: dict[int, dict[str, Any]] = {}
        for key, tail in tails.items():
            _add_tail(deltas.setdefault(key[0], {}), key, tail)
        choices = [{"index": i, "delta": delta, "logprobs": None, "finish_reason": None}
                   for i, delta in deltas.items()]
        return [json_event({**self._template, "choices": choices, "usage": None})]

    def _choice(self, choice: dict[str, Any]) -> bool:
        """Restore one choice's delta in place; True when that changed it."""
        index = choice.get("index", 0)
        delta = choice.get("delta")
        changed = not isinstance(delta, dict)
        if not isinstance(delta, dict):
            delta = choice["delta"] = {}
        for name in ("content", "refusal"):
            if isinstance(text := delta.get(name), str):
                delta[name] = self._streams.feed((index, name), text)
                changed = changed or delta[name] != text
        for call in delta.get("tool_calls") or []:
            function = call.get("function") if isinstance(call, dict) else None
            if isinstance(function, dict) and isinstance(arguments := function.get("arguments"), str):
                key = (index, "tool", call.get("index", 0))
                function["arguments"] = self._streams.feed(key, arguments, raw_json=True)
                changed = changed or function["arguments"] != arguments
        if choice.get("finish_reason") is not None:
            for key, tail in self._streams.flush_where(lambda k: k[0] == index).items():
                _add_tail(delta, key, tail)
                changed = True
        return changed


def _add_tail(delta: dict[str, Any], key: tuple[Any, ...], tail: str) -> None:
    """Append held-back text to a delta (content, refusal or one tool call's arguments)."""
    if key[1] != "tool":
        delta[key[1]] = (delta.get(key[1]) or "") + tail
        return
    calls = delta.setdefault("tool_calls", [])
    for call in calls:
        if call.get("index", 0) == key[2]:
            function = call.setdefault("function", {})
            function["arguments"] = (function.get("arguments") or "") + tail
            return
    calls.append({"index": key[2], "function": {"arguments": tail}})
