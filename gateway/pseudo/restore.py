"""Putting the real values back into answers, whole or streamed.

A :class:`Vault` holds, for one request only, every way a surrogate it introduced may
come back (the surrogate itself, other case styles, a name word alone, a number in
another spacing) with the original text written the same way. Restoration is one
left-to-right pass over literal forms, leftmost and longest first, each bounded so
it is not glued to a letter or digit: restored text is never scanned again, and text
that is not a surrogate is never touched ("Karels" is not "Karel").

:class:`VaultStream` applies the very same pass to a stream. It emits everything that
no surrogate form could still claim and holds back only the longest buffer suffix
that is a prefix of some form (a complete form included: a longer one might still
extend it, or a following letter glue it). The output is therefore identical however
the answer is chunked, and a surrogate split over any number of chunks (one
character each, even) is restored.
"""

from __future__ import annotations

import json
from collections.abc import Mapping

from gateway.pseudo.text import ALNUM, Literals


class Vault:
    """The restorer of one request (``core.Restorer``); holds values for that request only."""

    def __init__(self, forms: Mapping[str, str]) -> None:
        """``forms`` maps every restorable surrogate form to its original text."""
        self.forms = dict(forms)
        self.literals = Literals(self.forms)
        self._prefixes = {v[:i] for v in self.forms for i in range(1, len(v) + 1)}
        self._initials = frozenset(v[0] for v in self.forms if v)
        self._longest = max((len(v) for v in self.forms), default=0)

    def __len__(self) -> int:
        return len(self.forms)

    def restore(self, text: str) -> str:
        return self.literals.replace(text, self.forms) if self.forms else text

    def restore_json(self, value: object) -> object:
        """Every string inside a decoded JSON value restored (tool-call arguments)."""
        if isinstance(value, str):
            return self.restore(value)
        if isinstance(value, list):
            return [self.restore_json(v) for v in value]
        if isinstance(value, dict):
            return {self.restore(k): self.restore_json(v) for k, v in value.items()}
        return value

    def stream(self) -> VaultStream:
        return VaultStream(self)

    def json_stream(self) -> VaultStream:
        """For raw JSON text streamed piece by piece (tool-call argument deltas).

        Surrogates never contain a character JSON escapes, so they appear verbatim in
        the raw text; the originals are inserted JSON-escaped so the result stays valid.
        """
        escaped = {v: json.dumps(o, ensure_ascii=False)[1:-1] for v, o in self.forms.items()}
        return VaultStream(Vault(escaped))

    def hold_from(self, buffer: str, start: int) -> int:
        """Smallest index >= start whose suffix could still become (part of) a match."""
        for i in range(max(start, len(buffer) - self._longest), len(buffer)):
            # Cheapest test first: a streamed event is checked at every position of its tail.
            if buffer[i] not in self._initials or buffer[i:] not in self._prefixes:
                continue
            if not (i > 0 and ALNUM.match(buffer[i]) and ALNUM.match(buffer[i - 1])):  # not glued
                return i
        return len(buffer)


class VaultStream:
    """``core.StreamRestorer`` over a :class:`Vault`."""

    def __init__(self, vault: Vault) -> None:
        self._vault = vault
        self._buffer = ""  # once something was emitted, buffer[0] is its last character
        self._start = 0

    def feed(self, chunk: str) -> str:
        return self._drain(self._buffer + chunk, final=False) if self._vault.forms else chunk

    def flush(self) -> str:
        out = self._drain(self._buffer, final=True) if self._vault.forms else ""
        self._buffer, self._start = "", 0
        return out

    def _drain(self, buffer: str, final: bool) -> str:
        """Restore and emit ``buffer`` from ``self._start`` up to what may still change."""
        hold = len(buffer) if final else self._vault.hold_from(buffer, self._start)
        out: list[str] = []
        pos = self._start
        for start, end, literal in self._vault.literals.matches(buffer, pos):
            if start >= hold:
                break
            out += [buffer[pos:start], self._vault.forms[literal]]
            pos = end
        if pos < hold:
            out.append(buffer[pos:hold])
            pos = hold
        self._buffer, self._start = (buffer[pos - 1:], 1) if pos > 0 else (buffer, 0)
        return "".join(out)
