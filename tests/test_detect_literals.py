"""The regex prefilters (gateway/detect/literals.py) may only skip scans that find nothing."""

from __future__ import annotations

import re

import pytest
import yaml

from gateway.detect.literals import may_match, required_literals, requires_digit
from gateway.detect.rules import DEFAULT_DETECTION_RULES


@pytest.mark.parametrize(("source", "expected"), [
    (r"(knie|heup)operatie\w*", (("operatie",), ("knie", "heup"))),
    (r"\w+(se|e) (afkomst|roots|origine)", (("afkomst", "roots", "origine"), (" ",), ("se", "e"))),
    (r"gyn(a)?ecologist(?!\w)", (("ecologist",), ("gyn",))),
    (r"(?<![\w-])(?P<secret>sk-ant-[A-Za-z0-9_-]{20,})", (("sk-ant-",),)),
    (r"ab|cd(ef|gh)", (("ab", "cd"),)),
    (r"(ab|)c", (("c",),)),
    (r"(?:ab)+c", (("ab",), ("c",))),
])
def test_required_literals(source: str, expected: tuple[tuple[str, ...], ...]) -> None:
    assert required_literals(re.compile(source)) == expected


@pytest.mark.parametrize("source", [r"(?i)bearer", r"\x41bc", r"ab{", r"a|b?", r"(?x)a b"])
def test_unknown_or_unbounded_syntax_gives_no_literal(source: str) -> None:
    assert required_literals(re.compile(source)) == ()


def test_case_insensitive_patterns_keep_only_caseless_literals() -> None:
    assert required_literals(re.compile(r"\w+@\w+\.com", re.IGNORECASE)) == (("@",),)
    assert required_literals(re.compile(r"\w+@\w+\.\w+", re.IGNORECASE)) == ((".",), ("@",))


@pytest.mark.parametrize(("source", "expected"), [
    (r"\d", True), (r"[0-9]{2}", True), (r"x{2,3}\d", True), (r"(\d|1)x", True),
    (r"(?:\d[ -]?){12,18}\d", True), (r"a\d?", False), (r"(a|\d)", False), (r"\d{0,3}", False),
    (r"[A-Z0-9]{8}", False), (r"\d*", False),
])
def test_requires_digit(source: str, expected: bool) -> None:
    assert requires_digit(re.compile(source)) is expected


def test_may_match_needs_one_literal_of_every_set() -> None:
    clauses = (("afkomst", "origine"), ("se", "e"))
    assert may_match(clauses, "zijn Turkse afkomst")
    assert not may_match(clauses, "zijn Turkse roots")
    assert may_match((), "anything")


def test_shipped_patterns_never_match_without_their_literals_or_digits() -> None:
    """Every match of a shipped pattern on sample texts contains what the prefilter asks for."""
    rules = yaml.safe_load(DEFAULT_DETECTION_RULES.read_text(encoding="utf-8"))
    samples = ["IBAN BE71 0961 2345 6769, mail jan.peeters@example.com, IP 192.168.10.4, fe80::1:2",
               "plaat 1-ABC-123 of AB-123-CD, kaart 4539 1488 0343 6467, rrn 85.07.30-033.61"]
    for rule in rules["patterns"]:
        pattern = re.compile(rule["regex"], re.IGNORECASE if rule.get("ignore_case") else 0)
        literals, digit = required_literals(pattern), requires_digit(pattern)
        for match in pattern.finditer(" ".join(samples)):
            assert may_match(literals, match.group()), rule["name"]
            assert not digit or re.search(r"\d", match.group()), rule["name"]
