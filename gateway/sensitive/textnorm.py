"""Accent- and case-folded views of a text that keep a map back to the original offsets.

Lexicons are written in plain lowercase without accents ("diabetique", "zwanger"), so a
text is folded the same way before matching.  Invisible characters (zero-width spaces,
soft hyphens copied from PDFs) are dropped so they cannot split a word and hide it; the
offset map lets every match be reported on the original text.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property, lru_cache

from gateway.core import Finding
from gateway.detect.literals import Vocabulary

_INVISIBLE = {"\u00ad", "\u200b", "\u200c", "\u200d", "\u2060", "\ufeff"}
_NON_ASCII = re.compile(r"[^\x00-\x7f]")
_CAPITAL_SIGMA = "\u03a3"
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
    offsets: Sequence[int]

    def span(self, start: int, end: int) -> tuple[int, int]:
        """Map a folded span back to the original text."""
        return self.offsets[start], self.offsets[end - 1] + 1 if end > start else self.offsets[start]

    def finding(self, original: str, start: int, end: int, *, segment: int, language: str,
                entity_type: str, score: float, rule_id: str) -> Finding:
        """A Finding for a folded span, with offsets and value in the original text."""
        o_start, o_end = self.span(start, end)
        return Finding(segment=segment, start=o_start, end=o_end, entity_type=entity_type, score=score,
                       rule_id=rule_id, value=original[o_start:o_end], language=language)

    @cached_property
    def memo(self) -> dict[object, object]:
        """Results worked out once per text by several checks (see patterns.PhraseBook),
        keyed by whoever worked them out."""
        return {}

    @cached_property
    def lower_vocabulary(self) -> Vocabulary:
        """The distinct words of ``lower``: word lists look each up once."""
        return Vocabulary(self.lower)

    @cached_property
    def cased_vocabulary(self) -> Vocabulary:
        """The distinct words of ``cased``.  Lowering a character never changes whether it
        is a word character (tests/test_sensitive_speed.py): both texts have the same words."""
        return Vocabulary(self.cased)

    def word_spans(self, word: str, cased: bool = False) -> list[tuple[int, int]]:
        """Spans of ``word`` (a run of word characters) where it is a whole word, in order."""
        text = self.cased if cased else self.lower
        spans = []
        start = text.find(word)
        while start >= 0:
            end = start + len(word)
            if not _is_word_char(text, start - 1) and not _is_word_char(text, end):
                spans.append((start, end))
            start = text.find(word, start + 1)
        return spans

    def slice(self, start: int, end: int) -> FoldedText:
        """The folded text between two folded offsets (for per-sentence checks)."""
        return FoldedText(self.cased[start:end], self.lower[start:end], self.offsets[start : end + 1])


def _is_word_char(text: str, index: int) -> bool:
    """True when ``text[index]`` exists and is a word character (``\\w``: alphanumeric or _)."""
    if index < 0 or index >= len(text):
        return False
    char = text[index]
    return char.isalnum() or char == "_"


def fold(text: str) -> FoldedText:
    """Fold ``text`` (see the module docstring).

    Per distinct character, not per character: ASCII folds to itself and a prompt has
    a few dozen distinct other characters.  Only a text with characters that fold to
    nothing (invisible ones, stray combining marks) needs a new offset map.
    """
    folded = {c: _fold_char(c) for c in set(_NON_ASCII.findall(text))}
    if all(folded.values()):
        cased = _replace(text, folded)
        offsets: Sequence[int] = range(len(text) + 1)
    else:
        kept = [i for i, c in enumerate(text) if folded.get(c, c)]
        cased = "".join(folded.get(text[i], text[i]) for i in kept)
        offsets = (*kept, len(text))
    distinct = {f for c, f in folded.items() if f}
    return FoldedText(cased=cased, lower=_lower(cased, distinct), offsets=offsets)


def lower_like_text(word: str) -> str:
    """``word`` lowered the way :func:`fold` lowers a text that contains it: a word of a
    folded ``cased`` text is, at the same place, this word of its ``lower`` text."""
    return _lower(word, set(_NON_ASCII.findall(word)))


def _replace(text: str, mapping: dict[str, str]) -> str:
    """``text`` with characters replaced by single characters (one C pass per character)."""
    changed = {c: f for c, f in mapping.items() if f != c}
    if not changed.keys().isdisjoint(changed.values()):  # chained ("ẛ" -> "ſ", "ſ" -> "s")
        return text.translate({ord(c): f for c, f in changed.items()})
    for char, replacement in changed.items():
        text = text.replace(char, replacement)
    return text


def _lower(cased: str, non_ascii: set[str]) -> str:
    """Each character lower-cased on its own to one character, so the offsets still hold.

    str.lower() does that except for characters whose lower case is longer ("İ") and for
    the capital sigma (it depends on the next letter); those are replaced first.
    """
    special = {c: c.lower()[:1] or c for c in non_ascii if len(c.lower()) != 1 or c == _CAPITAL_SIGMA}
    return _replace(cased, special).lower()


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
