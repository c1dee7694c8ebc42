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
from functools import cached_property, lru_cache
from typing import NamedTuple

from gateway.detect.literals import ClauseIndex, LiteralIndex, required_literals
from gateway.sensitive.textnorm import FoldedText, fold, lower_like_text

_SEPARATOR = r"[\s_\-]*"
_REGEX_SYNTAX = re.compile(r"[()|?\[\]\\]")
_TOKEN_PIECE = re.compile(r"\*|\s+|[^*\s]+")
_WORD = re.compile(r"\w+")
_TOKEN_CACHE = 50_000
_MODIFIER_MIN = 3  # letters before the head of a "+head*" compound entry

Span = tuple[int, int]
# A label in a PhraseBook: the number of the list it belongs to, and its label there.
_OwnedLabel = tuple[int, str]
# The labels one word has, per list: ((list number, labels), ...).
_WordHits = tuple[tuple[int, frozenset[str]], ...]


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

    def __init__(self, entries: list[tuple[_OwnedLabel, str]]) -> None:
        self.exact: dict[str, set[_OwnedLabel]] = {}
        self.prefixes: dict[str, set[_OwnedLabel]] = {}
        self.suffixes: list[tuple[str, _OwnedLabel]] = []
        self.infixes: list[tuple[str, _OwnedLabel]] = []
        self.heads: list[tuple[str, _OwnedLabel]] = []
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

    @property
    def exact_only(self) -> bool:
        """True when every entry is a whole word: a word's labels are ``exact.get(word)``."""
        return not (self.prefixes or self.suffixes or self.infixes or self.heads)

    def _labels(self, token: str) -> _WordHits:
        """The labels of ``token`` grouped per list (empty when it has none)."""
        owned = self._owned_labels(token)
        lists = sorted({owner for owner, _ in owned})
        return tuple((o, frozenset(label for owner, label in owned if owner == o)) for o in lists)

    def _owned_labels(self, token: str) -> set[_OwnedLabel]:
        found = set(self.exact.get(token, ()))
        for n in self.prefix_lengths:
            if n > len(token):
                break
            found.update(self.prefixes.get(token[:n], ()))
        found.update(label for suffix, label in self.suffixes if token.endswith(suffix))
        found.update(label for infix, label in self.infixes if infix in token)
        found.update(label for head, label in self.heads if token.find(head, _MODIFIER_MIN) >= 0)
        return found


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
    """Entries grouped by label (e.g. category): one token pass finds all labels.

    ``book`` is shared by the lists that run on the same texts (see :class:`PhraseBook`);
    without one the list gets its own.
    """

    def __init__(self, groups: Mapping[str, Iterable[str]], book: PhraseBook | None = None) -> None:
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
        # Case-sensitive word entries are only looked up when some is a whole word or a prefix.
        if not any(not word.startswith(("*", "+")) for _, word in words[True]):
            words[True] = []
        self._book = PhraseBook() if book is None else book
        literals = {cased: _literals_of(self._regexes, cased) for cased in (False, True)}
        self._owner = self._book.add(words, literals)
        self._literals = {
            cased: ClauseIndex([(i, e.literals) for i, e in enumerate(self._regexes) if e.cased == cased])
            for cased in (False, True)
        }

    def finditer(self, text: FoldedText) -> Iterator[tuple[str, int, int]]:
        """(label, start, end) in folded coordinates for every entry found in ``text``: the
        word entries in text order, then the regex entries in rule order."""
        hits = self._book.hits(text)
        found: dict[Span, set[str]] = {}
        for cased in (False, True):
            for word, labels in hits.words(cased).get(self._owner, ()):
                for span in text.word_spans(word, cased):
                    found.setdefault(span, set()).update(labels)
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
        hits = self._book.hits(text)
        chosen: list[int] = []
        for cased, literals in self._literals.items():
            if literals:
                chosen += literals.candidates(hits.present(cased))
        return [self._regexes[i] for i in sorted(chosen)]


def _literals_of(regexes: list[_PhraseRegex], cased: bool) -> list[str]:
    """Every literal of the regex entries of one casing."""
    return [literal for entry in regexes if entry.cased == cased
            for clause in entry.literals for literal in clause]


class PhraseBook:
    """The word entries and regex literals of several phrase lists, looked up together.

    The sensitive checks hold a dozen lists (Art. 9 lexicons and exclusions, relation and
    cue lists) that all run on the same text.  Each list looking up every distinct word of
    the text and searching its own literals repeats one pass a dozen times; lists that share
    a book get it done once per text (:meth:`hits`, kept on the FoldedText).  Lists that run
    on small pieces of a text (sentences, a few words) are better off with a book of their
    own: their pieces are new texts each time, so sharing saves nothing there.

    Every list is added before the first lookup, which builds the indexes.
    """

    def __init__(self) -> None:
        self._words: dict[bool, list[tuple[_OwnedLabel, str]]] = {False: [], True: []}
        self._literals: dict[bool, list[str]] = {False: [], True: []}
        self._lists = 0

    def add(self, words: Mapping[bool, list[tuple[str, str]]], literals: Mapping[bool, list[str]]) -> int:
        """Add one list's word entries ((label, entry) per casing) and the literals of its
        regex entries (per casing); returns the list's number, which tags its labels."""
        if "indexes" in self.__dict__:
            raise RuntimeError("phrase book already in use: add every list before the first lookup")
        owner = self._lists
        self._lists += 1
        for cased, entries in words.items():
            self._words[cased].extend(((owner, label), word) for label, word in entries)
        for cased, found in literals.items():
            self._literals[cased].extend(found)
        return owner

    @cached_property
    def indexes(self) -> _BookIndexes:
        """The word and literal indexes of every list added (built on first use)."""
        return _BookIndexes(
            words={cased: _WordIndex(entries) for cased, entries in self._words.items()},
            literals={cased: LiteralIndex(literals) for cased, literals in self._literals.items()},
        )

    def hits(self, text: FoldedText) -> _TextHits:
        """What this book's lists find in ``text``, worked out once per text."""
        hits = text.memo.get(self)
        if not isinstance(hits, _TextHits):
            hits = text.memo[self] = _TextHits(self.indexes, text)
        return hits


class _BookIndexes(NamedTuple):
    words: dict[bool, _WordIndex]
    literals: dict[bool, LiteralIndex]


class _TextHits:
    """A book's lookups in one text: per casing, the words with labels and the literals present."""

    def __init__(self, indexes: _BookIndexes, text: FoldedText) -> None:
        self._indexes = indexes
        self._text = text
        self._words: dict[bool, dict[int, list[tuple[str, frozenset[str]]]]] = {}
        self._present: dict[bool, set[str]] = {}

    def words(self, cased: bool) -> dict[int, list[tuple[str, frozenset[str]]]]:
        """List number -> (word, labels) for every word of the text with labels in that list."""
        if cased not in self._words:
            per_list: dict[int, list[tuple[str, frozenset[str]]]] = {}
            index = self._indexes.words[cased]
            for word in self._words_to_look_up(cased, index):
                for owner, labels in index.labels(word):
                    per_list.setdefault(owner, []).append((word, labels))
            self._words[cased] = per_list
        return self._words[cased]

    def _words_to_look_up(self, cased: bool, index: _WordIndex) -> Iterable[str]:
        """Every distinct word of the text, or fewer words that include all with labels.

        The case-sensitive entries are whole words ("MS", "HIV"): instead of the distinct
        words of the cased text, each entry whose lowered form is a word of the lowered
        text (which it must be to occur: see FoldedText.cased_vocabulary) is looked up;
        an entry that is not a word of the cased text has no spans there.
        """
        if not cased:
            return self._text.lower_vocabulary.words
        if not index.exact_only:
            return self._text.cased_vocabulary.words
        lower_words = self._text.lower_vocabulary.words
        return [word for word in index.exact if lower_like_text(word) in lower_words]

    def present(self, cased: bool) -> set[str]:
        """The literals of the book's regex entries that occur in the text (of that casing)."""
        if cased not in self._present:
            text = self._text.cased if cased else self._text.lower
            self._present[cased] = self._indexes.literals[cased].present(text)
        return self._present[cased]


class PhraseSet:
    """An unlabelled list of entries (cue lists, exclusions)."""

    def __init__(self, entries: Iterable[str], book: PhraseBook | None = None) -> None:
        self._phrases = LabelledPhrases({"": entries}, book)

    @classmethod
    def compile(cls, entries: Iterable[str], book: PhraseBook | None = None) -> PhraseSet:
        return cls(entries, book)

    def finditer(self, text: FoldedText) -> Iterator[Span]:
        """Spans (in folded coordinates) of every entry found in ``text``."""
        for _, start, end in self._phrases.finditer(text):
            yield start, end

    def search(self, text: FoldedText) -> bool:
        """True if any entry occurs in ``text``."""
        return next(self.finditer(text), None) is not None
