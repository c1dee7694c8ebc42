"""Prohibited uses: manipulation below awareness and automated decisions about people.

Both are judged on the whole text of one message, from cue lists in
rules/sensitive/prohibited.yaml (see the comments there for the combination rule).
A decision needs three cues together (a decision, a person it is about, and a sign
that the AI's answer is applied without a human) so that "help me prepare the
panel's decision" and "sort these mails automatically" stay allowed.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import yaml

from gateway.core import Finding
from gateway.sensitive.patterns import PhraseSet
from gateway.sensitive.textnorm import FoldedText, sentence_spans

PROHIBITED_MANIPULATION = "PROHIBITED_MANIPULATION"
PROHIBITED_DECISION = "PROHIBITED_DECISION"

Span = tuple[int, int]


def _overlaps(span: Span, others: list[Span]) -> bool:
    return any(span[0] < end and start < span[1] for start, end in others)


@dataclass(frozen=True)
class ProhibitedRules:
    """Compiled cue lists for both prohibited uses."""

    manipulation: PhraseSet
    defensive: PhraseSet
    decisions: PhraseSet
    persons: PhraseSet
    automation: PhraseSet
    direct: PhraseSet
    review: PhraseSet

    @classmethod
    def load(cls, path: Path) -> ProhibitedRules:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        manipulation, decision = data["manipulation"], data["decision"]
        return cls(
            manipulation=PhraseSet.compile(manipulation["terms"]),
            defensive=PhraseSet.compile(manipulation["defensive"]),
            **{
                key: PhraseSet.compile(decision[key])
                for key in ("decisions", "persons", "automation", "direct", "review")
            },
        )

    def find(self, text: FoldedText, original: str, segment: int, language: str) -> list[Finding]:
        """Prohibited-use findings in one text."""
        spans = [(PROHIBITED_MANIPULATION, "prohibited.manipulation", s) for s in self._manipulation(text)]
        decision = self._decision(text)
        if decision is not None:
            spans.append((PROHIBITED_DECISION, "prohibited.automated_decision", decision))
        findings = []
        for entity_type, rule_id, (start, end) in spans:
            o_start, o_end = text.span(start, end)
            findings.append(
                Finding(
                    segment=segment,
                    start=o_start,
                    end=o_end,
                    entity_type=entity_type,
                    score=0.85,
                    rule_id=rule_id,
                    value=original[o_start:o_end],
                    language=language,
                )
            )
        return findings

    def _manipulation(self, text: FoldedText) -> list[Span]:
        """Manipulation terms outside sentences that discuss recognising or avoiding them."""
        terms = list(self.manipulation.finditer(text))
        if not terms:
            return []
        defensive = [s for s in sentence_spans(text.lower) if self.defensive.search(text.slice(*s))]
        return [span for span in terms if not _overlaps(span, defensive)]

    def _decision(self, text: FoldedText) -> Span | None:
        """The first decision cue when all three cues are present and nobody reviews."""
        decisions = sorted(self.decisions.finditer(text))
        if not decisions or not self.persons.search(text):
            return None
        automation = list(self.automation.finditer(text))
        if not automation and not self.direct.search(text):
            return None
        if any(not _overlaps(span, automation) for span in self.review.finditer(text)):
            return None
        return decisions[0]
