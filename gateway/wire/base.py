"""What every wire format provides, and the helpers they share.

A wire format is the only code that knows the JSON of one API.  It turns a request
body into :class:`ParsedRequest` (the body plus every text it carries, as
:class:`gateway.core.Segment`), puts transformed texts back, restores answers
(whole or streamed) and renders errors.  Coverage is strict: each format lists the
fields and content types it understands, and anything else is refused, because a
field the gateway does not read is a field it cannot inspect.
"""

from __future__ import annotations

import copy
import json
import re
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar

from gateway.core import Restorer, Segment
from gateway.streaming import SSEEvent, json_event
from gateway.wire.errors import UNKNOWN_FIELD, WireError, invalid, openai_error, unsupported

Path = tuple[str | int, ...]

# Keys whose values are enums or provider-issued ids: checked to be id-like, not scanned.
STRUCTURAL_KEYS = frozenset({"type", "role", "id", "tool_call_id", "call_id", "tool_use_id", "status",
                             "phase"})
# Provider-issued opaque blobs (thinking signatures, encrypted reasoning): they must be
# sent back unchanged, so they are not scanned, but must look like base64 so that no
# readable text can travel in them.
OPAQUE_KEYS = frozenset({"signature", "data", "encrypted_content"})
_ID_LIKE = re.compile(r"[A-Za-z0-9_.:\-]{0,256}")
_BASE64_LIKE = re.compile(r"[A-Za-z0-9+/=_\-]*")
_MODEL_PART = r"[A-Za-z0-9][A-Za-z0-9._:@+\-]*"
_MODEL_NAME = re.compile(rf"(?=.{{1,256}}$){_MODEL_PART}(?:/{_MODEL_PART})*")
# Non-message fields are scanned with this role and a message index outside the messages.
PARAMETER_ROLE = "parameter"
NO_MESSAGE = -1


def format_path(path: Iterable[str | int]) -> str:
    """A JSON path for error messages: ``messages[2].content[0].text``."""
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else part)
    return out or "body"


def expect_dict(value: Any, path: Path) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise invalid(f"{format_path(path)} must be an object")
    return value


def expect_list(value: Any, path: Path) -> list[Any]:
    if not isinstance(value, list):
        raise invalid(f"{format_path(path)} must be an array")
    return value


def check_fields(obj: Mapping[str, Any], allowed: frozenset[str], path: Path) -> None:
    """Refuse any key the gateway does not know: it could carry text nobody inspects."""
    unknown = sorted(set(obj) - allowed)
    if unknown:
        where = f" in {format_path(path)}" if path else ""
        raise WireError(400, UNKNOWN_FIELD,
                        f"unsupported field(s){where}: {', '.join(unknown)}; the gateway refuses "
                        "fields it cannot inspect")


@dataclass
class Collector:
    """Collects the segments (and media parts) of one request while a format walks it."""

    segments: list[Segment] = field(default_factory=list)
    media: list[str] = field(default_factory=list)

    def text(self, value: Any, path: Path, index: int, role: str) -> None:
        """A field that must be a string: one segment."""
        if not isinstance(value, str):
            raise invalid(f"{format_path(path)} must be a string")
        self.segments.append(Segment(path=path, text=value, message_index=index, role=role))

    def scan(self, value: Any, path: Path, index: int, role: str) -> None:
        """Every string inside a JSON value becomes a segment (tool schemas, arguments...)."""
        if isinstance(value, str):
            if value:
                self.segments.append(Segment(path=path, text=value, message_index=index, role=role))
        elif isinstance(value, dict):
            for key, item in value.items():
                self.scan(item, (*path, key), index, role)
        elif isinstance(value, list):
            for i, item in enumerate(value):
                self.scan(item, (*path, i), index, role)

    def fields(self, obj: Mapping[str, Any], path: Path, index: int, role: str,
               special: Mapping[str, Callable[[Any, Path], None]] | None = None) -> None:
        """Walk an object whose keys were checked: ids checked, blobs checked, the rest scanned."""
        for key, value in obj.items():
            where = (*path, key)
            if special and key in special:
                special[key](value, where)
            elif key in STRUCTURAL_KEYS:
                _check_pattern(value, where, _ID_LIKE, "an identifier")
            elif key in OPAQUE_KEYS:
                _check_pattern(value, where, _BASE64_LIKE, "an opaque base64 value")
            else:
                self.scan(value, where, index, role)

    def text_or_parts(self, value: Any, path: Path, index: int, role: str,
                      part: Callable[[dict[str, Any], Path], None]) -> None:
        """A content field: a string (one segment; none when empty) or a list of typed parts,
        each handed to ``part`` because every format knows different part types."""
        if isinstance(value, str):
            if value:
                self.text(value, path, index, role)
            return
        for i, item in enumerate(expect_list(value, path)):
            where = (*path, i)
            part(expect_dict(item, where), where)

    def typed_part(self, part: dict[str, Any], path: Path, index: int, role: str,
                   fields: Mapping[str, frozenset[str]], media: frozenset[str],
                   special: Mapping[str, Callable[[Any, Path], None]] | None = None) -> None:
        """One typed content part or block: ``fields`` maps each text type the format accepts
        here to its allowed keys; media types are noted for the allowlist; any other type is
        refused, since the gateway cannot know what text it carries."""
        kind = part.get("type")
        if isinstance(kind, str) and kind in media:
            self.media_part(kind, path)
            return
        if not isinstance(kind, str) or kind not in fields:
            raise unsupported(f"{format_path(path)}: content type {kind!r} is not supported here")
        check_fields(part, fields[kind], path)
        self.fields(part, path, index, role, special)

    def parameters(self, body: Mapping[str, Any], names: frozenset[str]) -> None:
        """Every string of the known non-message parameters (tools, schemas, stop words...)."""
        for name in sorted(names & body.keys()):
            self.scan(body[name], (name,), NO_MESSAGE, PARAMETER_ROLE)

    def media_part(self, kind: str, path: Path) -> None:
        """Images, files and audio cannot be inspected: the allowlist stage decides."""
        self.media.append(f"{format_path(path)} ({kind})")

    def request(self, body: dict[str, Any], model: str, stream: bool) -> ParsedRequest:
        return ParsedRequest(body=body, model=model, stream=stream, segments=self.segments,
                             media=self.media)


def _check_pattern(value: Any, path: Path, pattern: re.Pattern[str], what: str) -> None:
    if value is None or isinstance(value, bool | int | float):
        return
    if not isinstance(value, str) or not pattern.fullmatch(value):
        raise invalid(f"{format_path(path)} must be {what}")


@dataclass
class ParsedRequest:
    """A request body and every text it carries (see :class:`gateway.core.Segment`)."""

    body: dict[str, Any]
    model: str
    stream: bool
    segments: list[Segment]
    media: list[str] = field(default_factory=list)

    def texts(self) -> list[str]:
        return [s.text for s in self.segments]

    def with_texts(self, new_texts: list[str]) -> dict[str, Any]:
        """The body with each segment's text replaced by ``new_texts[i]`` at its path."""
        if len(new_texts) != len(self.segments):
            raise ValueError("one text per segment is required")
        if new_texts == self.texts():
            return self.body
        body = copy.deepcopy(self.body)
        for segment, text in zip(self.segments, new_texts, strict=True):
            node: Any = body
            for part in segment.path[:-1]:
                node = node[part]
            node[segment.path[-1]] = text
        return body


@dataclass
class Usage:
    prompt_tokens: int | None = None
    completion_tokens: int | None = None


def int_or_none(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def usage_from(usage: Any, prompt_key: str, completion_key: str) -> Usage:
    """Token counts from an answer's usage object; absent or malformed counts are None."""
    if not isinstance(usage, dict):
        return Usage()
    return Usage(int_or_none(usage.get(prompt_key)), int_or_none(usage.get(completion_key)))


def restore_strings(value: Any, restorer: Restorer) -> Any:
    """Every string inside a JSON value, restored (tool-use input, structured output)."""
    if isinstance(value, str):
        return restorer.restore(value)
    if isinstance(value, dict):
        return {key: restore_strings(item, restorer) for key, item in value.items()}
    if isinstance(value, list):
        return [restore_strings(item, restorer) for item in value]
    return value


def restore_json_text(text: str, restorer: Restorer) -> str:
    """Restore inside a JSON document given as text (tool-call arguments).

    Restoring the decoded strings keeps the JSON valid when a real value contains a
    quote or a backslash; text that is not JSON is restored as plain text.
    """
    try:
        value = json.loads(text)
    except ValueError:
        return restorer.restore(text)
    restored = restore_strings(value, restorer)
    return text if restored == value else json.dumps(restored, ensure_ascii=False)


class StreamRelay(ABC):
    """Relays one streamed answer event by event, restoring text deltas on the way."""

    def __init__(self) -> None:
        self.usage = Usage()

    @abstractmethod
    def feed(self, event: SSEEvent) -> list[SSEEvent]:
        """The events to send to the client for one event of the provider."""

    def finish(self) -> list[SSEEvent]:
        """Events still owed when the provider's stream ended (held-back text)."""
        return []


class PassThroughRelay(StreamRelay):
    """The relay when nothing was pseudonymised: it sends nothing itself, because the
    pipeline relays the provider's bytes as they came; it only reads the token usage.

    Only events that mention ``usage`` go through the wire format's own relay, for the
    token counts of the use log; parsing and re-serialising every delta would cost
    most of the gateway's CPU on a long streamed answer, for no change.
    """

    def __init__(self, inner: StreamRelay) -> None:
        super().__init__()
        self._inner = inner

    def feed(self, event: SSEEvent) -> list[SSEEvent]:
        if "usage" in event.data:
            self._inner.feed(event)
            self.usage = self._inner.usage
        return []


class WireFormat(ABC):
    """One API's JSON: parse, put texts back, restore answers, render errors."""

    name: ClassVar[str]
    endpoint: ClassVar[str]  # the gateway path, e.g. /v1/chat/completions
    provider_api: ClassVar[str]  # which Provider.api speaks it: openai | anthropic
    upstream_path: ClassVar[str]  # appended to Provider.base_url

    @abstractmethod
    def parse(self, body: dict[str, Any]) -> ParsedRequest:
        """Validate the body and extract every text; raise WireError when refused."""

    @abstractmethod
    def restore_response(self, body: dict[str, Any], restorer: Restorer) -> dict[str, Any]:
        """A non-stream answer with every generated text restored."""

    @abstractmethod
    def usage(self, body: dict[str, Any]) -> Usage:
        """Token usage of a non-stream answer."""

    def stream_relay(self, restorer: Restorer) -> StreamRelay:
        """A relay for one streamed answer (formats that stream override this)."""
        raise TypeError(f"{self.name} does not stream")

    @abstractmethod
    def error_body(self, status: int, code: str, message: str) -> dict[str, Any]:
        """The API's error JSON."""

    @abstractmethod
    def stream_error(self, code: str, message: str) -> SSEEvent:
        """An error event for a stream that already started (status is already 200)."""


class OpenAIErrors:
    """Error rendering shared by the OpenAI formats (chat, responses, embeddings)."""

    def error_body(self, status: int, code: str, message: str) -> dict[str, Any]:
        return openai_error(status, code, message)

    def stream_error(self, code: str, message: str) -> SSEEvent:
        # The SDK raises APIError for a data line carrying an "error" object.
        return json_event(openai_error(502, code, message))


def parse_top_level(body: dict[str, Any], allowed: frozenset[str], dropped: frozenset[str]
                    ) -> tuple[dict[str, Any], str, bool]:
    """The checks every format starts with: only known fields, a model name, a stream flag.

    Returns the body without the ``dropped`` identifier fields, the model and the flag.
    """
    check_fields(body, allowed, ())
    model, stream = require_model(body), require_stream_flag(body)
    return drop_fields(body, dropped), model, stream


def require_model(body: Mapping[str, Any]) -> str:
    """The model name, which must look like one.

    Names are ids, optionally with ``/`` between parts (``meta-llama/Llama-3.3-70B``);
    dot segments, percent-encoding, whitespace and backslashes are refused, so that an
    allow-list glob such as ``gpt-4.1*`` can never admit a path such as ``gpt-4.1/../x``.
    """
    model = body.get("model")
    if not isinstance(model, str) or not model:
        raise invalid("model must be a non-empty string")
    if not _MODEL_NAME.fullmatch(model):
        raise invalid("model must be a model name (letters, digits, '.', '-', '_', ':', '@', '/')")
    return model


def require_stream_flag(body: Mapping[str, Any]) -> bool:
    stream = body.get("stream", False)
    if stream is None:
        return False
    if not isinstance(stream, bool):
        raise invalid("stream must be a boolean")
    return stream


def drop_fields(body: dict[str, Any], names: frozenset[str]) -> dict[str, Any]:
    """The body without free-text identifier fields the gateway does not forward."""
    return {key: value for key, value in body.items() if key not in names}
