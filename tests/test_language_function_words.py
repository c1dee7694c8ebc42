"""The function-word shortcut of language identification decides only what py3langid decides.

gateway/detect/language.py settles plain prose by its function words ("het", "les", "the",
"und"; rules/detection.yaml) and leaves every other text to py3langid.  The shortcut may
abstain as often as it likes, but when it answers it must give py3langid's answer: checked
on the held-out prompts, on each of their sentences and lines (short texts, where function
words are few), and on the bench prompts.
"""

from __future__ import annotations

import importlib.util
import json
import re
from pathlib import Path

import pytest

from gateway.detect.language import FunctionWords, LanguageDetector, _sample
from gateway.detect.rules import DEFAULT_DETECTION_RULES, DetectionRulesError, load_rules

ROOT = Path(__file__).resolve().parent.parent
RULES, _NAMES, _ALLOW = load_rules(DEFAULT_DETECTION_RULES)
SHORTCUT = FunctionWords(RULES.function_words)
PLAIN = LanguageDetector(RULES.languages, RULES.default_language)  # py3langid only
WITH_SHORTCUT = LanguageDetector(RULES.languages, RULES.default_language, RULES.function_words)


def _bench_prompts() -> list[str]:
    spec = importlib.util.spec_from_file_location("bench_prompts", ROOT / "bench" / "prompts.py")
    assert spec is not None and spec.loader is not None
    prompts = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(prompts)
    return [prompts.prompt(lang, words, pii) for lang in RULES.languages for words in (20, 300, 2000)
            for pii in (True, False)]


def _holdout_texts() -> list[str]:
    texts = []
    for line in (ROOT / "eval" / "holdout.jsonl").read_text("utf-8").splitlines():
        if line.strip():
            for message in json.loads(line)["messages"]:
                content = message["content"]
                parts = [content] if isinstance(content, str) else [p.get("text", "") for p in content]
                texts += [part for part in parts if part]
    return texts


BENCH = _bench_prompts()
HOLDOUT = _holdout_texts()
PIECES = [piece for text in HOLDOUT for piece in re.split(r"(?<=[.!?])\s+|\n+", text) if len(piece) > 20]


def _agrees(texts: list[str]) -> int:
    """How many texts the shortcut decides; fails on the first it decides otherwise."""
    decided = 0
    for text in texts:
        sample = _sample(text)
        language = SHORTCUT.decide(sample)
        if language is not None:
            decided += 1
            assert language == str(PLAIN._identifier.classify(sample)[0]), text[:200]
    return decided


def test_whole_prompts_get_py3langids_language() -> None:
    texts = HOLDOUT + [t.lower() for t in HOLDOUT] + [t.upper() for t in HOLDOUT]
    assert _agrees(texts) >= 0.8 * len(texts)  # most prompts never reach py3langid


def test_sentences_and_lines_get_py3langids_language() -> None:
    texts = PIECES + [p.lower() for p in PIECES]
    assert len(PIECES) > 300
    assert _agrees(texts) >= 0.4 * len(texts)


def test_bench_prompts_are_decided_by_their_function_words() -> None:
    long_prompts = [p for p in BENCH if len(p) > 1000]
    assert _agrees(BENCH) >= len(long_prompts) == 2 * 2 * len(RULES.languages)
    assert all(SHORTCUT.decide(_sample(p)) is not None for p in long_prompts)


@pytest.mark.parametrize("text", [
    "Graag een samenvatting van het verslag en de acties die wij nog moeten doen.",
    "Pouvez-vous résumer le rapport et les actions que nous devons encore faire ?",
    "Please summarise the report and the actions that we still have to take.",
    "Bitte fasse den Bericht und die Aufgaben zusammen, die wir noch erledigen müssen.",
])
def test_the_detector_answers_from_function_words(text: str) -> None:
    assert SHORTCUT.decide(text) is not None
    assert WITH_SHORTCUT.detect(text) == PLAIN.detect(text)


@pytest.mark.parametrize("text", [
    "def f(x): return x + 1",                        # code
    "Jan Peeters, Marie Dubois, Hans Müller",         # names only
    "the het les und",                               # one word of each: nothing plain
    "Translate to French: het verslag is klaar en de acties zijn verdeeld",  # too few of either
])
def test_the_shortcut_abstains_when_the_words_do_not_say(text: str) -> None:
    assert SHORTCUT.decide(text) is None


def _rules_with(tmp_path: Path, function_words: str) -> Path:
    source = DEFAULT_DETECTION_RULES.read_text("utf-8")
    start = source.index("function_words:")
    end = source.index("names_file:")
    path = tmp_path / "detection.yaml"
    path.write_text(source[:start] + function_words + source[end:], "utf-8")
    for name in ("names.yaml", "allowlist.yaml"):
        (tmp_path / name).write_text((DEFAULT_DETECTION_RULES.parent / name).read_text("utf-8"), "utf-8")
    return path


@pytest.mark.parametrize(("function_words", "complaint"), [
    ("function_words:\n  nl: [het, de]\n  fr: [le, de]\n", "'de' is listed for both nl and fr"),
    ("function_words:\n  es: [el, los]\n", "'es' is not one of the languages"),
])
def test_a_word_in_two_lists_or_an_unknown_language_is_refused(tmp_path: Path, function_words: str,
                                                               complaint: str) -> None:
    with pytest.raises(DetectionRulesError, match=complaint):
        load_rules(_rules_with(tmp_path, function_words))
