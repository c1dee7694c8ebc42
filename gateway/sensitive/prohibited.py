"""Prohibited uses: manipulation of people and automated decisions about people.

Both are judged on the whole text of one message, from cue lists in
rules/sensitive/prohibited.yaml (see the comments there for the combination rules).

Manipulation is a single telling phrase ("fake countdown", "so they don't notice") or a
pair of cues in one sentence: exploiting a vulnerability ("use their confusion"),
hiding a right ("don't mention the cooling-off period").  A decision needs three cues
together (a decision or an outcome label set, a person it is about, and a sign that the
AI's answer is applied without a human) so that "help me prepare the panel's decision"
and "sort these mails automatically" stay allowed.

A cue the writer negates ("pas de fausse urgence", "no dark patterns", "not imported
automatically") does not count: honest briefs often list what they do not want.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import yaml

from gateway.core import Finding
from gateway.sensitive.patterns import PhraseBook, PhraseSet
from gateway.sensitive.textnorm import FoldedText, fold, sentence_spans

PROHIBITED_MANIPULATION = "PROHIBITED_MANIPULATION"
PROHIBITED_DECISION = "PROHIBITED_DECISION"

Span = tuple[int, int]

# A negation reaches this many words forward, within its clause.
_NEGATION_WORDS = 3
_NEGATION_LOOKBEHIND = 80
_CLAUSE_BREAK = re.compile(r"[,;:.!?()\n\"]|\b(?:but|maar|mais|aber|then|dan|puis|dann)\b")
_WORD = re.compile(r"\w+(?:'\w+)?")
_LEADING_WORD = re.compile(r"\w+")
_OPENERS = "\"'("


def _overlaps(span: Span, others: list[Span]) -> bool:
    return any(span[0] < end and start < span[1] for start, end in others)


@dataclass(frozen=True)
class Negations:
    """Negation cues ("no", "geen", "pas de", "ohne", "avoid") in front of another cue."""

    cues: PhraseSet

    def negated(self, text: FoldedText, span: Span) -> bool:
        """True when a negation ends at most a few words before ``span`` in the same clause."""
        before = text.lower[max(0, span[0] - _NEGATION_LOOKBEHIND) : span[0]]
        clause = _CLAUSE_BREAK.split(before)[-1]
        words = _WORD.findall(clause)[-_NEGATION_WORDS:]
        return bool(words) and self.cues.search(fold(" ".join(words)))

    def keep(self, text: FoldedText, spans: Iterator[Span]) -> list[Span]:
        return [span for span in spans if not self.negated(text, span)]


@dataclass(frozen=True)
class _Pair:
    """Two cue lists that must meet in one sentence; only the first (the act) can be negated."""

    act: PhraseSet
    target: PhraseSet


@dataclass(frozen=True)
class ProhibitedRules:
    """Compiled cue lists for both prohibited uses."""

    negations: Negations
    manipulation: PhraseSet
    pairs: tuple[_Pair, ...]
    defensive: PhraseSet
    decisions: PhraseSet
    labels: LabelPairs
    persons: PhraseSet
    automation: PhraseSet
    direct: PhraseSet
    review: PhraseSet

    @classmethod
    def load(cls, path: Path, book: PhraseBook | None = None) -> ProhibitedRules:
        """The rules in ``path``.  The lists run on the whole text are added to ``book``; those
        run on a sentence or a few words (negations, pair targets, defensive) keep their own."""
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        manipulation, decision = data["manipulation"], data["decision"]
        return cls(
            negations=Negations(PhraseSet(data["negations"])),
            manipulation=PhraseSet(manipulation["terms"], book),
            pairs=tuple(
                _Pair(PhraseSet(manipulation[act], book), PhraseSet(manipulation[target]))
                for act, target in manipulation["pairs"]
            ),
            defensive=PhraseSet(manipulation["defensive"]),
            labels=LabelPairs(decision["outcome_labels"]),
            **{
                key: PhraseSet(decision[key], book)
                for key in ("decisions", "persons", "automation", "direct", "review")
            },
        )

    def find(self, text: FoldedText, original: str, segment: int, language: str) -> list[Finding]:
        """Prohibited-use findings in one text."""
        spans = [(PROHIBITED_MANIPULATION, "prohibited.manipulation", s) for s in self._manipulation(text)]
        decision = self._decision(text)
        if decision is not None:
            spans.append((PROHIBITED_DECISION, "prohibited.automated_decision", decision))
        return [text.finding(original, start, end, segment=segment, language=language,
                             entity_type=entity_type, score=0.85, rule_id=rule_id)
                for entity_type, rule_id, (start, end) in spans]

    def _manipulation(self, text: FoldedText) -> list[Span]:
        """Manipulation cues outside sentences that discuss recognising or avoiding them."""
        found = self.negations.keep(text, self.manipulation.finditer(text))
        if self.pairs:
            found.extend(self._pair_spans(text))
        if not found:
            return []
        defensive = [s for s in sentence_spans(text.lower) if self.defensive.search(text.slice(*s))]
        return [span for span in found if not _overlaps(span, defensive)]

    def _pair_spans(self, text: FoldedText) -> Iterator[Span]:
        """The act of every pair whose target occurs in the same sentence."""
        for pair in self.pairs:
            acts = self.negations.keep(text, pair.act.finditer(text))
            for start, end in sentence_spans(text.lower) if acts else ():
                inside = [a for a in acts if start <= a[0] < end]
                if inside and pair.target.search(text.slice(start, end)):
                    yield inside[0]

    def _decision(self, text: FoldedText) -> Span | None:
        """The first decision cue when all three cues are present and nobody reviews."""
        decisions = sorted([*self.decisions.finditer(text), *self.labels.finditer(text)])
        if not decisions or not self.persons.search(text):
            return None
        automation = self.negations.keep(text, self.automation.finditer(text))
        if not automation and not self.negations.keep(text, self.direct.finditer(text)):
            return None
        if any(not _overlaps(span, automation) for span in self.review.finditer(text)):
            return None
        return decisions[0]


def _label_pairs(labels: list[str]) -> re.Pattern[str]:
    """Two outcome labels offered as the answer: "OK of NOK", "APPROVED/DENIED", "1 or 0"."""
    words = "|".join(sorted((re.escape(fold(label).lower) for label in labels), key=len, reverse=True))
    joiner = r"\s*(?:/|\||,|\bof\b|\bor\b|\bou\b|\boder\b)\s*"
    return re.compile(rf"(?<![\w-])[\"'(]?(?:{words})[\"')]?{joiner}[\"'(]?(?:{words})(?![\w-])")


class LabelPairs:
    """The spans of :func:`_label_pairs` in a folded text, found without a full scan.

    The regex starts with a lookbehind, so the regex engine tries it at every character.
    A match starts at its first label or at the quote or bracket just before it, and that
    label's first run of word characters is a whole word of the text: a non-word character
    (or nothing) precedes it, and one follows it (the rest of the label starts with one,
    or the quote, space, "/", "|", "," or the word boundary before "of", "or" ...).  So
    the regex is only tried at the occurrences of those words and the character before.
    """

    def __init__(self, labels: list[str]) -> None:
        self.pattern = _label_pairs(labels)
        first = [_LEADING_WORD.match(fold(label).lower) for label in labels]
        # A label that does not start with a word character: the regex scans the whole text.
        self._first_words = None if None in first else frozenset(m.group() for m in first if m)

    def finditer(self, text: FoldedText) -> Iterator[Span]:
        """The spans of ``pattern.finditer(text.lower)``."""
        if self._first_words is None:
            yield from (match.span() for match in self.pattern.finditer(text.lower))
            return
        end = 0
        for start in self._starts(text, self._first_words):
            if start >= end and (match := self.pattern.match(text.lower, start)) is not None:
                yield match.span()
                end = match.end()  # a match holds two labels: never empty

    @staticmethod
    def _starts(text: FoldedText, first_words: frozenset[str]) -> list[int]:
        """Every place where a match can start (and others), in order."""
        starts: set[int] = set()
        for word in first_words & text.lower_vocabulary.words:
            for start, _ in text.word_spans(word):
                starts.add(start)
                if start > 0 and text.lower[start - 1] in _OPENERS:
                    starts.add(start - 1)
        return sorted(starts)
