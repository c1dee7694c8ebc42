"""Phone numbers dictated in words: "null vier sieben fünf, zwölf, vierunddreißig, ...".

Voicemail transcripts and notes taken on the phone write numbers the way they were said.
A run of at least ``min_words`` number words (0-99, in any of the four languages) is turned
into its digits, and reported when those digits are a valid phone number.
"""

from __future__ import annotations

import re

from presidio_analyzer import EntityRecognizer, RecognizerResult
from presidio_analyzer.nlp_engine import NlpArtifacts

from gateway.detect.lexicon import fold
from gateway.detect.patterns import result
from gateway.detect.phones import ENTITY, PhoneRecognizer
from gateway.detect.rules import NumberWords, PhoneRules


def number_words(spec: NumberWords) -> dict[str, str]:
    """Word -> digits for 0-99 ("zwölf" -> "12", "vierunddreißig" -> "34"), each word both
    as written and folded (so "dreissig" and "dreißig" both count)."""
    spelled = {w: f"{n}" for n, w in enumerate(spec.units)}
    for t, ten in enumerate(spec.tens, start=2):
        spelled[ten] = f"{t}0"
        for u, unit in enumerate(spec.units[1:10], start=1):
            for pattern in spec.compounds:
                spelled[pattern.format(unit=unit, ten=ten)] = f"{t}{u}"
    return {key: digits for word, digits in spelled.items() for key in (word.lower(), fold(word))}


class SpokenPhoneRecognizer(EntityRecognizer):
    def __init__(self, rules: PhoneRules, language: str) -> None:
        self.rules = rules
        self._phones = PhoneRecognizer(rules, language)
        self._words: dict[str, str] = {}
        for spec in rules.spoken.numbers.values():
            self._words.update(number_words(spec))
        alternation = "|".join(re.escape(w) for w in sorted(self._words, key=len, reverse=True))
        word = rf"(?<![^\W_])(?:{alternation})(?![^\W_])"
        self._run = re.compile(rf"{word}(?:{rules.spoken.separators}{word})+", re.IGNORECASE)
        self._word = re.compile(word, re.IGNORECASE)
        super().__init__([ENTITY], name="phone_spoken", supported_language=language)

    def load(self) -> None:
        """Nothing to load: the word table is built in the constructor."""

    def analyze(self, text: str, entities: list[str], nlp_artifacts: NlpArtifacts | None = None
                ) -> list[RecognizerResult]:
        out = []
        for run in self._run.finditer(text):
            words = self._word.findall(run.group())
            if len(words) < self.rules.spoken.min_words:
                continue
            digits = "".join(self._words[fold(w)] for w in words)
            if self._phones.is_phone(digits) or self._phones.is_phone("+" + digits):
                out.append(result(ENTITY, run.start(), run.end(), self.rules.score, "phone_spoken"))
        return out
