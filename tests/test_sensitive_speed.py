"""The shortcuts of the sensitive detectors may only skip work that finds nothing."""

from __future__ import annotations

import json
import re
from pathlib import Path

from detect_secrets.plugins.keyword import DENYLIST

from gateway.detect.literals import may_match
from gateway.sensitive.credentials import _KEYWORD_GATE, _KEYWORD_SPELLINGS, _keyword_fold, _may_have_keyword
from gateway.sensitive.detector import SensitiveDetector
from gateway.sensitive.patterns import LabelledPhrases
from gateway.sensitive.textnorm import _lower, fold

ROOT = Path(__file__).resolve().parent.parent
TEXTS = [m["content"] for line in (ROOT / "eval" / "holdout.jsonl").read_text(encoding="utf-8").splitlines()
         if line.strip() for m in json.loads(line)["messages"] if isinstance(m["content"], str)]
ALL_CHARS = "".join(chr(c) for c in range(0x110000) if not 0xD800 <= c <= 0xDFFF)


def test_lowering_never_changes_whether_a_character_is_a_word_character() -> None:
    """FoldedText.cased_vocabulary relies on it: ``lower`` and ``cased`` have the same words."""
    lowered = _lower(ALL_CHARS, set(ALL_CHARS[128:]))
    assert len(lowered) == len(ALL_CHARS)
    spans = [m.span() for m in re.finditer(r"\w+", ALL_CHARS)]
    assert [m.span() for m in re.finditer(r"\w+", lowered)] == spans


def test_keyword_fold_keeps_every_character_the_keyword_regex_takes_for_a_letter() -> None:
    for char in sorted({c for word in DENYLIST for c in word if c not in "_?"}):
        for twin in re.findall(re.escape(char), ALL_CHARS, re.IGNORECASE):
            assert _keyword_fold(twin) == char, (char, hex(ord(twin)))
    assert all(re.fullmatch(r"[a-zñ]+(?:_\?[a-zñ]+)*", word) for word in DENYLIST)
    assert len(_KEYWORD_SPELLINGS) >= len(DENYLIST)


def test_keyword_gate_only_skips_lines_without_a_keyword() -> None:
    lines = [*TEXTS, "my PASSWORD is", "Db_Pass=x", "the AP\u0130_KEY", "a \u212aey", "pa\u017f\u017fwd",
             "toepassingen"]
    for line in lines:
        if _KEYWORD_GATE.search(line):
            assert _may_have_keyword(line), line


def _phrase_sets(detector: SensitiveDetector) -> list[LabelledPhrases]:
    found: list[LabelledPhrases] = []

    def walk(obj: object, depth: int = 0) -> None:
        if isinstance(obj, LabelledPhrases):
            found.append(obj)
        elif depth < 4:
            values = obj if isinstance(obj, tuple) else getattr(obj, "__dict__", {}).values()
            for value in values:
                walk(value, depth + 1)

    walk(detector)
    return found


def test_phrase_candidates_are_the_entries_whose_literals_occur() -> None:
    detector = SensitiveDetector.from_rules(ROOT / "rules")
    phrase_sets = _phrase_sets(detector)
    assert len(phrase_sets) > 10
    for text in [*TEXTS, "zijn Turkse afkomst", "il a fait un burn-out", "MS-patient, cd&v, N-VA"]:
        folded = fold(text)
        for phrases in phrase_sets:
            expected = [e for e in phrases._regexes
                        if may_match(e.literals, folded.cased if e.cased else folded.lower)]
            assert phrases._candidates(folded) == expected


def test_word_spans_are_the_regex_words() -> None:
    for text in [*TEXTS[:20], "a_b a b_ a", "x\u00adyz xyz"]:
        folded = fold(text)
        for cased, source in ((False, folded.lower), (True, folded.cased)):
            vocabulary = folded.cased_vocabulary if cased else folded.lower_vocabulary
            words: dict[str, list[tuple[int, int]]] = {}
            for m in re.finditer(r"\w+", source):
                words.setdefault(m.group(), []).append(m.span())
            assert set(vocabulary.words) == set(words)
            assert {w: folded.word_spans(w, cased) for w in words} == words
