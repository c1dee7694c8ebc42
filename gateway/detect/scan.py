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

A pattern every match of which contains a digit (a date, a house number, an IBAN) is
tried even less: only at its possible starts at most :func:`digit_reach` characters before
one of the text's digits (:class:`TextDigits`).  One year in a prompt of prose would
otherwise make every such pattern scan the whole prompt.
"""

from __future__ import annotations

import re
import re._constants as sre
import re._parser as sre_parse
from collections.abc import Iterator
from dataclasses import dataclass
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


def window_start(pattern: re.Pattern[str]) -> re.Pattern[str] | None:
    """Like :func:`start_class`, for the short stretches of text before digits, where a
    start at any letter costs little: case-insensitive first characters are allowed, and
    the pattern's leading lookbehind, when it is one class (``(?<![\\w-])``), is kept, so
    that only word starts are tried."""
    if pattern.flags & re.VERBOSE:
        return None
    data = sre_parse.parse(pattern.pattern, pattern.flags).data
    try:
        items, nullable = _first(data)
        caseless = False
    except _Unknown:
        try:
            items, nullable = _first(data, caseless=True)
            caseless = True
        except _Unknown:
            return None
    if nullable or not items:
        return None
    first = "[" + "".join(dict.fromkeys(items)) + "]"
    if caseless and not pattern.flags & re.IGNORECASE:  # the lookbehind keeps the pattern's case
        first = f"(?i:{first})"
    return re.compile(_leading_lookbehind(data) + first, pattern.flags & (re.IGNORECASE | re.ASCII))


def _leading_lookbehind(data: list[tuple[Any, Any]]) -> str:
    """The pattern's first item as regex source when it is a negative lookbehind of one
    class, else "" (a lookbehind is a filter here: leaving it out only tries more starts)."""
    if not data or data[0][0] is not sre.ASSERT_NOT:
        return ""
    direction, inner = data[0][1]
    if direction != -1 or len(inner.data) != 1 or inner.data[0][0] is not sre.IN:
        return ""
    try:
        return "(?<!" + _class(inner.data[0][1]) + ")"
    except _Unknown:
        return ""


def _first(sequence: list[tuple[Any, Any]], caseless: bool = False) -> tuple[list[str], bool]:
    """Class items of the characters a sequence can start with; True when it can be empty.
    With ``caseless``, a case-insensitive group is read too (the caller ignores case)."""
    items: list[str] = []
    for op, av in sequence:
        if op in _ZERO_WIDTH:
            continue
        first, nullable = _first_of(op, av, caseless)
        items += first
        if not nullable:
            return items, False
    return items, True


def _first_of(op: Any, av: Any, caseless: bool) -> tuple[list[str], bool]:
    if op is sre.LITERAL:
        return [re.escape(chr(av))], False
    if op is sre.IN:
        return [_class_item(item_op, item_av) for item_op, item_av in av], False
    if op is sre.SUBPATTERN:
        _group, add_flags, _del_flags, pattern = av
        if add_flags & re.VERBOSE or (add_flags & re.IGNORECASE and not caseless):
            raise _Unknown(op)
        return _first(pattern.data, caseless)
    if op is sre.BRANCH:
        items: list[str] = []
        nullable = False
        for branch in av[1]:
            first, empty = _first(branch.data, caseless)
            items += first
            nullable = nullable or empty
        return items, nullable
    if op in _REPEATS:
        low, _high, pattern = av
        first, empty = _first(pattern.data, caseless)
        return first, empty or low == 0
    if op is sre.ATOMIC_GROUP:
        return _first(av.data, caseless)
    raise _Unknown(op)  # ANY, NOT_LITERAL, group references, conditionals


def _class_item(op: Any, av: Any) -> str:
    if op is sre.LITERAL:
        return re.escape(chr(av))
    if op is sre.RANGE:
        return f"{re.escape(chr(av[0]))}-{re.escape(chr(av[1]))}"
    if op is sre.CATEGORY and av in _CATEGORIES:
        return _CATEGORIES[av]
    raise _Unknown(op)  # NEGATE and the rarer categories


def _class(items: list[tuple[Any, Any]]) -> str:
    """A parsed class (``IN``) as regex source, negated or not."""
    negated = bool(items) and items[0][0] is sre.NEGATE
    body = "".join(_class_item(op, av) for op, av in items[negated:])
    return ("[^" if negated else "[") + body + "]"


# -- Where a match that contains a digit can start ----------------------------------

# A repeat without an upper bound (``\s+``, ``[\w'-]*``) before a match's first digit is
# taken to match at most this many characters; a text with a longer run of what it
# repeats is scanned whole (DigitReach.runs), so no match is ever missed.
LONGEST_RUN = 64
_DIGIT_RUN = re.compile(r"\d+")
# The characters str.split() splits at (str.isspace(); tests/test_detect_digit_windows.py).
WHITESPACE = ("\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005"
              "\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000")
# Past this share of the text in windows before digits, the whole text is scanned.
_DENSE_WINDOWS = 0.5


@dataclass(frozen=True)
class LongRun:
    """A run of more than :data:`LONGEST_RUN` characters of one class."""

    regex: re.Pattern[str]
    # False: the class has no white space, so such a run lies inside one word of the text.
    crosses_whitespace: bool

    @classmethod
    def of(cls, one_character: str) -> LongRun:
        # Case-insensitive: finding more runs only scans more texts whole.
        regex = re.compile(f"{one_character}{{{LONGEST_RUN + 1}}}", re.IGNORECASE)
        return cls(regex, re.search(one_character, WHITESPACE, re.IGNORECASE) is not None)


@dataclass(frozen=True)
class DigitReach:
    """Every match of a pattern has a digit at most ``chars`` characters after its start,
    in texts without any of the ``runs`` (the unbounded repeats before that digit)."""

    chars: int
    runs: tuple[LongRun, ...]


def digit_reach(pattern: re.Pattern[str]) -> DigitReach | None:
    """How far before a digit a match of ``pattern`` can start; None when some match may
    have no digit, or the pattern has a construct this module does not work out (such as
    an unbounded repeat of several characters before the digit).  ``literals.requires_digit``
    only answers whether every match has a digit, which gates a scan; this says where."""
    if pattern.flags & re.VERBOSE:
        return None
    runs: list[str] = []
    try:
        chars = _reach(sre_parse.parse(pattern.pattern, pattern.flags).data, runs)
    except _Unknown:
        return None
    if chars is None:
        return None
    return DigitReach(chars, tuple(LongRun.of(run) for run in dict.fromkeys(runs)))


def _reach(sequence: list[tuple[Any, Any]], runs: list[str]) -> int | None:
    """The largest offset of the first digit every match of ``sequence`` has, or None."""
    before = 0
    for op, av in sequence:
        inner = _reach_of(op, av, runs)
        if inner is not None:
            return before + inner
        before += _width(op, av, runs)
    return None


def _reach_of(op: Any, av: Any, runs: list[str]) -> int | None:
    if op is sre.LITERAL:
        return 0 if _is_digit_item(op, av) else None
    if op is sre.IN:
        return 0 if av and all(_is_digit_item(item_op, item_av) for item_op, item_av in av) else None
    if op is sre.SUBPATTERN:
        return _reach(av[3].data, runs)
    if op is sre.ATOMIC_GROUP:
        return _reach(av.data, runs)
    if op is sre.BRANCH:
        reaches = [_reach(branch.data, runs) for branch in av[1]]
        return None if None in reaches else max(r for r in reaches if r is not None)
    if op in _REPEATS:
        low, _high, pattern = av
        return _reach(pattern.data, runs) if low > 0 else None
    return None


def _is_digit_item(op: Any, av: Any) -> bool:
    if op is sre.LITERAL:
        return chr(av) in "0123456789"
    if op is sre.RANGE:
        return "0" <= chr(av[0]) <= chr(av[1]) <= "9"
    return op is sre.CATEGORY and av is sre.CATEGORY_DIGIT


def _width(op: Any, av: Any, runs: list[str]) -> int:
    """The most characters an item can match (an unbounded run counting LONGEST_RUN)."""
    if op in (sre.LITERAL, sre.NOT_LITERAL, sre.IN, sre.ANY):
        return 1
    if op in _ZERO_WIDTH:
        return 0
    if op is sre.SUBPATTERN:
        return sum(_width(o, a, runs) for o, a in av[3].data)
    if op is sre.ATOMIC_GROUP:
        return sum(_width(o, a, runs) for o, a in av.data)
    if op is sre.BRANCH:
        return max(sum(_width(o, a, runs) for o, a in branch.data) for branch in av[1])
    if op in _REPEATS:
        _low, high, pattern = av
        if high != sre.MAXREPEAT:
            return high * sum(_width(o, a, runs) for o, a in pattern.data)
        runs.append(_one_character(pattern.data))
        return LONGEST_RUN
    raise _Unknown(op)  # group references, conditionals


def _one_character(data: list[tuple[Any, Any]]) -> str:
    """An unbounded repeat's item as a one-character regex (only those are bounded by a LongRun)."""
    if len(data) != 1:
        raise _Unknown(data)
    op, av = data[0]
    if op is sre.LITERAL:
        return re.escape(chr(av))
    if op is sre.IN:
        return _class(av)
    if op is sre.ANY:
        return "."
    raise _Unknown(op)


class TextDigits:
    """The digit runs of one text, and its long runs: worked out once for all the scanners
    of one analysis."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.runs = [m.span() for m in _DIGIT_RUN.finditer(text)]
        self._has_run: dict[LongRun, bool] = {}
        self._long_words: list[str] | None = None
        self._windows: dict[DigitReach, list[tuple[int, int]] | None] = {}  # most reaches are shared

    def has(self, run: LongRun) -> bool:
        """Whether the text has ``run``; a run without white space is only looked for in
        the words longer than LONGEST_RUN (prose has none), not along the whole text."""
        if run not in self._has_run:
            if run.crosses_whitespace:
                found = run.regex.search(self.text) is not None
            else:
                if self._long_words is None:
                    self._long_words = [w for w in self.text.split() if len(w) > LONGEST_RUN]
                found = any(run.regex.search(word) for word in self._long_words)
            self._has_run[run] = found
        return self._has_run[run]

    def windows(self, reach: DigitReach) -> list[tuple[int, int]] | None:
        """The stretches where a match can start (merged, in order), or None when the
        whole text is to be scanned: a run the reach does not cover, or windows dense."""
        if reach not in self._windows:
            self._windows[reach] = self._merged(reach)
        return self._windows[reach]

    def _merged(self, reach: DigitReach) -> list[tuple[int, int]] | None:
        if any(self.has(run) for run in reach.runs):
            return None
        windows: list[tuple[int, int]] = []
        for start, end in self.runs:
            start = max(0, start - reach.chars)
            if windows and start <= windows[-1][1]:
                windows[-1] = (windows[-1][0], end)
            else:
                windows.append((start, end))
        covered = sum(end - start for start, end in windows)
        return None if covered > _DENSE_WINDOWS * len(self.text) else windows


class StartScanner:
    """``finditer`` of one pattern, trying it only where a match can start."""

    def __init__(self, pattern: re.Pattern[str]) -> None:
        self.pattern = pattern
        self._starts = start_class(pattern)
        self._reach = digit_reach(pattern)
        self._window_starts = window_start(pattern) if self._reach is not None else None

    def finditer(self, text: str, digits: TextDigits | None = None) -> Iterator[re.Match[str]]:
        """The matches of ``pattern.finditer(text)``; with the text's ``digits``, a pattern
        that needs a digit is only tried before them."""
        if digits is not None and digits.text is text and self._reach is not None \
                and self._window_starts is not None:
            windows = digits.windows(self._reach)
            if windows is not None:
                yield from self._in_windows(text, windows, self._window_starts)
                return
        yield from self._everywhere(text)

    def _in_windows(self, text: str, windows: list[tuple[int, int]], starts: re.Pattern[str]
                    ) -> Iterator[re.Match[str]]:
        pos = 0
        for begin, end in windows:
            pos = max(pos, begin)
            # ``starts`` matches one character: ``end`` only bounds where that character is
            # (its lookbehind still sees the text before ``pos``).
            while (start := starts.search(text, pos, end)) is not None:
                match = self.pattern.match(text, start.start())
                if match is None:
                    pos = start.start() + 1
                else:
                    yield match
                    pos = match.end()  # never empty: it has a digit

    def _everywhere(self, text: str) -> Iterator[re.Match[str]]:
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
