"""Relation references that make a person identifiable without a detected name.

"mijn collega Sarah", "onze klant 2023/1182", "notre collaboratrice", "his partner Tom":
the PII detector may not see a name (or sees only a first name), yet the writer singles
out one person.  These findings (IDENTIFIER_REF) are internal: the policy uses them as
the "someone identifiable" side of the Art. 9 rule and never pseudonymises them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import yaml

from gateway.core import Finding
from gateway.sensitive.patterns import PhraseBook, PhraseSet, entry_regex
from gateway.sensitive.textnorm import FoldedText, fold

IDENTIFIER_REF = "IDENTIFIER_REF"

# A reference value: a token holding a digit, e.g. 2023/1182, S-25-04417, K-1041.
_REFERENCE_VALUE = re.compile(
    r"\s+(?:(?:nr\.?|no\.?|number|nummer|numero|#|:)\s*)?(?=[\w/.-]*\d)\w[\w/.-]{2,}"
)
# A name: one or two capitalised words after the relation noun (on the cased text).
_NAME = re.compile(r"\s+(?:[A-Z][\w'-]+)(?:\s+(?:van|de|der|den|le|la|du|von)?\s*[A-Z][\w'-]+)?")

_NEXT_WORD = re.compile(r"\s+(\w+)")
_RELATION_SCORE = 0.6
_STRONG_SCORE = 0.9
_LOOKBEHIND = 40  # characters before a relation noun searched for a possessive


@dataclass(frozen=True)
class IdentifierRules:
    """Compiled relation and reference patterns (rules/sensitive/identifiers.yaml)."""

    relations: PhraseSet
    references: PhraseSet
    possessive: re.Pattern[str]
    compound_heads: frozenset[str]

    @classmethod
    def load(cls, path: Path, book: PhraseBook | None = None) -> IdentifierRules:
        """The rules in ``path`` (lists added to ``book``)."""
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        possessive = "|".join(entry_regex(fold(e).lower) for e in data["possessives"])
        return cls(
            relations=PhraseSet.compile(data["relations"], book),
            references=PhraseSet.compile(data["references"], book),
            # "mijn collega", "onze nieuwe klant": a possessive, at most one word between.
            possessive=re.compile(rf"(?:{possessive})\s+(?:\w+\s+)?$"),
            compound_heads=frozenset(fold(w).lower for w in data.get("compound_heads", [])),
        )

    def find(self, text: FoldedText, original: str, segment: int, language: str) -> list[Finding]:
        """IDENTIFIER_REF findings in one text."""
        found: list[tuple[int, int, str, float]] = []
        for start, end in self.relations.finditer(text):
            before = self.possessive.search(text.lower[max(0, start - _LOOKBEHIND) : start])
            following = _NEXT_WORD.match(text.lower, end)
            if before is None or (following and following.group(1) in self.compound_heads):
                continue
            begin = start - (len(before.group(0)))
            name = _NAME.match(text.cased, end)
            if name:
                found.append((begin, name.end(), "identifier.relation_name", _STRONG_SCORE))
            else:
                found.append((begin, end, "identifier.relation", _RELATION_SCORE))
        for start, end in self.references.finditer(text):
            value = _REFERENCE_VALUE.match(text.lower, end)
            if value:
                found.append((start, value.end(), "identifier.reference", _STRONG_SCORE))
        return [text.finding(original, start, end, segment=segment, language=language,
                             entity_type=IDENTIFIER_REF, score=score, rule_id=rule_id)
                for start, end, rule_id, score in found]
