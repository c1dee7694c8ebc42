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


class LabelledPhrases:
    """Entries grouped by label (e.g. category): one token pass finds all labels."""

    def __init__(self, groups: Mapping[str, Iterable[str]]) -> None:
        words: dict[bool, list[tuple[str, str]]] = {False: [], True: []}
        self._regexes: list[tuple[str, bool, bool, re.Pattern[str]]] = []
        for label, entries in groups.items():
            for raw in entries:
                entry = str(raw) if str(raw).startswith(("re:", "RE:")) else fold(str(raw)).cased
                cased = entry.startswith("RE:") or (not entry.startswith("re:") and entry != entry.lower())
                if _is_word_entry(entry):
                    words[cased].append((label, entry))
                else:
                    bounded = not entry.startswith(("*", "re:", "RE:"))
                    self._regexes.append((label, cased, bounded, re.compile(entry_regex(entry))))
        self._lower = _WordIndex(words[False])
        self._cased = _WordIndex(words[True])

    def finditer(self, text: FoldedText) -> Iterator[tuple[str, int, int]]:
        """(label, start, end) in folded coordinates for every entry found in ``text``."""
        for start, end in text.words:
            labels = self._lower.labels(text.lower[start:end])
            if self._cased.exact or self._cased.prefixes:
                labels = labels | self._cased.labels(text.cased[start:end])
            for label in labels:
                yield label, start, end
        for label, cased, bounded, pattern in self._regexes:
            source = text.cased if cased else text.lower
            for match in pattern.finditer(source):
                if not bounded or _starts_word(source, match.start()):
                    yield label, match.start(), match.end()


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
