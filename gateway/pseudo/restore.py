"""Putting the real values back into answers, whole or streamed.

A :class:`Vault` holds, for one request only, every way a surrogate it introduced may
come back (the surrogate itself, other case styles, a name word alone, a number in
another spacing) with the original text written the same way. Restoration is one
left-to-right pass of a single regex over literal alternatives, longest first, each
bounded so it is not glued to a letter or digit: restored text is never scanned
again, and text that is not a surrogate is never touched ("Karels" is not "Karel").

:class:`VaultStream` applies the very same pass to a stream. It emits everything that
no surrogate variant could still claim and holds back only the longest buffer
suffix that is a prefix of some variant (or a complete variant that a longer one
might still extend, or a following letter might un-bound). The output is therefore
identical however the answer is chunked, and a surrogate split over any number of
chunks (one character each, even) is restored.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping

from gateway.pseudo.text import ALNUM

_NOT_ALNUM_BEFORE = r"(?<![^\W_])"
_NOT_ALNUM_AFTER = r"(?![^\W_])"


def _alternative(variant: str) -> str:
    left = _NOT_ALNUM_BEFORE if ALNUM.match(variant[0]) else ""
    right = _NOT_ALNUM_AFTER if ALNUM.match(variant[-1]) else ""
    return left + re.escape(variant) + right


class Vault:
    """The restorer of one request (``core.Restorer``); holds values for that request only."""

    def __init__(self, variants: Mapping[str, str]) -> None:
        """``variants`` maps every restorable surrogate form to its original text."""
        self._variants = dict(variants)
        ordered = sorted(self._variants, key=lambda v: (-len(v), v))
        self._pattern = re.compile("|".join(_alternative(v) for v in ordered)) if ordered else None
        self._prefixes = {v[:i] for v in ordered for i in range(1, len(v) + 1)}
        self._longest = max((len(v) for v in ordered), default=0)

    def __len__(self) -> int:
        return len(self._variants)

    def restore(self, text: str) -> str:
        if self._pattern is None:
            return text
        return self._pattern.sub(lambda m: self._variants[m.group()], text)

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
        escaped = {v: json.dumps(o, ensure_ascii=False)[1:-1] for v, o in self._variants.items()}
        return VaultStream(Vault(escaped))

    # -- used by VaultStream -------------------------------------------------------

    def _hold_from(self, buffer: str, start: int) -> int:
        """Smallest index >= start whose suffix could still become (part of) a match."""
        for i in range(max(start, len(buffer) - self._longest), len(buffer)):
            if buffer[i:] in self._prefixes and not (
                i > 0 and ALNUM.match(buffer[i]) and ALNUM.match(buffer[i - 1])
            ):
                return i
        return len(buffer)


class VaultStream:
    """``core.StreamRestorer`` over a :class:`Vault`."""

    def __init__(self, vault: Vault) -> None:
        self._vault = vault
        self._buffer = ""  # buffer[0] is the last emitted character (context) once one exists
        self._start = 0

    def feed(self, chunk: str) -> str:
        if self._vault._pattern is None:
            return chunk
        return self._drain(self._buffer + chunk, final=False)

    def flush(self) -> str:
        if self._vault._pattern is None:
            return ""
        out = self._drain(self._buffer, final=True)
        self._buffer, self._start = "", 0
        return out

    def _drain(self, buffer: str, final: bool) -> str:
        """Restore and emit ``buffer`` from ``self._start`` up to what may still change."""
        pattern, variants = self._vault._pattern, self._vault._variants
        assert pattern is not None
        out: list[str] = []
        pos = self._start
        while True:
            hold = len(buffer) if final else self._vault._hold_from(buffer, pos)
            match = pattern.search(buffer, pos)
            if match is None or match.start() >= hold:
                out.append(buffer[pos:hold])
                pos = hold
                break
            out += [buffer[pos:match.start()], variants[match.group()]]
            pos = match.end()
        self._buffer, self._start = (buffer[pos - 1:], 1) if pos > 0 else (buffer, 0)
        return "".join(out)
