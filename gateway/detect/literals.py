"""What every match of a regex must contain: a cheap test that can skip the scan.

The rule files compile to a few hundred regexes ("burn out", "(knie|heup)operatie\\w*",
"\\w+(se|e) (afkomst|origine)", number and plate shapes), and each one scanning a
2,000-word prompt costs tens of microseconds to a millisecond.  Almost none of them can
match a given prompt, and ``literal in text`` (a C substring search) or "is there a
digit at all" proves that far faster.  The regex still runs whenever the test passes, so
what is found never changes.

Only the common regex syntax is understood; anything else (flags, numeric escapes) gives
no literal, which just means the regex always runs.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Hashable, Iterable
from functools import cached_property
from typing import Generic, TypeVar

from ahocorasick_rs import MATCHKIND_STANDARD, AhoCorasick

# Escapes that stand for a class or a position, never for one literal character.
_CLASS_ESCAPES = frozenset("wdsWDSbBAZ")
_QUANTIFIERS = "?*+{"
_NON_LITERAL = ".^$"
_DIGITS = "0123456789"
_MAX_CLAUSES = 3
_ANY_DIGIT = re.compile(r"\d")
_DIGIT_CLASS = re.compile(r"\\d|\[(?:\d-\d|\d|\\d)+\]")
_BRACES = re.compile(r"\{\d*(?:,\d*)?\}")
_WORD_RUN = re.compile(r"\w+")
# Flags at the very start of a pattern ("(?i)") apply to all of it and are in pattern.flags.
_GLOBAL_FLAGS = re.compile(r"^\(\?[aiLmsux]+\)")
# Up to this many literals, searching each in the text costs less than a call into the automaton.
_FEW_LITERALS = 16

K = TypeVar("K", bound=Hashable)


class _Unknown(Exception):
    """Syntax this module does not interpret: the regex gets no literal."""


def required_literals(pattern: re.Pattern[str]) -> tuple[tuple[str, ...], ...]:
    """Sets of literals such that every match of ``pattern`` contains one literal of each
    set: a literal run ("operatie"), or one literal per branch of an alternation
    ("(afkomst|roots|origine)").  The most telling sets come first (see may_match).

    A case-insensitive pattern only keeps literals without case ("@", ":"), also when
    the flag is written inline at its start ("(?i)").
    """
    if _verbose_matters(pattern):
        return ()
    try:
        clauses = _clauses(_GLOBAL_FLAGS.sub("", pattern.pattern, count=1))
    except _Unknown:
        return ()
    if pattern.flags & re.IGNORECASE:
        clauses = [c for c in clauses if all(lit.lower() == lit.upper() == lit for lit in c)]
    ranked = sorted(set(clauses), key=lambda c: (-min(map(len, c)), len(c), c))
    return tuple(ranked[:_MAX_CLAUSES])


def caseless_literals(pattern: re.Pattern[str]) -> tuple[tuple[str, ...], ...]:
    """For a case-insensitive pattern, the sets of :func:`required_literals` with their
    letters kept, case-folded: every match contains, case-folded, one literal of each set.

    ``required_literals`` drops these, as a plain substring test cannot see "BEARER" in
    "Bearer"; a test against the case-folded text can, as long as case folding turns each
    character the regex takes for a letter into that letter (the caller's to ensure: not
    so for the Turkish dotted and dotless i).  () for a case-sensitive pattern.
    """
    if not pattern.flags & re.IGNORECASE or _verbose_matters(pattern):
        return ()
    try:
        clauses = _clauses(_GLOBAL_FLAGS.sub("", pattern.pattern, count=1))
    except _Unknown:
        return ()
    folded = {tuple(dict.fromkeys(literal.casefold() for literal in clause)) for clause in clauses}
    ranked = sorted(folded, key=lambda c: (-min(map(len, c)), len(c), c))
    return tuple(ranked[:_MAX_CLAUSES])


def _verbose_matters(pattern: re.Pattern[str]) -> bool:
    """True for a VERBOSE pattern with white space or a "#" (a comment): one without either
    means what it would mean without the flag, and is read as usual."""
    return bool(pattern.flags & re.VERBOSE) and (
        "#" in pattern.pattern or any(c.isspace() for c in pattern.pattern))


def may_match(clauses: tuple[tuple[str, ...], ...], text: str) -> bool:
    """False when ``text`` lacks every literal of one of ``clauses``: the regex cannot match."""
    return all(any(literal in text for literal in clause) for clause in clauses)


def satisfied(clauses: tuple[tuple[str, ...], ...], present: set[str] | frozenset[str]) -> bool:
    """may_match for a text whose literals were found by a LiteralIndex (``present``)."""
    return all(any(literal in present for literal in clause) for clause in clauses)


class Vocabulary:
    """The distinct words of one text, worked out once for the lists that look words up."""

    def __init__(self, text: str) -> None:
        self.text = text

    @cached_property
    def words(self) -> frozenset[str]:
        """Worked out on first use: a text whose lists look up no word never needs them."""
        return distinct_words(self.text)


def distinct_words(text: str) -> frozenset[str]:
    """The distinct runs of word characters (``\\w+``) of ``text``.

    A word character is one for which ``isalnum()`` holds, or "_" (as in the ``re`` module).
    """
    return frozenset(distinct_matches(text, _WORD_RUN, str.isalnum))


def distinct_matches(text: str, word: re.Pattern[str], is_one_word: Callable[[str], bool]) -> set[str]:
    """The distinct matches of ``word`` in ``text``, for a pattern that never spans white space.

    Splitting at white space (in C) and running the regex only on the distinct pieces that
    are not one word already (``is_one_word``, a C string test) costs a fraction of
    ``findall`` over a long text.
    """
    words: set[str] = set()
    for piece in set(text.split()):
        if is_one_word(piece):
            words.add(piece)
        else:
            words.update(word.findall(piece))
    return words


class LiteralIndex:
    """Which of a fixed set of literals occur in a text (the same answer as ``in`` for each).

    The rule files give a thousand literals and more; the index finds all of them in one
    pass over the text with an Aho-Corasick automaton (ahocorasick-rs, Apache-2.0), every
    occurrence, overlapping ones included.  An index of only a few literals tests each
    with ``in`` (a C substring search), cheaper than a call into the automaton.
    """

    def __init__(self, literals: Iterable[str]) -> None:
        self._literals = sorted(set(literals))
        # The empty string is in every text; the automaton takes only real patterns.
        self._always = {literal for literal in self._literals if not literal}
        # A single character ("@", ":", ".") may occur hundreds of times in a text, and the
        # automaton reports every occurrence: ``in`` stops at the first.
        self._tested = [literal for literal in self._literals if len(literal) == 1]
        searched = [literal for literal in self._literals if len(literal) > 1]
        if len(searched) <= _FEW_LITERALS:
            self._tested += searched
            searched = []
        self._automaton = AhoCorasick(searched, matchkind=MATCHKIND_STANDARD) if searched else None

    def present(self, text: str) -> set[str]:
        """The literals that occur in ``text``."""
        found = {literal for literal in self._tested if literal in text}
        if self._always:
            found |= self._always
        if self._automaton is not None:
            found.update(self._automaton.find_matches_as_strings(text, overlapping=True))
        return found


class ClauseIndex(Generic[K]):
    """Which of many entries (regexes, each with its literal sets from required_literals)
    may match a text, from the literals found in it (LiteralIndex.present).

    An entry is looked at only when a literal of its first, most telling set occurs; an
    entry without literal sets always may match.
    """

    def __init__(self, entries: Iterable[tuple[K, tuple[tuple[str, ...], ...]]]) -> None:
        self._clauses = dict(entries)
        self._rank = {key: rank for rank, key in enumerate(self._clauses)}
        self._always = [key for key, clauses in self._clauses.items() if not clauses]
        self._by_first: dict[str, list[K]] = {}
        for key, clauses in self._clauses.items():
            for literal in clauses[0] if clauses else ():
                self._by_first.setdefault(literal, []).append(key)
        # ``present`` may come from an index with other literals too: only these are looked up.
        self._firsts = frozenset(self._by_first)

    def __bool__(self) -> bool:
        return bool(self._clauses)

    def literals(self) -> set[str]:
        """Every literal of every entry (what the LiteralIndex must find)."""
        return {literal for clauses in self._clauses.values() for clause in clauses for literal in clause}

    def candidates(self, present: set[str]) -> list[K]:
        """The entries whose every literal set has a literal in ``present``, in the order
        they were given (rule order: a later finding of the same span may win)."""
        first = {key for literal in self._firsts & present for key in self._by_first[literal]}
        chosen = [*self._always, *(key for key in first if satisfied(self._clauses[key], present))]
        return sorted(chosen, key=self._rank.__getitem__)


def requires_digit(pattern: re.Pattern[str]) -> bool:
    """True when every match of ``pattern`` contains a digit (a digit, ``\\d`` or a class
    of digits that is not optional, in every branch)."""
    if _verbose_matters(pattern):
        return False
    try:
        return _needs_digit(pattern.pattern)
    except _Unknown:
        return False


def has_digit(text: str) -> bool:
    """True when ``text`` has a digit (``\\d``).  A substring search per ASCII digit (in C)
    settles most texts far faster than the regex, which only a text with other characters
    and no ASCII digit needs (other scripts have digits too)."""
    if any(digit in text for digit in _DIGITS):
        return True
    return not text.isascii() and _ANY_DIGIT.search(text) is not None


def _needs_digit(source: str) -> bool:
    branches = [False]
    i = 0
    while i < len(source):
        start = i
        kind, value, i = _atom(source, i)
        atom = source[start:i]
        optional = False
        if i < len(source) and source[i] in _QUANTIFIERS:
            optional = _may_repeat_zero(source, i)
            i = _skip_quantifier(source, i)
        if kind == "bar":
            branches.append(False)
        elif not optional and (
            (kind == "literal" and value in _DIGITS) or _DIGIT_CLASS.fullmatch(atom)
            or (kind == "group" and _needs_digit(value))
        ):
            branches[-1] = True
    return all(branches)


def _best(clauses: list[tuple[str, ...]]) -> tuple[str, ...]:
    """The set whose shortest literal is longest (fewest literals on a tie)."""
    return max(clauses, key=lambda c: (min(map(len, c)), -len(c)), default=())


def _clauses(source: str) -> list[tuple[str, ...]]:
    """Literal sets of a pattern, one of each set in every match; the pattern's branches
    (top-level ``|``) give one set: the best set of each branch, joined."""
    branches = _branches(source)
    if len(branches) == 1:
        return branches[0]
    best = [_best(clauses) for clauses in branches]
    return [] if not all(best) else [tuple(dict.fromkeys(lit for clause in best for lit in clause))]


def _branches(source: str) -> list[list[tuple[str, ...]]]:
    """The literal sets of each top-level branch of ``source``."""
    branches: list[list[tuple[str, ...]]] = [[]]
    run: list[str] = []
    i = 0
    while i < len(source):
        kind, value, i = _atom(source, i)
        quantified = i < len(source) and source[i] in _QUANTIFIERS
        if quantified or kind != "literal":
            if run:
                branches[-1].append(("".join(run),))
            run = []
        if kind == "bar":
            branches.append([])
            continue
        if quantified:
            optional = _may_repeat_zero(source, i)
            i = _skip_quantifier(source, i)
            if optional:
                continue
        if kind == "literal":
            # A repeated character is required but does not join its neighbours' run.
            branches[-1].append((value,)) if quantified else run.append(value)
        elif kind == "group":
            branches[-1].extend(_clauses(value))
    if run:
        branches[-1].append(("".join(run),))
    return branches


def _atom(source: str, i: int) -> tuple[str, str, int]:
    """(kind, value, next index); kind is "literal" (value: the character), "group" (value:
    the pattern inside a plain group), "bar" (an alternation) or "other"."""
    char = source[i]
    if char == "\\":
        escaped = source[i + 1]
        if escaped.isalnum() and escaped not in _CLASS_ESCAPES:
            raise _Unknown(source)
        return ("other", "", i + 2) if escaped.isalnum() else ("literal", escaped, i + 2)
    if char == "[":
        return "other", "", _class_end(source, i)
    if char == "(":
        end = _group_end(source, i)
        inner = _group_inner(source[i + 1:end - 1])
        return ("other", "", end) if inner is None else ("group", inner, end)
    if char == "|":
        return "bar", "", i + 1
    if char in _NON_LITERAL:
        return "other", "", i + 1
    return "literal", char, i + 1


def _group_inner(body: str) -> str | None:
    """The pattern inside a capturing or non-capturing group; None for a lookaround."""
    if not body.startswith("?"):
        return body
    if body.startswith("?:"):
        return body[2:]
    if body.startswith("?P<"):
        return body[body.index(">") + 1:]
    if body.startswith(("?=", "?!", "?<=", "?<!")):
        return None
    raise _Unknown(body)  # inline flags, conditionals


def _class_end(source: str, i: int) -> int:
    """Index after the character class that starts at ``i``."""
    j = i + 1
    if source[j:j + 1] == "^":
        j += 1
    if source[j:j + 1] == "]":
        j += 1
    while source[j] != "]":
        j += 2 if source[j] == "\\" else 1
    return j + 1


def _group_end(source: str, i: int) -> int:
    """Index after the group that starts at ``i``."""
    depth = 0
    j = i
    while True:
        char = source[j]
        if char == "\\":
            j += 2
            continue
        if char == "[":
            j = _class_end(source, j)
            continue
        depth += {"(": 1, ")": -1}.get(char, 0)
        j += 1
        if depth == 0:
            return j


def _may_repeat_zero(source: str, i: int) -> bool:
    """True when the quantifier at ``i`` allows zero repetitions."""
    if source[i] == "{":
        match = _BRACES.match(source, i)
        if match is None:
            raise _Unknown(source)
        return match.group().startswith(("{0", "{,"))
    return source[i] in "?*"


def _skip_quantifier(source: str, i: int) -> int:
    """Index after the quantifier (and its lazy/possessive mark) at ``i``."""
    if source[i] == "{":
        match = _BRACES.match(source, i)
        if match is None:
            raise _Unknown(source)  # a literal "{"
        i = match.end()
    else:
        i += 1
    return i + 1 if i < len(source) and source[i] in "?+" else i
