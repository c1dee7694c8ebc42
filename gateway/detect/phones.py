"""Phone numbers: cheap regex candidates, validated by libphonenumber.

Presidio's PhoneRecognizer runs libphonenumber's matcher once per region over the whole
text (10-20 ms per 1,000 words); a regex finds the few digit runs that could be a number
and only those are parsed.  A candidate must start with +, 00 or a trunk 0, so invoice
numbers, amounts and national register numbers are never parsed as phone numbers; dates
and enterprise numbers are excluded by shape (rules ``phones.not_a_phone``).  A candidate
that continues a longer number-like run ("BE71 0961 2345 6770", "4539 1488 0343 6468")
is a piece of an account, card or tracking number, never a phone number.
"""

from __future__ import annotations

import re

import phonenumbers
from presidio_analyzer import EntityRecognizer, RecognizerResult
from presidio_analyzer.nlp_engine import NlpArtifacts

from gateway.detect.literals import requires_digit
from gateway.detect.patterns import result, text_facts
from gateway.detect.rules import PhoneRules
from gateway.detect.scan import StartScanner

ENTITY = "PHONE_NUMBER"
_CUT = re.compile(r"[\s./-]")
# A token with a digit right before the candidate, one space apart: "1488 ", "BE71 ".
_RUN_BEFORE = re.compile(r"[^\W_]*\d[^\W_]* $")
_LOOKBACK = 24


class PhoneRecognizer(EntityRecognizer):
    """BE, NL, FR, DE, LU, GB national formats and any international +NN / 00NN number."""

    def __init__(self, rules: PhoneRules, language: str) -> None:
        self.rules = rules
        self._candidate = re.compile(rules.candidate)
        self._candidates = StartScanner(self._candidate)
        self._needs_digit = requires_digit(self._candidate)
        self._excluded = [re.compile(p) for p in rules.not_a_phone]
        super().__init__([ENTITY], name="phone", supported_language=language)

    def load(self) -> None:
        """Nothing to load: libphonenumber's metadata loads lazily on first use."""

    def analyze(self, text: str, entities: list[str], nlp_artifacts: NlpArtifacts | None = None
                ) -> list[RecognizerResult]:
        facts = text_facts(text, nlp_artifacts)
        if self._needs_digit and not facts.has_digit:
            return []
        out = []
        for match in self._candidates.finditer(text, facts.digits):
            if self._excluded_shape(match.group()) or self._continues_run(text, match.start()):
                continue
            length = self._valid_prefix(match.group())
            if length:
                out.append(result(ENTITY, match.start(), match.start() + length, self.rules.score, "phone"))
        return out

    def _valid_prefix(self, value: str) -> int:
        """Length of the longest prefix (cut at a separator) that is a valid number, or 0."""
        cuts = [len(value)] + [m.start() for m in reversed(list(_CUT.finditer(value)))]
        for cut in cuts:
            if self.is_phone(value[:cut].rstrip()):
                return cut
        return 0

    @staticmethod
    def _continues_run(text: str, start: int) -> bool:
        """True when the candidate is the tail of a longer number-like token sequence."""
        return _RUN_BEFORE.search(text, max(0, start - _LOOKBACK), start) is not None

    def _excluded_shape(self, value: str) -> bool:
        return any(p.match(value) for p in self._excluded)

    def is_phone(self, value: str) -> bool:
        """True if ``value`` is a valid number in one of the regions (or international)."""
        if self._excluded_shape(value):
            return False
        regions = [None] if value.startswith("+") else self.rules.regions
        for region in regions:
            try:
                number = phonenumbers.parse(value, region)
            except phonenumbers.NumberParseException:
                continue
            if phonenumbers.is_valid_number(number):
                return True
        return False
