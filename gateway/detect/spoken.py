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
from gateway.detect.literals import distinct_matches
from gateway.detect.patterns import result
from gateway.detect.phones import ENTITY, PhoneRecognizer
from gateway.detect.rules import NumberWords, PhoneRules

_WORD = re.compile(r"[^\W\d_]+(?:-[^\W\d_]+)*")


def _distinct_words(text: str) -> set[str]:
    """The distinct words (``_WORD``) of ``text``; a piece between white space that is all
    letters is one word."""
    return distinct_matches(text, _WORD, str.isalpha)


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
    """Runs of number words whose digits form a valid phone number."""

    def __init__(self, rules: PhoneRules, language: str) -> None:
        self.rules = rules
        self._phones = PhoneRecognizer(rules, language)
        self._words: dict[str, str] = {}
        for spec in rules.spoken.numbers.values():
            self._words.update(number_words(spec))
        self._separator = re.compile(rules.spoken.separators)
        super().__init__([ENTITY], name="phone_spoken", supported_language=language)

    def load(self) -> None:
        """Nothing to load: the word table is built in the constructor."""

    def analyze(self, text: str, entities: list[str], nlp_artifacts: NlpArtifacts | None = None
                ) -> list[RecognizerResult]:
        return [
            result(ENTITY, run[0][0], run[-1][1], self.rules.score, "phone_spoken")
            for run in self._runs(text)
            if len(run) >= self.rules.spoken.min_words and self._is_phone(run)
        ]

    def _runs(self, text: str) -> list[list[tuple[int, int, str]]]:
        """Maximal runs of number words separated only by spaces and punctuation."""
        runs: list[list[tuple[int, int, str]]] = []
        if not self._may_have_run(text):
            return runs
        current: list[tuple[int, int, str]] = []
        for m in _WORD.finditer(text):
            digits = self._digits(m.group())
            if digits is None:
                continue
            if current and not self._separator.fullmatch(text[current[-1][1]:m.start()]):
                runs.append(current)
                current = []
            current.append((m.start(), m.end(), digits))
        if current:
            runs.append(current)
        return runs

    def _digits(self, word: str) -> str | None:
        return self._words.get(word.lower()) or self._words.get(fold(word))

    def _may_have_run(self, text: str) -> bool:
        """False when the text has no ``min_words`` number words in a row.

        The loop in _runs looks at every word of the text; most texts have no number words
        at all, or ordinary ones ("een", "un", "one") apart.  This looks up each distinct
        word once and searches for a run of the number words found with one regex (the re
        module caches it: texts share few such word sets).
        """
        present = sorted(word for word in _distinct_words(text) if self._digits(word))
        if not present:
            return False
        word = "|".join(re.escape(w) for w in present)
        repeat = max(0, self.rules.spoken.min_words - 1)
        run = rf"(?:{word})(?:(?:{self._separator.pattern})(?:{word})){{{repeat}}}"
        return re.search(run, text) is not None

    def _is_phone(self, run: list[tuple[int, int, str]]) -> bool:
        digits = "".join(d for _, _, d in run)
        return self._phones.is_phone(digits) or self._phones.is_phone("+" + digits)
