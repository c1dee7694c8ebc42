"""Street addresses in Dutch, French, German and English forms, with optional postcode and town.

    nl/de compounds    Kapellestraat 23, Sint-Bernardsesteenweg 521, Lindelei 12 bus 3
    separate type      Herbesthaler Straße 31
    fr                 rue du Moulin 31, avenue Louise 54, 8 rue Nationale
    en                 12 Baker Street
    + postcode/town    ..., 9320 Erembodegem / 1015 CJ Amsterdam / 75011 Paris

The street vocabularies are data (rules/detection.yaml ``addresses``); a street name must
be capitalised and followed (or, in French and English, possibly preceded) by a house
number, so "de straat" or "rue principale" alone never matches.
"""

from __future__ import annotations

import re

from presidio_analyzer import EntityRecognizer, RecognizerResult
from presidio_analyzer.nlp_engine import NlpArtifacts

from gateway.detect.literals import requires_digit
from gateway.detect.patterns import result, text_facts
from gateway.detect.rules import AddressRules
from gateway.detect.scan import StartScanner

ENTITY = "STREET_ADDRESS"
UPPER = "A-ZÀ-ÖØ-ÞŁŒŠŽŸ"
_NAME_WORD = rf"[{UPPER}][\w'’.-]*"


def _alternation(words: list[str]) -> str:
    return "|".join(re.escape(w) for w in sorted(set(words), key=len, reverse=True))


def _french_name(rules: AddressRules) -> str:
    """Street name after a French type: words, possibly after articles ("du", "de la", "d'")."""
    spaced = _alternation([a for a in rules.french_articles if not a.endswith(("'", "’"))])
    elided = _alternation([a for a in rules.french_articles if a.endswith(("'", "’"))])
    article = rf"(?i:(?:{elided})|(?:{spaced})\s+)"
    date_word = rf"\d{{1,2}}(?:er|e)?(?=\s+[{UPPER}])"  # rue du 11 Novembre
    word = rf"(?:{article})?(?:{_NAME_WORD}|{date_word})"
    return rf"{word}(?:[ -]{word}){{0,4}}"


def address_regexes(rules: AddressRules) -> list[re.Pattern[str]]:
    """The four street forms, each with the optional postcode + town tail."""
    number = rules.house_number
    tail = rf"(?:{rules.postcode_town})?"
    compound = rf"[{UPPER}][\w'’-]*?(?i:{_alternation(rules.compound_suffixes)})"
    separate = rf"[{UPPER}][\w'’-]+\s+(?i:{_alternation(rules.separate_types)})"
    french_type = rf"(?i:{_alternation(rules.french_types)})"
    french_name = _french_name(rules)
    english = rf"{number},?\s+(?:{_NAME_WORD}\s+){{1,3}}(?i:{_alternation(rules.english_types)})(?!\w)"
    forms = [
        rf"(?:{compound}|{separate})\s+{number}",
        rf"{french_type}\s+{french_name},?\s+{number}",
        rf"{number},?\s+{french_type}\s+{french_name}",
        english,
    ]
    return [re.compile(rf"(?<![\w-])(?:{form})(?![\w-]){tail}") for form in forms]


class AddressRecognizer(EntityRecognizer):
    """All street forms for one language (the forms do not depend on the text's language:
    a Dutch prompt may quote a French address)."""

    def __init__(self, rules: AddressRules, language: str) -> None:
        self.rules = rules
        self._regexes = [StartScanner(regex) for regex in address_regexes(rules)]
        # Every street form has a house number.
        self._needs_digit = requires_digit(re.compile(rules.house_number))
        super().__init__([ENTITY], name="street_address", supported_language=language)

    def load(self) -> None:
        """Nothing to load: the regexes are compiled in the constructor."""

    def analyze(self, text: str, entities: list[str], nlp_artifacts: NlpArtifacts | None = None
                ) -> list[RecognizerResult]:
        facts = text_facts(text, nlp_artifacts)
        if self._needs_digit and not facts.has_digit:
            return []
        return [
            result(ENTITY, m.start(), m.end(), self.rules.score, f"street_address:{form}")
            for form, regex in enumerate(self._regexes)
            for m in regex.finditer(text, facts.digits)
        ]
