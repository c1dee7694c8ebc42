"""A pattern that needs a digit is only tried shortly before the text's digits, and still
finds exactly what ``finditer`` finds (gateway/detect/scan.py: digit_reach, TextDigits).

One year in a prompt of prose used to make every date, address, plate and number pattern
scan the whole prompt (0.5 -> 1.15 ms for a 300-word Dutch prompt); these tests hold the
shortcut to the plain scan, on the shipped patterns, held-out prompts and generated text
with the long runs the shortcut has to notice.
"""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gateway.detect.dates import date_regex
from gateway.detect.rules import DEFAULT_DETECTION_RULES, load_rules
from gateway.detect.scan import (
    LONGEST_RUN,
    WHITESPACE,
    LongRun,
    StartScanner,
    TextDigits,
    digit_reach,
    window_start,
)
from tests.test_detect_speed import TEXTS, _patterns


def _digit_patterns() -> list[re.Pattern[str]]:
    rules, _names, _allow = load_rules(DEFAULT_DETECTION_RULES)
    months = [m for per_language in rules.birth_dates.months.values() for m in per_language]
    return [p for p in [*_patterns(), date_regex(months)] if digit_reach(p) is not None]


DIGIT_PATTERNS = _digit_patterns()


def _spans(matches: object) -> list[tuple[int, int]]:
    return [m.span() for m in matches]  # type: ignore[attr-defined]


def _windowed(pattern: re.Pattern[str], text: str) -> list[tuple[int, int]]:
    return _spans(StartScanner(pattern).finditer(text, TextDigits(text)))


def test_the_patterns_that_cost_most_are_windowed() -> None:
    """Dates, every street form, IBANs, phones: the recognizers that ran on any text with a digit."""
    windowed = {p.pattern for p in DIGIT_PATTERNS if window_start(p) is not None}
    assert len(windowed) >= 18
    rules, _names, _allow = load_rules(DEFAULT_DETECTION_RULES)
    assert re.compile(rules.phones.candidate).pattern in windowed
    assert any("geboren" not in p and "juni" in p for p in windowed)  # the date regex's months


@pytest.mark.parametrize("pattern", DIGIT_PATTERNS, ids=lambda p: p.pattern[:40])
def test_windowed_scan_finds_exactly_what_finditer_finds(pattern: re.Pattern[str]) -> None:
    for text in TEXTS:
        assert _windowed(pattern, text) == _spans(pattern.finditer(text)), text[:80]


PIECES = st.sampled_from([
    "0", "7", "12", "1988", "0476 12 34 56", "BE71 0961 2345 6769", "+32", "(0)", "1-ABC-123", "٣",
    " ", "  ", "\n", "\t", " " * (LONGEST_RUN + 6), "-", ".", "/", ",", "'",
    "Kerkstraat", "Herbesthaler", "Straße", "rue", "du", "Moulin", "avenue", "Louise", "Baker", "Street",
    "juni", "March", "mars", "geboren", "born", "né le", "Jan", "de", "x" * (LONGEST_RUN + 3), "Ab" * 40,
])
# Prose without digits around the generated part, so that its windows are not dense
# (a text mostly in windows is scanned whole, which would hide a wrong window).
PROSE = "Het team heeft de planning besproken en de prioriteiten bepaald. " * 6
TEXT = st.lists(PIECES, max_size=24).map(lambda pieces: PROSE + "".join(pieces) + PROSE)


@pytest.mark.parametrize("pattern", DIGIT_PATTERNS, ids=lambda p: p.pattern[:40])
@settings(max_examples=150, deadline=None)
@given(text=TEXT)
def test_windowed_scan_finds_exactly_what_finditer_finds_in_generated_text(pattern: re.Pattern[str],
                                                                           text: str) -> None:
    assert _windowed(pattern, text) == _spans(pattern.finditer(text))


@pytest.mark.parametrize(("source", "chars", "runs"), [
    (r"\d", 0, []),
    (r"(?<![\w-])[A-Z]{2}\d{2}", 2, []),
    (r"(?:ab|c)x?[0-9]", 3, []),
    (r"(?:\d|ab\d)", 2, []),
    (r"(?i:rue)\s+\d", 3 + LONGEST_RUN, [(r"[\s]", True)]),
    (r"[A-Z][\w-]*?x\s+\d", 2 + 2 * LONGEST_RUN, [(r"[\w\-]", False), (r"[\s]", True)]),
    (r"\D*\d", LONGEST_RUN, [(r"[\D]", True)]),
    (r"(?:\d[ -]?){12,18}\d", 0, []),
    (r"a|1", None, None),  # a match without a digit
    (r"\d?x", None, None),
    (r"[0-9a-f]{4}", None, None),
    (r"(?:\w+\s)+\d", None, None),  # an unbounded repeat of more than one character
    (r"(a)\1\d", None, None),
])
def test_digit_reach(source: str, chars: int | None, runs: list[tuple[str, bool]] | None) -> None:
    reach = digit_reach(re.compile(source))
    if chars is None:
        assert reach is None
        return
    assert reach is not None and reach.chars == chars
    assert [(r.regex.pattern, r.crosses_whitespace) for r in reach.runs] == [
        (f"{one}{{{LONGEST_RUN + 1}}}", crosses) for one, crosses in runs or []]


def test_whitespace_is_what_str_split_splits_at() -> None:
    assert "".join(chr(code) for code in range(0x110000) if chr(code).isspace()) == WHITESPACE


def test_a_long_run_without_white_space_is_found_in_long_words_only() -> None:
    run = LongRun.of(r"[\w\-]")
    assert not run.crosses_whitespace
    long_word = "x" * (LONGEST_RUN + 1)
    assert TextDigits(f"a 1 {long_word} b").has(run)
    assert not TextDigits(f"a 1 {long_word[:-1]} b {long_word[:-1]}").has(run)
    assert TextDigits("1" + "\u3000" * (LONGEST_RUN + 1)).has(LongRun.of(r"[\s]"))


def test_a_run_longer_than_the_reach_assumes_scans_the_whole_text() -> None:
    pattern = re.compile(r"(?<![\w-])(?i:rue)\s+\d{1,3}(?!\d)")
    text = "Prose first. rue" + " " * (LONGEST_RUN + 1) + "12, then more prose." + PROSE
    digits = TextDigits(text)
    assert digits.windows(digit_reach(pattern)) is None  # type: ignore[arg-type]
    assert _spans(StartScanner(pattern).finditer(text, digits)) == [(13, 13 + 3 + LONGEST_RUN + 1 + 2)]
    shorter = text.replace(" " * (LONGEST_RUN + 1), " " * LONGEST_RUN)
    assert TextDigits(shorter).windows(digit_reach(pattern)) == [(13, 13 + 3 + LONGEST_RUN + 2)]  # type: ignore[arg-type]


def test_windows_are_merged_and_cover_only_the_stretches_before_digits() -> None:
    text = "a" * 100 + "12" + "b" * 5 + "3" + "c" * 300 + "45"
    reach = digit_reach(re.compile(r"[a-z]{0,10}\d"))
    assert reach is not None and reach.chars == 10
    assert TextDigits(text).windows(reach) == [(90, 108), (398, 410)]


def test_digit_dense_text_is_scanned_whole() -> None:
    reach = digit_reach(re.compile(r"[a-z]{0,10}\d"))
    assert TextDigits("ab1 " * 50).windows(reach) is None  # type: ignore[arg-type]


def test_the_scanner_only_uses_digits_of_its_own_text() -> None:
    pattern = re.compile(r"(?<!\d)\d{4}(?!\d)")
    assert _spans(StartScanner(pattern).finditer("in 2024", TextDigits("1988 elsewhere"))) == [(3, 7)]
