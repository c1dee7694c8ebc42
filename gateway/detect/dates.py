"""Dates of birth: a date is personal data here only in a birth context.

Meeting dates, deadlines and opening hours must reach the provider untouched, so a date
is reported only when a birth cue ("geboren", "°", "né le", "born", "Geburtsdatum", ...)
stands shortly before it, or when it sits in a table column whose header names a birth
date ("birth_date", "geboortedatum").  Dates are numeric (12/03/1978, 1978-03-12,
30.06.1971) or written with a month name in nl/fr/en/de ("5 juni 1978", "né le 3 mars").
"""

from __future__ import annotations

import re

from presidio_analyzer import EntityRecognizer, RecognizerResult
from presidio_analyzer.nlp_engine import NlpArtifacts

from gateway.detect.cues import CueMatcher, cue_regex
from gateway.detect.literals import requires_digit
from gateway.detect.patterns import result, text_facts
from gateway.detect.rules import BirthDateRules
from gateway.detect.scan import StartScanner

ENTITY = "DATE_OF_BIRTH"
_NUMERIC = r"\d{1,2}[./-]\d{1,2}[./-](?:\d{4}|\d{2})|\d{4}-\d{2}-\d{2}"
_CELL_SEPARATOR = re.compile(r"\s*(?:\||\t| {2,}|;|,)\s*")


def _cells(line: str) -> list[str]:
    return [cell for cell in _CELL_SEPARATOR.split(line.strip()) if cell]


def _is_header(cells: list[str]) -> bool:
    """A table header: several short cells (column names), not a sentence with commas."""
    return len(cells) >= 2 and all(len(cell.split()) <= 3 for cell in cells)


def date_regex(months: list[str]) -> re.Pattern[str]:
    """Numeric dates and dates written with one of ``months`` (day first or month first)."""
    names = "|".join(re.escape(m) for m in sorted(set(months), key=len, reverse=True))
    day = r"\d{1,2}(?:er|e|ste|de|st|nd|rd|th)?\.?"
    month = rf"(?:{names})\.?"
    year = r"(?:\s+\d{4})?"
    return re.compile(
        rf"(?<![\w/.-])(?:{_NUMERIC}|{day}\s+{month}{year}|{month}\s+\d{{1,2}}(?:st|nd|rd|th)?,?\s+\d{{4}})"
        r"(?![\w/-]|\.\d)",
        re.IGNORECASE,
    )


class BirthDateRecognizer(EntityRecognizer):
    """Dates preceded by a birth cue, or in a table column headed by one."""

    def __init__(self, rules: BirthDateRules, language: str) -> None:
        self.rules = rules
        months = [m for per_language in rules.months.values() for m in per_language]
        self._dates = date_regex(months)
        self._scanner = StartScanner(self._dates)
        self._cues = CueMatcher(rules.cues, rules.context_window)
        self._cues_after = CueMatcher(rules.cues_after, rules.after_window)
        self._header_cue = cue_regex(rules.cues)
        self._needs_digit = requires_digit(self._dates)
        super().__init__([ENTITY], name="birth_date", supported_language=language)

    def load(self) -> None:
        """Nothing to load: the regexes are compiled in the constructor."""

    def analyze(self, text: str, entities: list[str], nlp_artifacts: NlpArtifacts | None = None
                ) -> list[RecognizerResult]:
        facts = text_facts(text, nlp_artifacts)
        if self._needs_digit and not facts.has_digit:
            return []
        table_rows = self._birth_table_rows(text)
        out = []
        for match in self._scanner.finditer(text, facts.digits):
            if self._cues.before(text, match.start()) or self._cues_after.after(text, match.end()) \
                    or self._in_rows(match.start(), table_rows):
                out.append(result(ENTITY, match.start(), match.end(), self.rules.score, "birth_date"))
        return out

    def _birth_table_rows(self, text: str) -> list[tuple[int, int]]:
        """Spans of the rows below a table header that has a birth-date column."""
        spans: list[tuple[int, int]] = []
        if self._header_cue is None:
            return spans
        offset = 0
        in_table = False
        for line in text.splitlines(keepends=True):
            cells = _cells(line)
            if in_table and len(cells) >= 2:
                spans.append((offset, offset + len(line)))
            else:
                in_table = _is_header(cells) and bool(self._header_cue.search(line))
            offset += len(line)
        return spans

    @staticmethod
    def _in_rows(pos: int, rows: list[tuple[int, int]]) -> bool:
        return any(start <= pos < end for start, end in rows)
