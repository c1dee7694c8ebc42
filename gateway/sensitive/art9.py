"""GDPR Art. 9 lexicons: special-category terms per language, as data in rules/lexicons/.

A file ``art9.<lang>.yaml`` maps each category (ART9_HEALTH, ART9_UNION, ...) to phrase
entries (see ``patterns``) and lists ``exclusions``: phrases whose words look like a
category term but are not ("partij chips", "groen licht", "hospitalisatieverzekering").
A term match that overlaps an exclusion is dropped.

Every language's lexicon runs on every text: Belgian prompts mix languages and a short
prompt's detected language is a guess, while the lexicons rarely collide.  Whether a
match is about an identifiable person is decided later by the policy.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import yaml

from gateway.core import Finding
from gateway.sensitive.patterns import LabelledPhrases, PhraseBook, PhraseSet
from gateway.sensitive.textnorm import FoldedText

ART9_CATEGORIES = (
    "ART9_HEALTH",
    "ART9_GENETIC",
    "ART9_BIOMETRIC",
    "ART9_ETHNIC",
    "ART9_POLITICAL",
    "ART9_RELIGION",
    "ART9_UNION",
    "ART9_SEX_LIFE",
)


@dataclass(frozen=True)
class Art9Lexicon:
    """All languages' lexicons compiled into one index (labels "<lang>:<category>")."""

    phrases: LabelledPhrases
    exclusions: PhraseSet

    @classmethod
    def load(cls, directory: Path, book: PhraseBook | None = None) -> Art9Lexicon:
        """Every ``art9.<lang>.yaml`` file in ``directory`` (lists added to ``book``)."""
        groups: dict[str, list[str]] = {}
        exclusions: list[str] = []
        paths = sorted(directory.glob("art9.*.yaml"))
        if not paths:
            raise FileNotFoundError(f"{directory}: no art9.<lang>.yaml lexicon")
        for path in paths:
            data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
            language = str(data.get("language", path.stem.split(".")[-1]))
            categories = data.get("categories", {})
            unknown = set(categories) - set(ART9_CATEGORIES)
            if unknown:
                raise ValueError(f"{path}: unknown Art. 9 categories: {', '.join(sorted(unknown))}")
            for category, entries in categories.items():
                groups[f"{language}:{category}"] = list(entries)
            exclusions.extend(data.get("exclusions", []))
        return cls(phrases=LabelledPhrases(groups, book), exclusions=PhraseSet(exclusions, book))

    def find(self, text: FoldedText, original: str, segment: int, language: str) -> list[Finding]:
        """Art. 9 findings in one text (offsets in the original text)."""
        excluded = list(self.exclusions.finditer(text))
        findings: list[Finding] = []
        for label, start, end in self.phrases.finditer(text):
            if any(start < x_end and x_start < end for x_start, x_end in excluded):
                continue
            lexicon, category = label.split(":")
            rule_id = f"art9.{lexicon}.{category.removeprefix('ART9_').lower()}"
            findings.append(text.finding(original, start, end, segment=segment, language=language,
                                         entity_type=category, score=0.8, rule_id=rule_id))
        return findings
