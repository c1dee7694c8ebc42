"""Evasion-robust normalisation with an offset map back to the original text.

Detectors run on a cleaned copy of each text: NFKC (fullwidth letters and digits, ligatures),
no zero-width or soft-hyphen characters, Cyrillic/Greek look-alike letters folded to Latin,
spaced-out digits and letters collapsed ("0 4 7 6 ..." -> "0476...", "J a n  P e e t e r s"
-> "Jan Peeters").  Every normalised character remembers the span of original characters it
came from, so a finding on the clean copy is mapped back to a span that covers every original
character of the value, including the invisible ones inside it.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

# Cyrillic and Greek letters that render like Latin ones (both cases).
_CONFUSABLES = {
    "а": "a", "е": "e", "о": "o", "с": "c", "р": "p", "х": "x", "у": "y", "і": "i", "ј": "j",
    "ѕ": "s", "һ": "h", "ԁ": "d", "ӏ": "l", "А": "A", "В": "B", "Е": "E", "К": "K", "М": "M",
    "Н": "H", "О": "O", "Р": "P", "С": "C", "Т": "T", "Х": "X", "У": "Y", "І": "I", "Ј": "J",
    "Ѕ": "S", "ο": "o", "α": "a", "ι": "i", "κ": "k", "ν": "v", "ρ": "p", "υ": "u", "Α": "A",
    "Β": "B", "Ε": "E", "Ζ": "Z", "Η": "H", "Ι": "I", "Κ": "K", "Μ": "M", "Ν": "N", "Ο": "O",
    "Ρ": "P", "Τ": "T", "Υ": "Y", "Χ": "X",
}

# A run of >= 4 single characters separated by single spaces: "0 4 7 6", "J a n P e e t e r s".
# Word gaps inside a spaced-out run are two or more spaces, or a case change (see _collapse).
_SPACED_RUN = re.compile(r"(?<![^\W_])[^\W_](?: {1,3}[^\W_]){3,}(?![^\W_])")
# In every spaced-out run: its second and third characters, each a space before and after.
# A regex that starts with a literal is scanned for in C, a tenth of _SPACED_RUN's cost on
# prose, where almost no text has such a pair.
_SPACED_PAIR = re.compile(r" [^\W_] {1,3}[^\W_](?![^\W_])")


@dataclass(frozen=True)
class NormalizedText:
    """A cleaned text plus, for each of its characters, the original span it came from."""

    original: str
    text: str
    starts: Sequence[int]
    ends: Sequence[int]

    def to_original(self, start: int, end: int) -> tuple[int, int]:
        """Map a span of the normalised text to the span of the original it covers."""
        if end <= start:
            pos = self.starts[start] if start < len(self.starts) else len(self.original)
            return pos, pos
        return self.starts[start], self.ends[end - 1]


_NON_ASCII = re.compile(r"[^\x00-\x7f]")


def _is_removable(ch: str) -> bool:
    """Format characters (zero-width space/joiners, soft hyphen, BOM) carry no content."""
    return unicodedata.category(ch) == "Cf"


def _clusters(text: str) -> list[tuple[int, int]]:
    """Base character plus its combining marks: NFKC must see them together."""
    out: list[tuple[int, int]] = []
    i = 0
    while i < len(text):
        j = i + 1
        while j < len(text) and unicodedata.combining(text[j]):
            j += 1
        out.append((i, j))
        i = j
    return out


def _is_clean(text: str) -> bool:
    """NFKC already, and no format character or look-alike letter (none is ASCII: only the
    distinct other characters are looked at)."""
    return unicodedata.is_normalized("NFKC", text) and not any(
        _is_removable(c) or c in _CONFUSABLES for c in set(_NON_ASCII.findall(text)))


def _clean(text: str) -> tuple[list[str], list[int], list[int]]:
    chars: list[str] = []
    starts: list[int] = []
    ends: list[int] = []
    for i, j in _clusters(text):
        if j - i == 1 and _is_removable(text[i]):
            continue
        piece = unicodedata.normalize("NFKC", text[i:j])
        for ch in piece:
            if _is_removable(ch):
                continue
            chars.append(_CONFUSABLES.get(ch, ch))
            starts.append(i)
            ends.append(j)
    return chars, starts, ends


def _collapse_keep(run: str) -> list[bool]:
    """Which characters of a spaced-out run to keep: drop the single spaces between letters,
    keep one space where a word ends (wider gap, or a lower-case letter before a capital)."""
    keep = [True] * len(run)
    i = 0
    while i < len(run):
        if run[i] != " ":
            i += 1
            continue
        j = i
        while j < len(run) and run[j] == " ":
            j += 1
        word_gap = (j - i) > 1 or (run[i - 1].islower() and run[j].isupper())
        for k in range(i, j):
            keep[k] = word_gap and k == i
        i = j
    return keep


def has_spaced_run(text: str) -> bool:
    """``_SPACED_RUN.search(text)``, settled by _SPACED_PAIR for most texts."""
    return _SPACED_PAIR.search(text) is not None and _SPACED_RUN.search(text) is not None


def normalize(text: str) -> NormalizedText:
    """Normalise ``text`` for detection; see the module docstring for what changes."""
    if _is_clean(text) and not has_spaced_run(text):
        return NormalizedText(text, text, range(len(text)), range(1, len(text) + 1))
    chars, starts, ends = _clean(text)
    cleaned = "".join(chars)
    keep = [True] * len(cleaned)
    for m in _SPACED_RUN.finditer(cleaned):
        for offset, flag in enumerate(_collapse_keep(m.group())):
            keep[m.start() + offset] = flag
    idx = [i for i, flag in enumerate(keep) if flag]
    return NormalizedText(
        original=text,
        text="".join(cleaned[i] for i in idx),
        starts=tuple(starts[i] for i in idx),
        ends=tuple(ends[i] for i in idx),
    )
