"""``finditer`` that only tries the positions where a match can start.

Python's ``re`` scans fast (in C) to the next possible start only when a pattern begins
with a literal or a character class.  Our patterns begin with a lookbehind ("(?<![\\w-])"),
so the engine tries them at every character: 30-40 ns each, for each of twenty patterns,
on every prompt.  Most of them can only start at a digit ("\\d{2}[. -]?...") or a capital.
:class:`StartScanner` finds those positions with a class regex the engine scans in C and
tries the pattern there with ``pattern.match(text, pos)``, which sees the text before
``pos`` as the full scan does: the matches are exactly those of ``pattern.finditer``.

Where a pattern's first character is not known (a case-insensitive start, ``.``, a negated
class, a match that may be empty) or is any lower-case letter, the scanner just runs
``finditer``.  When start positions
turn out to be dense (a table of numbers), it hands the rest of the text to ``finditer``
too, so it is never much slower.

A pattern that can start at any word but only matches around a rare word (an address
written "jan (at) example (dot) be") gets an :class:`AnchoredScanner` instead: its rule
names that word (``anchor``) and how to step back from it to where the match starts.
"""

from __future__ import annotations

import re
import re._constants as sre
import re._parser as sre_parse
from collections.abc import Iterator
from typing import Any

_CATEGORIES = {
    sre.CATEGORY_DIGIT: r"\d", sre.CATEGORY_NOT_DIGIT: r"\D",
    sre.CATEGORY_SPACE: r"\s", sre.CATEGORY_NOT_SPACE: r"\S",
    sre.CATEGORY_WORD: r"\w", sre.CATEGORY_NOT_WORD: r"\W",
}
_ZERO_WIDTH = (sre.AT, sre.ASSERT, sre.ASSERT_NOT)
_REPEATS = (sre.MAX_REPEAT, sre.MIN_REPEAT, sre.POSSESSIVE_REPEAT)
# Past one tried start per this many characters, the rest of the text goes to finditer.
_DENSE = 16
_PROSE_LETTERS = "etaoinshrdlu"
_MIN_TRIES = 16


class _Unknown(Exception):
    """A construct whose first character this module does not work out."""


def start_class(pattern: re.Pattern[str]) -> re.Pattern[str] | None:
    """A one-class regex matching every character a match of ``pattern`` can start with,
    or None when that is not known (see the module docstring)."""
    if pattern.flags & (re.IGNORECASE | re.VERBOSE):
        return None
    try:
        items, nullable = _first(sre_parse.parse(pattern.pattern, pattern.flags).data)
    except _Unknown:
        return None
    if nullable or not items:
        return None
    starts = re.compile("[" + "".join(dict.fromkeys(items)) + "]", pattern.flags & re.ASCII)
    # Starting at any lower-case letter, the pattern starts almost anywhere in prose.
    return None if starts.search(_PROSE_LETTERS) else starts


def _first(sequence: list[tuple[Any, Any]]) -> tuple[list[str], bool]:
    """Class items of the characters a sequence can start with; True when it can be empty."""
    items: list[str] = []
    for op, av in sequence:
        if op in _ZERO_WIDTH:
            continue
        first, nullable = _first_of(op, av)
        items += first
        if not nullable:
            return items, False
    return items, True


def _first_of(op: Any, av: Any) -> tuple[list[str], bool]:
    if op is sre.LITERAL:
        return [re.escape(chr(av))], False
    if op is sre.IN:
        return [_class_item(item_op, item_av) for item_op, item_av in av], False
    if op is sre.SUBPATTERN:
        _group, add_flags, _del_flags, pattern = av
        if add_flags & (re.IGNORECASE | re.VERBOSE):
            raise _Unknown(op)
        return _first(pattern.data)
    if op is sre.BRANCH:
        items: list[str] = []
        nullable = False
        for branch in av[1]:
            first, empty = _first(branch.data)
            items += first
            nullable = nullable or empty
        return items, nullable
    if op in _REPEATS:
        low, _high, pattern = av
        first, empty = _first(pattern.data)
        return first, empty or low == 0
    if op is sre.ATOMIC_GROUP:
        return _first(av.data)
    raise _Unknown(op)  # ANY, NOT_LITERAL, group references, conditionals


def _class_item(op: Any, av: Any) -> str:
    if op is sre.LITERAL:
        return re.escape(chr(av))
    if op is sre.RANGE:
        return f"{re.escape(chr(av[0]))}-{re.escape(chr(av[1]))}"
    if op is sre.CATEGORY and av in _CATEGORIES:
        return _CATEGORIES[av]
    raise _Unknown(op)  # NEGATE and the rarer categories


class StartScanner:
    """``finditer`` of one pattern, trying it only where a match can start."""

    def __init__(self, pattern: re.Pattern[str]) -> None:
        self.pattern = pattern
        self._starts = start_class(pattern)

    def finditer(self, text: str) -> Iterator[re.Match[str]]:
        if self._starts is None:
            yield from self.pattern.finditer(text)
            return
        budget = len(text) // _DENSE + _MIN_TRIES
        pos = 0
        while (start := self._starts.search(text, pos)) is not None:
            budget -= 1
            if budget < 0:
                yield from self.pattern.finditer(text, start.start())
                return
            match = self.pattern.match(text, start.start())
            if match is None:
                pos = start.start() + 1
            else:
                yield match
                pos = match.end()  # never empty: an empty match has no first character


class AnchoredScanner:
    """``finditer`` of one pattern, trying it only where a step back from an anchor leads.

    For a pattern such as the obfuscated e-mail address, which can start at any word
    (case-insensitive, so :class:`StartScanner` does not help) but needs an "at" word in
    every match.  ``find`` finds those anchors (rare in prose); ``back`` is matched on the
    reversed text from each anchor's start, so its parts come in the order met when
    stepping back (white space, a bracket, then the address's run of characters), and the
    candidate start is where it stops.  The rule's promise, checked by the tests against
    ``finditer``: every match starts at the candidate of one of its anchors.  The pattern
    is then tried only at the candidates, in order, exactly as ``finditer`` would reach them.
    """

    def __init__(self, pattern: re.Pattern[str], find: str, back: str) -> None:
        self.pattern = pattern
        self._find = re.compile(find, pattern.flags)
        self._back = re.compile(back, pattern.flags)

    def candidates(self, text: str) -> list[int]:
        """The sorted distinct positions where a match may start (the reversed text is only
        built when there is an anchor, which most texts lack)."""
        anchors = [hit.start() for hit in self._find.finditer(text)]
        if not anchors:
            return []
        backwards = text[::-1]
        end = len(text)
        starts = set()
        for anchor in anchors:
            step = self._back.match(backwards, end - anchor)
            starts.add(anchor if step is None else anchor - (step.end() - step.start()))
        return sorted(starts)

    def finditer(self, text: str) -> Iterator[re.Match[str]]:
        pos = 0
        for start in self.candidates(text):
            if start < pos:
                continue  # inside the previous match, where finditer does not try either
            match = self.pattern.match(text, start)
            if match is None:
                continue
            if match.end() == start:  # an empty match: finditer's own rules from here on
                yield from self.pattern.finditer(text, start)
                return
            yield match
            pos = match.end()
