"""The small pattern language of the rule files under rules/lexicons and rules/sensitive.

Rule files are written by non-programmers, so an entry is a phrase, not a regex:

- ``zwanger*``      a word starting with "zwanger" (zwanger, zwangerschap, zwangere)
- ``*kanker*``      "kanker" anywhere inside a word (borstkanker, kankerpatient): compounds
- ``*infarct``      a word ending in "infarct" (hartinfarct)
- ``+patient*``     "patient" after a modifier of at least three letters, anything after
                    (dialysepatient, Krebspatientin) but not the word alone ("be patient")
- ``burn out``      words in sequence; space, hyphen, underscore or nothing between them
- ``(a|b)``, ``x?``, ``[sz]``  regex alternatives, optional parts and classes inside a phrase
- ``MS``            an entry with capitals is matched case-sensitively (MS, not "ms")
- ``re:...``        a raw regular expression on the folded lowercase text, for the rare
                    entry that needs one
- ``RE:...``        the same on the folded text with its case kept (labels in capitals)

Texts and entries are folded (lowercase, no accents: see textnorm), so entries are
written without accents.  Single-word entries are looked up per token (sets, no regex
scan), which keeps a few hundred entries per language well under a millisecond.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from functools import lru_cache
from typing import NamedTuple

from gateway.detect.literals import LiteralIndex, Vocabulary, required_literals, satisfied
from gateway.sensitive.textnorm import FoldedText, fold

_SEPARATOR = r"[\s_\-]*"
_REGEX_SYNTAX = re.compile(r"[()|?\[\]\\]")
_TOKEN_PIECE = re.compile(r"\*|\s+|[^*\s]+")
_WORD = re.compile(r"\w+")
_TOKEN_CACHE = 50_000
_MODIFIER_MIN = 3  # letters before the head of a "+head*" compound entry

Span = tuple[int, int]


def entry_regex(entry: str) -> str:
    """The regex source of one phrase entry (see module docstring)."""
    if entry.startswith(("re:", "RE:")):
        return entry[3:]
    literal = _REGEX_SYNTAX.search(entry) is None
    parts: list[str] = []
    for piece in _TOKEN_PIECE.findall(entry.strip()):
        if piece == "*":
            parts.append(r"\w*")
        elif piece.isspace():
            parts.append(_SEPARATOR)
        else:
            parts.append(re.escape(piece) if literal else piece)
    tail = "" if entry.endswith("*") else r"(?!\w)"
    return "".join(parts) + tail


def _starts_word(text: str, start: int) -> bool:
    """The left word boundary, checked outside the regex so literal prefixes scan fast."""
    return start == 0 or not (text[start - 1].isalnum() or text[start - 1] == "_")


class _WordIndex:
    """Single-word entries of every label, looked up per token with dict probes."""

    def __init__(self, entries: list[tuple[str, str]]) -> None:
        self.exact: dict[str, set[str]] = {}
        self.prefixes: dict[str, set[str]] = {}
        self.suffixes: list[tuple[str, str]] = []
        self.infixes: list[tuple[str, str]] = []
        self.heads: list[tuple[str, str]] = []
        for label, word in entries:
            if word.startswith("+"):
                self.heads.append((word[1:].rstrip("*"), label))
            elif word.startswith("*") and word.endswith("*"):
                self.infixes.append((word[1:-1], label))
            elif word.startswith("*"):
                self.suffixes.append((word[1:], label))
            elif word.endswith("*"):
                self.prefixes.setdefault(word[:-1], set()).add(label)
            else:
                self.exact.setdefault(word, set()).add(label)
        self.prefix_lengths = tuple(sorted({len(p) for p in self.prefixes}))
        # Office prose repeats its words; the cache makes a lookup one dict probe.
        self.labels = lru_cache(maxsize=_TOKEN_CACHE)(self._labels)

    def _labels(self, token: str) -> frozenset[str]:
        found = set(self.exact.get(token, ()))
        for n in self.prefix_lengths:
            if n > len(token):
                break
            found.update(self.prefixes.get(token[:n], ()))
        found.update(label for suffix, label in self.suffixes if token.endswith(suffix))
        found.update(label for infix, label in self.infixes if infix in token)
        found.update(label for head, label in self.heads if token.find(head, _MODIFIER_MIN) >= 0)
        return frozenset(found)


def _is_word_entry(entry: str) -> bool:
    core = entry.lstrip("+").strip("*")
    return bool(core) and _WORD.fullmatch(core) is not None


class _PhraseRegex(NamedTuple):
    """A multi-word or regex entry; ``literals``: what every match contains (see may_match)."""

    label: str
    cased: bool
    bounded: bool
    pattern: re.Pattern[str]
    literals: tuple[tuple[str, ...], ...]


class LabelledPhrases:
    """Entries grouped by label (e.g. category): one token pass finds all labels."""

    def __init__(self, groups: Mapping[str, Iterable[str]]) -> None:
        words: dict[bool, list[tuple[str, str]]] = {False: [], True: []}
        self._regexes: list[_PhraseRegex] = []
        for label, entries in groups.items():
            for raw in entries:
                entry = str(raw) if str(raw).startswith(("re:", "RE:")) else fold(str(raw)).cased
                cased = entry.startswith("RE:") or (not entry.startswith("re:") and entry != entry.lower())
                if _is_word_entry(entry):
                    words[cased].append((label, entry))
                else:
                    bounded = not entry.startswith(("*", "re:", "RE:"))
                    regex = re.compile(entry_regex(entry))
                    self._regexes.append(_PhraseRegex(label, cased, bounded, regex, required_literals(regex)))
        self._lower = _WordIndex(words[False])
        self._cased = _WordIndex(words[True])
        self._literals = {
            cased: _RegexLiterals([(i, e) for i, e in enumerate(self._regexes) if e.cased == cased])
            for cased in (False, True)
        }

    def finditer(self, text: FoldedText) -> Iterator[tuple[str, int, int]]:
        """(label, start, end) in folded coordinates for every entry found in ``text``: the
        word entries in text order, then the regex entries in rule order."""
        found: dict[Span, set[str]] = {}
        self._word_labels(text, False, self._lower, found)
        if self._cased.exact or self._cased.prefixes:
            self._word_labels(text, True, self._cased, found)
        for span in sorted(found):
            for label in sorted(found[span]):  # sorted: the same text gives the same rule ids
                yield label, span[0], span[1]
        for entry in self._candidates(text):
            source = text.cased if entry.cased else text.lower
            for match in entry.pattern.finditer(source):
                if not entry.bounded or _starts_word(source, match.start()):
                    yield entry.label, match.start(), match.end()

    def _candidates(self, text: FoldedText) -> list[_PhraseRegex]:
        """The regex entries whose literals all occur in ``text`` (see literals.may_match),
        in rule order: the others cannot match, and most texts have none."""
        chosen: list[int] = []
        for cased, literals in self._literals.items():
            if literals:
                chosen += literals.candidates(text.cased_vocabulary if cased else text.lower_vocabulary)
        return [self._regexes[i] for i in sorted(chosen)]

    @staticmethod
    def _word_labels(text: FoldedText, cased: bool, index: _WordIndex, found: dict[Span, set[str]]) -> None:
        """Add the labels of every distinct word (looked up once) to each of its spans."""
        vocabulary = text.cased_vocabulary if cased else text.lower_vocabulary
        for word in vocabulary.words:
            labels = index.labels(word)
            if labels:
                for span in text.word_spans(word, cased):
                    found.setdefault(span, set()).update(labels)


class _RegexLiterals:
    """The literals of some regex entries, indexed to find the entries that may match a text."""

    def __init__(self, entries: list[tuple[int, _PhraseRegex]]) -> None:
        self._entries = dict(entries)
        self._always = [i for i, entry in entries if not entry.literals]
        # An entry is looked at when a literal of its first (most telling) set occurs.
        self._by_first: dict[str, list[int]] = {}
        for i, entry in entries:
            for literal in entry.literals[0] if entry.literals else ():
                self._by_first.setdefault(literal, []).append(i)
        self._index = LiteralIndex(lit for _, e in entries for clause in e.literals for lit in clause)

    def __bool__(self) -> bool:
        return bool(self._entries)

    def candidates(self, vocabulary: Vocabulary) -> list[int]:
        """Indexes of the entries whose every literal set has a literal in the text."""
        present = self._index.present(vocabulary)
        first = {i for literal in present for i in self._by_first.get(literal, ())}
        return [*self._always, *(i for i in first if satisfied(self._entries[i].literals, present))]


class PhraseSet:
    """An unlabelled list of entries (cue lists, exclusions)."""

    def __init__(self, entries: Iterable[str]) -> None:
        self._phrases = LabelledPhrases({"": entries})

    @classmethod
    def compile(cls, entries: Iterable[str]) -> PhraseSet:
        return cls(entries)

    def finditer(self, text: FoldedText) -> Iterator[Span]:
        """Spans (in folded coordinates) of every entry found in ``text``."""
        for _, start, end in self._phrases.finditer(text):
            yield start, end

    def search(self, text: FoldedText) -> bool:
        """True if any entry occurs in ``text``."""
        return next(self.finditer(text), None) is not None
