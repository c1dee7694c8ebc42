"""Third round of detection shortcuts, each against the plain computation it replaces.

The anchored scan of the patterns that name an ``anchor`` (scan.AnchoredScanner), the
case-folded literal gate of the case-insensitive credential patterns
(literals.caseless_literals) and the branch-by-branch candidate test of credentials.py.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gateway.detect.literals import caseless_literals, may_match
from gateway.detect.rules import DEFAULT_DETECTION_RULES, PatternRule, load_rules
from gateway.detect.scan import AnchoredScanner
from gateway.sensitive.credentials import _CANDIDATE, CredentialRules, _has_candidate, _keyword_fold

ROOT = Path(__file__).resolve().parent.parent
TEXTS = [m["content"] for line in (ROOT / "eval" / "holdout.jsonl").read_text(encoding="utf-8").splitlines()
         if line.strip() for m in json.loads(line)["messages"] if isinstance(m["content"], str)]
ALL_CHARS = "".join(chr(c) for c in range(0x110000) if not 0xD800 <= c <= 0xDFFF)
CREDENTIALS = CredentialRules(ROOT / "rules" / "sensitive" / "credentials.yaml")


def _anchored_rules() -> list[PatternRule]:
    rules, _names, _allow = load_rules(DEFAULT_DETECTION_RULES)
    return [rule for rule in rules.patterns if rule.anchor is not None]


ANCHORED = _anchored_rules()


def _scanners(rule: PatternRule) -> tuple[re.Pattern[str], AnchoredScanner]:
    assert rule.anchor is not None
    pattern = re.compile(rule.regex, re.IGNORECASE if rule.ignore_case else 0)
    return pattern, AnchoredScanner(pattern, rule.anchor.find, rule.anchor.back)


def _spans(matches: object) -> list[tuple[int, int]]:
    return [m.span() for m in matches]  # type: ignore[attr-defined]


# Pieces of obfuscated addresses and their near misses: anchor words in several cases and
# with case-insensitive twins (long s, Kelvin sign, dotted I), brackets, separators,
# top-level domains and prose.
PIECES = st.sampled_from([
    "jan", "Jan.Peeters", "a+b", "x-y", "_", "9", "at", "AT", "At", "@", "apenstaartje", "AROBASE",
    "aroba\u017fe", "dot", "punt", "point", "PUNKT", "pun\u212at", "com", "be", "co.uk", "info", "\u0130nfo",
    "(", ")", "[", "]", "{", "}", "<", ">", ".", " ", "  ", "\n", "\t", ",", "-",
    "that", "data", "\u00e9t\u00e9",
])
ADDRESS_LIKE = st.lists(PIECES, max_size=30).map("".join)


def test_the_email_rules_have_an_anchor() -> None:
    assert [rule.name for rule in ANCHORED] == ["email_obfuscated"]


@pytest.mark.parametrize("rule", ANCHORED, ids=lambda r: r.name)
def test_anchored_scan_finds_exactly_what_finditer_finds_in_prompts(rule: PatternRule) -> None:
    pattern, scanner = _scanners(rule)
    texts = [*TEXTS, "jan (at) example (dot) be", "mail JAN [AT] x [DOT] com, or jan at x dot nl",
             "a at b at c.com", "x (at) (at) y.com", "x ( (at) y.com", "at x.com", "(at) y.be"]
    found = 0
    for text in texts:
        expected = _spans(pattern.finditer(text))
        assert _spans(scanner.finditer(text)) == expected, text
        found += len(expected)
    assert found >= 5


@pytest.mark.parametrize("rule", ANCHORED, ids=lambda r: r.name)
@settings(max_examples=400, deadline=None)
@given(text=ADDRESS_LIKE)
def test_anchored_scan_finds_exactly_what_finditer_finds(rule: PatternRule, text: str) -> None:
    pattern, scanner = _scanners(rule)
    assert _spans(scanner.finditer(text)) == _spans(pattern.finditer(text))


@pytest.mark.parametrize("rule", ANCHORED, ids=lambda r: r.name)
def test_anchor_finds_every_word_the_rule_needs(rule: PatternRule) -> None:
    """A guard against drift: the rule's own required words (the first literal set of the
    pattern, letters included) must all be anchors, however they are bracketed."""
    pattern, scanner = _scanners(rule)
    assert rule.anchor is not None
    find = re.compile(rule.anchor.find, pattern.flags)
    words = caseless_literals(pattern)
    assert any("at" in clause for clause in words)
    needed = next(clause for clause in words if "at" in clause)
    for word in needed:
        for written in (f"x {word} y", f"x ({word}) y", f"x [ {word} ] y", f"x {word.upper()} y"):
            assert find.search(written), written


def test_caseless_literals() -> None:
    assert caseless_literals(re.compile(r"(?i)\bBEARER\s+x")) == (("bearer",), ("x",))
    assert caseless_literals(re.compile(r"(?:AT|Arobase)\.x", re.IGNORECASE)) == ((".x",), ("at", "arobase"))
    assert caseless_literals(re.compile(r"bearer")) == ()


def test_case_folding_keeps_every_character_the_credential_regexes_take_for_a_literal_letter() -> None:
    literals = [lit for clauses in CREDENTIALS._caseless.values() for clause in clauses for lit in clause]
    chars = {c for literal in literals for c in literal}
    assert "b" in chars
    for char in sorted(chars):
        for twin in re.findall(re.escape(char), ALL_CHARS, re.IGNORECASE):
            assert _keyword_fold(twin) == char, (char, hex(ord(twin)))


LINE = st.lists(st.sampled_from([
    "Bearer", "BEARER", "be\u0430rer", "bearer", "bea\u0307rer", " ", "\t", "abcdefghij0123456789", "x" * 15,
    "postgres://u:pa55word@db/x", "://", "@", ":", "=", "'", '"', "-----BEGIN", "/", ".", "sk-", "_",
]), max_size=20).map("".join)


@settings(max_examples=400, deadline=None)
@given(LINE)
def test_caseless_gate_only_skips_lines_without_a_match(line: str) -> None:
    folded = _keyword_fold(line)
    for name, pattern in CREDENTIALS._patterns.items():
        if pattern.search(line):
            assert may_match(CREDENTIALS._caseless[name], folded), (name, line)


@settings(max_examples=400, deadline=None)
@given(LINE)
def test_has_candidate_is_the_candidate_regex(line: str) -> None:
    assert _has_candidate(line) == (_CANDIDATE.search(line) is not None)


def test_has_candidate_on_prompts() -> None:
    for text in TEXTS:
        for line in text.split("\n"):
            assert _has_candidate(line) == (_CANDIDATE.search(line) is not None), line
