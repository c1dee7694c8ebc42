"""The shortcuts that make detection fast may only skip work that finds nothing.

Each shortcut (gateway/detect/scan.py, literals.LiteralIndex, literals.has_digit, the
prefilters of spoken.py and names.py) is checked against the plain computation it replaces.
"""

from __future__ import annotations

import json
import random
import re
from pathlib import Path

import pytest

from gateway.detect.addresses import address_regexes
from gateway.detect.literals import LiteralIndex, distinct_words, has_digit
from gateway.detect.names import _WORD as NAME_WORD
from gateway.detect.rules import DEFAULT_DETECTION_RULES, load_rules
from gateway.detect.scan import StartScanner, start_class
from gateway.detect.spoken import _WORD as SPOKEN_WORD
from gateway.detect.spoken import _distinct_words as spoken_words

HOLDOUT = Path(__file__).resolve().parent.parent / "eval" / "holdout.jsonl"


def _texts() -> list[str]:
    """Held-out prompts, plus digit-dense and punctuation-heavy strings."""
    texts = [m["content"] for line in HOLDOUT.read_text(encoding="utf-8").splitlines() if line.strip()
             for m in json.loads(line)["messages"] if isinstance(m["content"], str)]
    rng = random.Random(7)
    alphabet = "0123456789 -./AZbe\n,:+()٣０éÄ_'’"
    texts += ["".join(rng.choice(alphabet) for _ in range(rng.randint(1, 300))) for _ in range(300)]
    texts += ["BE71 0961 2345 6769 " * 40, "1" * 500, "", "A-123-BC 12-AB-34 1-ABC-123 ABC-123"]
    return texts


TEXTS = _texts()


def _patterns() -> list[re.Pattern[str]]:
    rules, _names, _allow = load_rules(DEFAULT_DETECTION_RULES)
    out = [re.compile(r.regex, re.IGNORECASE if r.ignore_case else 0) for r in rules.patterns]
    return out + address_regexes(rules.addresses) + [re.compile(rules.phones.candidate)]


@pytest.mark.parametrize("pattern", _patterns(), ids=lambda p: p.pattern[:40])
def test_start_scanner_finds_exactly_what_finditer_finds(pattern: re.Pattern[str]) -> None:
    scanner = StartScanner(pattern)
    for text in TEXTS:
        assert [m.span() for m in scanner.finditer(text)] == [m.span() for m in pattern.finditer(text)]


@pytest.mark.parametrize(("source", "expected"), [
    (r"(?<![\d.-])\d{2}[. -]?\d{3}", r"[\d]"),
    (r"(?:[A-Z]{2}\d|\d{3}|x?[1-9])", r"[A-Z\dx1-9]"),
    (r"(?i)\d", None), (r"(?i:a)b", None), (r".x", None), (r"[^a]", None), (r"\d*", None),
    (r"[a-z]x", None),  # starts at every lower-case letter: no gain
])
def test_start_class(source: str, expected: str | None) -> None:
    found = start_class(re.compile(source))
    assert (found.pattern if found else None) == expected


def test_start_scanner_falls_back_to_finditer_on_dense_starts() -> None:
    pattern = re.compile(r"(?<!\d)\d{3}(?!\d)")
    text = "12 " * 2000 + "123 456"
    assert [m.group() for m in StartScanner(pattern).finditer(text)] == ["123", "456"]


def test_literal_index_agrees_with_substring_search() -> None:
    literals = ["operatie", "kanker", "de dos", "d'un", " ", "sk-", "a", "ab", "x_y", "été", "١٢٣"]
    index = LiteralIndex(literals)
    for text in [*TEXTS, "zijn knieoperatie", "de dossier", "d'une", "sk-ab x_y été ١٢٣"]:
        assert index.present(text) == {lit for lit in literals if lit in text}


def test_distinct_words_are_the_regex_words() -> None:
    for text in TEXTS:
        assert distinct_words(text) == set(re.findall(r"\w+", text))
        assert spoken_words(text) == set(SPOKEN_WORD.findall(text))
        assert NAME_WORD.pattern.startswith(r"[^\W\d_]")


def test_has_digit_is_the_regex_test() -> None:
    for text in [*TEXTS, "٣", "no digits here é", "abc", "Ⅻ ²"]:
        assert has_digit(text) == (re.search(r"\d", text) is not None)


def test_a_word_character_is_alphanumeric_or_underscore() -> None:
    """distinct_words and FoldedText.word_spans test word characters with str.isalnum()."""
    for code in range(0x30000):
        char = chr(code)
        assert (re.fullmatch(r"\w", char) is not None) == (char.isalnum() or char == "_"), hex(code)


def test_name_shortcuts_only_skip_words_that_cannot_start_a_name() -> None:
    from gateway.detect import PiiDetector

    names = PiiDetector.from_rules()._names
    plain = PiiDetector.from_rules()._names
    plain._may_anchor = plain._may_end_cue = lambda word: True  # type: ignore[method-assign]
    texts = [t for t in TEXTS if not t.isascii() or " " in t][:120]
    texts += ["Mevr. Peeters belt", "rufen Sie Jürgen an", "bel jos terug", "tom de smet", "Dag Bieke,"]
    for text in texts:
        for language in ("nl", "de"):
            assert names.find(text, language) == plain.find(text, language)


def test_tokenize_finds_exactly_the_regex_tokens() -> None:
    from gateway.detect.names import tokenize, tokenize_plain

    texts = [*TEXTS, "Jan's auto", "O’Neil-Smith  ging\u00a0weg", "Ⅻ² x\u2028y", "a\u1680b\x1cc", "é́ ǅ ߺ",
             "x_y 3d d3 -a- 'a' ’s"]
    for text in texts:
        assert tokenize(text) == tokenize_plain(text), text
    for code in range(0x30000):  # every letter is a token character, every separator is not
        char = chr(code)
        if char.isalpha():
            assert NAME_WORD.fullmatch(char), hex(code)
        if char.isspace():
            assert not NAME_WORD.search(char) and char not in "'’-", hex(code)


def test_the_context_enhancer_is_skipped_only_where_it_changes_nothing() -> None:
    """gateway.detect.engine.ContextWordsEnhancer: Presidio's scores, without its deep copy."""
    from presidio_analyzer import AnalyzerEngine, Pattern, PatternRecognizer, RecognizerRegistry
    from presidio_analyzer.context_aware_enhancers import LemmaContextAwareEnhancer

    from gateway.detect import PiiDetector
    from gateway.detect.engine import ContextWordsEnhancer

    ours = PiiDetector.from_rules()._analyzer
    plain = AnalyzerEngine(registry=ours.registry, nlp_engine=ours.nlp_engine,
                           supported_languages=ours.supported_languages,
                           context_aware_enhancer=LemmaContextAwareEnhancer())
    texts = [t for t in TEXTS if any(c.isdigit() for c in t)][:60]
    for text in texts:
        def found(engine: AnalyzerEngine, text: str = text) -> list[tuple[str, int, int, float]]:
            return sorted((r.entity_type, r.start, r.end, r.score) for r in engine.analyze(text, "nl"))
        assert found(ours) == found(plain)

    # A recognizer with context words still has its score raised by them.
    recognizer = PatternRecognizer("ID", patterns=[Pattern("id", r"\b[A-Z]{2}\d{6}\b", 0.3)],
                                   context=["paspoort"], supported_language="nl")
    with_context = AnalyzerEngine(registry=RecognizerRegistry([recognizer], supported_languages=["nl"]),
                                  nlp_engine=ours.nlp_engine, supported_languages=["nl"],
                                  context_aware_enhancer=ContextWordsEnhancer())
    scores = [r.score for r in with_context.analyze("zijn paspoort AB123456", "nl")]
    assert scores and scores[0] > 0.3
