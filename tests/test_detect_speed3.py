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
from detect_secrets.plugins.base import RegexBasedDetector
from hypothesis import given, settings
from hypothesis import strategies as st

from gateway.detect.literals import caseless_literals, may_match, required_literals
from gateway.detect.normalize import _SPACED_RUN, has_spaced_run
from gateway.detect.rules import DEFAULT_DETECTION_RULES, PatternRule, load_rules
from gateway.detect.scan import AnchoredScanner
from gateway.sensitive.credentials import (
    _CANDIDATE,
    CredentialRules,
    _has_candidate,
    _keyword_fold,
    _plugin_spans,
    _regex_spans,
)

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


# Pieces of addresses (plain, URL-encoded, obfuscated) and their near misses: anchor words
# in several cases and with case-insensitive twins (long s, Kelvin sign, dotted I),
# brackets, separators, top-level domains and prose.
PIECES = st.sampled_from([
    "jan", "Jan.Peeters", "a+b", "x-y", "_", "9", "at", "AT", "At", "@", "%40", "%", "4",
    "apenstaartje", "AROBASE",
    "aroba\u017fe", "dot", "punt", "point", "PUNKT", "pun\u212at", "com", "be", "co.uk", "info", "\u0130nfo",
    "(", ")", "[", "]", "{", "}", "<", ">", ".", " ", "  ", "\n", "\t", ",", "-",
    "that", "data", "\u00e9t\u00e9",
])
ADDRESS_LIKE = st.lists(PIECES, max_size=30).map("".join)


def test_the_email_rules_have_an_anchor() -> None:
    assert [rule.name for rule in ANCHORED] == ["email", "email_obfuscated"]


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


@pytest.mark.parametrize("rule", [r for r in ANCHORED if r.name == "email_obfuscated"], ids=lambda r: r.name)
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


def test_a_verbose_pattern_is_read_only_without_white_space_or_comments() -> None:
    assert required_literals(re.compile(r"hooks\.slack\.com/T\w+", re.VERBOSE)) == (("hooks.slack.com/T",),)
    assert required_literals(re.compile(r"hooks \.slack", re.VERBOSE)) == ()  # the space is not in a match
    assert required_literals(re.compile(r"key#comment", re.VERBOSE)) == ()
    assert caseless_literals(re.compile(r"AWS\w", re.VERBOSE | re.IGNORECASE)) == (("aws",),)


def test_case_folding_keeps_every_character_the_credential_regexes_take_for_a_literal_letter() -> None:
    caseless = [*CREDENTIALS._caseless.values(), *(step.caseless for step in CREDENTIALS._plugin_steps)]
    literals = [lit for clauses in caseless for clause in clauses for lit in clause]
    assert "https://hooks.slack.com/services/t" in literals  # a VERBOSE plugin regex, read as usual
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


def _every_regex_hits(rules: CredentialRules, text: str) -> list[tuple[int, int, str]]:
    """CredentialRules.find without the literal gates: every pattern and plugin runs on
    every line that has a candidate (the plain computation the gates must not change)."""
    hits: dict[tuple[int, int], str] = {}
    offset = 0
    lines = text.split("\n")
    for number, line in enumerate(lines, start=1):
        found = [hit for name, pattern in rules._patterns.items() for match in pattern.finditer(line)
                 for hit in rules._accept(line, offset, match.span("secret"), f"credential.{name}")]
        found += rules._keyword_hits(line, offset)
        if _CANDIDATE.search(line):
            for plugin in rules._plugins:
                rule = f"credential.{type(plugin).__name__}"
                spans = ([span for pattern in plugin.denylist for span in _regex_spans(pattern, line)]
                         if isinstance(plugin, RegexBasedDetector) else _plugin_spans(plugin, line, number))
                found += [hit for span in spans for hit in rules._accept(line, offset, span, rule)]
        hits.update(((hit.start, hit.end), hit.rule_id) for hit in found)
        offset += len(line) + 1
    hits.update(((hit.start, hit.end), hit.rule_id) for hit in rules._csv_hits(lines))
    return sorted((start, end, rule) for (start, end), rule in hits.items())


SECRET_PIECES = st.sampled_from([
    "sk-", "sk-ant-", "sk-proj-", "AIza", "live_", "test_", "AKIA", "ASIA", "ghp_", "glpat-", "eyJ", "SG.",
    "xoxb-", "sq0csp-", "sk_live_", "rk_live_", "AC", "SK", "AccountKey=", "-----BEGIN RSA PRIVATE KEY",
    "postgres://", "u:p4ss@", "@", ":", "=", ".", "-", "_", "/", " ", "\n", '"', "Bearer ", "password: ",
    "wachtwoord ", "1234567890", "abcdefghijKLMNOPqrst", "Qz7!kLm2pX", "0123456789abcdef" * 2,
    "AWS ", "aws_secret_key = '", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY'", "XOXB-", "xoxp-12-34-",
    "https://hooks.slack.com/services/", "HTTPS://HOOKS.SLACK.COM/SERVICES/", "T0123ABCD", "/B0123ABCD/",
])


def _credential_hits(rules: CredentialRules, text: str) -> list[tuple[int, int, str]]:
    return sorted((f.start, f.end, f.rule_id) for f in rules.find(text, 0, "en"))


@settings(max_examples=400, deadline=None)
@given(st.lists(SECRET_PIECES, max_size=25).map("".join))
def test_the_literal_gate_only_skips_regexes_that_cannot_match(text: str) -> None:
    assert _credential_hits(CREDENTIALS, text) == _every_regex_hits(CREDENTIALS, text)


def test_the_literal_gate_finds_what_every_regex_finds_in_prompts() -> None:
    found = 0
    for text in [*TEXTS, "OPENAI_API_KEY=sk-proj-Qw3rTy8uIoPaSdFgHjKlZx9cVbNm12",
                 "DATABASE_URL=postgres://app:Tr0ub4dor3@db.internal:5432/prod",
                 "token ghp_1a2B3c4D5e6F7g8H9i0JkLmNoPqRsTuVwXyZ and "
                 "Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.abc123def"]:
        expected = _every_regex_hits(CREDENTIALS, text)
        assert _credential_hits(CREDENTIALS, text) == expected, text
        found += len(expected)
    assert found >= 4


SPACED_PIECES = st.sampled_from(["a", "B", "1", "é", "_", "ab", "x1", " ", "  ", "   ", "    ", "\n", "\t",
                                 ".", ",", "J a n", "0 4 7 6", "\u00a0", "٣"])


@settings(max_examples=500, deadline=None)
@given(st.lists(SPACED_PIECES, max_size=30).map("".join))
def test_the_spaced_pair_test_only_skips_texts_without_a_spaced_run(text: str) -> None:
    assert has_spaced_run(text) == (_SPACED_RUN.search(text) is not None)


def test_the_spaced_pair_test_on_prompts() -> None:
    texts = [*TEXTS, "bel 0 4 7 6 1 2 3 4 5 6", "J a n  P e e t e r s", "x a b c y", "a  b   c d"]
    assert sum(has_spaced_run(t) for t in texts) >= 4
    for text in texts:
        assert has_spaced_run(text) == (_SPACED_RUN.search(text) is not None), text
