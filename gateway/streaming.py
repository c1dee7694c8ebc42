"""Server-sent events: incremental decoding of the provider's stream and re-encoding.

The wire formats relay a stream event by event (never the whole answer at once), so
the decoder is incremental: it takes whatever bytes the provider sent so far and
returns the events that are complete.  Text is decoded with an incremental UTF-8
decoder because a network chunk may end in the middle of a multi-byte character.
"""

from __future__ import annotations

import codecs
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from gateway.core import Restorer, StreamRestorer


@dataclass
class SSEEvent:
    """One event: an optional ``event:`` name and its ``data:`` payload."""

    data: str
    event: str | None = None

    def json(self) -> Any:
        """The data as JSON, or None when it is not JSON (e.g. OpenAI's ``[DONE]``)."""
        try:
            return json.loads(self.data)
        except ValueError:
            return None

    def encode(self) -> bytes:
        head = f"event: {self.event}\n" if self.event else ""
        lines = "".join(f"data: {line}\n" for line in self.data.split("\n"))
        return (head + lines + "\n").encode("utf-8")


def json_event(obj: Any, event: str | None = None) -> SSEEvent:
    """An event whose data is ``obj`` as compact JSON (non-ASCII kept as is)."""
    return SSEEvent(data=json.dumps(obj, ensure_ascii=False, separators=(",", ":")), event=event)


class SSEDecoder:
    """Turns a byte stream into SSE events (WHATWG event-stream parsing rules).

    Lines are found with one compiled regex and a moving index, and the unparsed rest
    is cut off once per chunk: a provider may send a whole answer's events in one
    network chunk, and the first of them should leave the gateway without waiting for
    per-character work on the rest.
    """

    def __init__(self) -> None:
        self._text = codecs.getincrementaldecoder("utf-8")(errors="strict")
        self._buffer = ""
        self._event: str | None = None
        self._data: list[str] = []
        self._carriage_returns = False  # seen once: skim parses every line from then on

    def feed(self, chunk: bytes) -> list[SSEEvent]:
        return self.feed_text(self._text.decode(chunk))

    def feed_text(self, text: str) -> list[SSEEvent]:
        buffer = self._buffer + text
        events: list[SSEEvent] = []
        start = 0
        for match in LINE_BREAK.finditer(buffer):
            if match.group() == "\r" and match.end() == len(buffer):
                break  # may be the first half of \r\n: wait for the next chunk
            event = self._line(buffer[start:match.start()])
            if event is not None:
                events.append(event)
            start = match.end()
        self._buffer = buffer[start:]
        return events

    def skim(self, chunk: bytes, needle: str) -> list[SSEEvent]:
        """Like :meth:`feed`, but only the events whose lines contain ``needle`` are parsed
        and returned; the others are skipped whole.

        For a stream relayed as it came, where the gateway only reads one kind of event
        (the token usage): finding event boundaries with ``str.rfind`` and ``in`` (C) instead
        of parsing every line costs a fraction per event, and an answer has hundreds.  The
        bytes are still decoded as UTF-8 (invalid UTF-8 still raises).  Events end at a
        blank line; once a stream uses CR line breaks, every chunk is parsed line by line.
        """
        text = self._text.decode(chunk)
        if self._carriage_returns or "\r" in text:
            self._carriage_returns = True
            return [e for e in self.feed_text(text) if needle in e.data or needle in (e.event or "")]
        buffer = self._buffer + text  # unparsed: skim leaves no half-parsed event behind
        end = buffer.rfind("\n\n")
        if end < 0:
            self._buffer = buffer
            return []
        complete, self._buffer = buffer[:end + 2], buffer[end + 2:]
        if needle not in complete:
            return []
        events = []
        for block in complete.split("\n\n"):
            if needle in block:
                events += [e for line in [*block.split("\n"), ""] if (e := self._line(line)) is not None]
        return events

    def close(self) -> list[SSEEvent]:
        """Events left when the stream ends without a final blank line."""
        rest = self._buffer + self._text.decode(b"", final=True)
        self._buffer = ""
        lines = LINE_BREAK.split(rest.removesuffix("\r")) if rest else []
        events = [self._line(line) for line in [*lines, ""]]
        return [e for e in events if e is not None]

    def _line(self, line: str) -> SSEEvent | None:
        if line == "":
            if not self._data:
                self._event = None
                return None
            event = SSEEvent(data="\n".join(self._data), event=self._event)
            self._event, self._data = None, []
            return event
        if line.startswith(":"):
            return None
        name, _, value = line.partition(":")
        value = value.removeprefix(" ")
        if name == "event":
            self._event = value
        elif name == "data":
            self._data.append(value)
        return None


# An SSE line ends with CRLF, CR or LF.
LINE_BREAK = re.compile(r"\r\n|\r|\n")


class KeyedRestorers:
    """One stream restorer per content stream (choice, content block, output item...).

    A surrogate can only be split across deltas of the same stream, so each stream gets
    its own restorer; ``flush`` releases what a restorer held back when its stream ends.
    """

    def __init__(self, restorer: Restorer) -> None:
        self._restorer = restorer
        self._open: dict[Any, StreamRestorer] = {}

    def feed(self, key: Any, text: str, raw_json: bool = False) -> str:
        """Restored text of one stream; ``raw_json`` for streamed JSON documents."""
        stream = self._open.get(key)
        if stream is None:
            opener = self._restorer.json_stream if raw_json else self._restorer.stream
            stream = self._open[key] = opener()
        return stream.feed(text)

    def flush(self, key: Any) -> str:
        stream = self._open.pop(key, None)
        return stream.flush() if stream is not None else ""

    def flush_where(self, match: Callable[[Any], bool]) -> dict[Any, str]:
        """Flush every open stream whose key matches; returns the non-empty tails."""
        tails = {key: self.flush(key) for key in [k for k in self._open if match(k)]}
        return {key: tail for key, tail in tails.items() if tail}
