"""Accent- and case-folded views of a text that keep a map back to the original offsets.

Lexicons are written in plain lowercase without accents ("diabetique", "zwanger"), so a
text is folded the same way before matching.  Invisible characters (zero-width spaces,
soft hyphens copied from PDFs) are dropped so they cannot split a word and hide it; the
offset map lets every match be reported on the original text.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import cached_property, lru_cache

_INVISIBLE = {"\u00ad", "\u200b", "\u200c", "\u200d", "\u2060", "\ufeff"}
_WORD = re.compile(r"\w+")
_SENTENCE_END = re.compile(r"(?<=[.!?;])\s+|\n+")


@lru_cache(maxsize=4096)
def _fold_char(char: str) -> str:
    """One character without its diacritics (NFKD, combining marks dropped)."""
    if char in _INVISIBLE:
        return ""
    decomposed = unicodedata.normalize("NFKD", char)
    base = "".join(c for c in decomposed if not unicodedata.combining(c))
    return base[:1] if base else ""


@dataclass(frozen=True)
class FoldedText:
    """``cased`` keeps letter case, ``lower`` is casefolded; both share ``offsets``.

    ``offsets[i]`` is the index in the original text of folded character ``i``; one
    extra entry maps the end of the text.
    """

    cased: str
    lower: str
    offsets: tuple[int, ...]

    def span(self, start: int, end: int) -> tuple[int, int]:
        """Map a folded span back to the original text."""
        return self.offsets[start], self.offsets[end - 1] + 1 if end > start else self.offsets[start]

    @cached_property
    def words(self) -> tuple[tuple[int, int], ...]:
        """Spans of the word tokens (runs of letters, digits, underscores)."""
        return tuple(m.span() for m in _WORD.finditer(self.lower))

    def slice(self, start: int, end: int) -> FoldedText:
        """The folded text between two folded offsets (for per-sentence checks)."""
        return FoldedText(self.cased[start:end], self.lower[start:end], self.offsets[start : end + 1])


def fold(text: str) -> FoldedText:
    """Fold ``text`` (see the module docstring)."""
    chars: list[str] = []
    offsets: list[int] = []
    for index, char in enumerate(text):
        folded = _fold_char(char)
        if folded:
            chars.append(folded)
            offsets.append(index)
    offsets.append(len(text))
    cased = "".join(chars)
    lower = "".join(c.lower()[:1] or c for c in chars)
    return FoldedText(cased=cased, lower=lower, offsets=tuple(offsets))


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """Sentence-like spans of ``text``: split after . ! ? ; and at line breaks."""
    spans: list[tuple[int, int]] = []
    start = 0
    for match in _SENTENCE_END.finditer(text):
        if match.start() > start:
            spans.append((start, match.start()))
        start = match.end()
    if start < len(text):
        spans.append((start, len(text)))
    return spans
