"""Regex recognizers defined as data (rules/detection.yaml ``patterns``).

Presidio's own PatternRecognizer only boosts a score when a context word is near; several
of our types need more: a checksum that must pass (national numbers, IBANs, cards), a cue
that must be present (BSN, passports, compact licence plates), or a match cut back to the
longest prefix that passes its checksum (an IBAN followed by a word).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import cached_property

from presidio_analyzer import EntityRecognizer, RecognizerResult
from presidio_analyzer.nlp_engine import NlpArtifacts

from gateway.detect.cues import CueMatcher
from gateway.detect.literals import has_digit, may_match, required_literals, requires_digit
from gateway.detect.rules import PatternRule
from gateway.detect.scan import AnchoredScanner, StartScanner, TextDigits
from gateway.detect.validators import VALIDATORS

_SEPARATOR = re.compile(r"[\s\-]")


class TextFacts:
    """What several recognizers test about one text, worked out once for all of them.

    Presidio hands every recognizer the same NlpArtifacts for a text; the detector attaches
    one of these to it (:func:`attach_facts`) and the recognizers read it with
    :func:`text_facts`.  It lives as long as the artifacts: one analysis.
    """

    def __init__(self, text: str) -> None:
        self.text = text

    @cached_property
    def has_digit(self) -> bool:
        return has_digit(self.text)

    @cached_property
    def digits(self) -> TextDigits:
        """Where the digits are: a pattern that needs one is only tried before them."""
        return TextDigits(self.text)


_FACTS = "gateway_text_facts"


def attach_facts(artifacts: NlpArtifacts, text: str) -> NlpArtifacts:
    setattr(artifacts, _FACTS, TextFacts(text))
    return artifacts


def text_facts(text: str, artifacts: NlpArtifacts | None) -> TextFacts:
    """The facts attached to ``artifacts`` when they are about ``text``, else new ones."""
    facts = getattr(artifacts, _FACTS, None)
    return facts if isinstance(facts, TextFacts) and facts.text is text else TextFacts(text)


def result(entity: str, start: int, end: int, score: float, rule_id: str) -> RecognizerResult:
    """A Presidio result that carries our rule id (logged instead of the value)."""
    return RecognizerResult(entity, start, end, score, recognition_metadata={"rule_id": rule_id})


class ValidatedPatternRecognizer(EntityRecognizer):
    """One PatternRule as a Presidio recognizer for one language."""

    def __init__(self, rule: PatternRule, language: str) -> None:
        if rule.validator is not None and rule.validator not in VALIDATORS:
            raise ValueError(f"pattern {rule.name}: unknown validator {rule.validator!r}")
        self.rule = rule
        self._regex = re.compile(rule.regex, re.IGNORECASE if rule.ignore_case else 0)
        self._scanner: StartScanner | AnchoredScanner = (
            StartScanner(self._regex) if rule.anchor is None
            else AnchoredScanner(self._regex, rule.anchor.find, rule.anchor.back))
        self._validate = VALIDATORS[rule.validator] if rule.validator else None
        self._cues = CueMatcher(rule.context, rule.context_window)
        self._literals = required_literals(self._regex)
        self._needs_digit = requires_digit(self._regex)
        super().__init__([rule.entity], name=f"pattern:{rule.name}", supported_language=language)

    def load(self) -> None:
        """Nothing to load: the regex is compiled in the constructor."""

    def analyze(self, text: str, entities: list[str], nlp_artifacts: NlpArtifacts | None = None
                ) -> list[RecognizerResult]:
        if not self._may_match(text, nlp_artifacts):
            return []
        out = []
        for match in self._matches(text, nlp_artifacts):
            span = self._accepted_span(match.group(), match.start())
            if span is None:
                continue
            if self.rule.requires_context and not self._cues.before(text, span[0]):
                continue
            out.append(result(self.rule.entity, span[0], span[1], self.rule.score, self.rule.name))
        return out

    def _matches(self, text: str, artifacts: NlpArtifacts | None) -> Iterator[re.Match[str]]:
        """The scan's matches; the text's digits are only worked out for a pattern that
        needs one (_may_match has then seen that the text has a digit)."""
        if isinstance(self._scanner, AnchoredScanner):
            return self._scanner.finditer(text)
        return self._scanner.finditer(text, text_facts(text, artifacts).digits if self._needs_digit else None)

    def _may_match(self, text: str, artifacts: NlpArtifacts | None) -> bool:
        """Cheap tests that skip the scan when it cannot match: a literal or a digit that
        every match contains is missing from the whole text."""
        if not may_match(self._literals, text):
            return False
        return not self._needs_digit or text_facts(text, artifacts).has_digit

    def _accepted_span(self, value: str, start: int) -> tuple[int, int] | None:
        """The span to report, or None when the checksum fails (also for every prefix)."""
        if self._validate is None or self._validate(value):
            return start, start + len(value)
        if not self.rule.trim:
            return None
        cuts = [m.start() for m in _SEPARATOR.finditer(value)]
        for cut in reversed(cuts):
            prefix = value[:cut]
            if self._validate(prefix):
                return start, start + len(prefix)
        return None
