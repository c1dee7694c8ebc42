"""Cue words: does one of a list of words occur shortly before a position?

Words match case-insensitively as whole words; a trailing ``*`` in the rules makes a word
a prefix ("paspoort*" also matches "paspoortnummer").  Punctuation-only cues such as "°"
match anywhere.
"""

from __future__ import annotations

import re


def cue_regex(words: list[str]) -> re.Pattern[str] | None:
    """One alternation for all words, longest first; None for an empty list."""
    parts = []
    for word in sorted(set(words), key=len, reverse=True):
        prefix = word.endswith("*")
        body = re.escape(word.rstrip("*")).replace(r"\ ", r"\s+")
        left = r"(?<![^\W_])" if word[:1].isalnum() else ""
        right = "" if prefix or not word.rstrip("*")[-1:].isalnum() else r"(?![^\W_])"
        parts.append(left + body + right)
    if not parts:
        return None
    return re.compile("|".join(parts), re.IGNORECASE)


class CueMatcher:
    """Finds a cue word within ``window`` characters before a position."""

    def __init__(self, words: list[str], window: int) -> None:
        self._regex = cue_regex(words)
        self.window = window

    def before(self, text: str, pos: int) -> bool:
        if self._regex is None:
            return False
        return self._regex.search(text, max(0, pos - self.window), pos) is not None

    def after(self, text: str, pos: int) -> bool:
        """A cue word within ``window`` characters after ``pos``."""
        if self._regex is None:
            return False
        return self._regex.search(text, pos, pos + self.window) is not None
