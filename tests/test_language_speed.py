"""The fast language path may only be faster: the same features, scores and languages.

gateway/detect/language.py replaces two costs of LanguageDetector.detect: the letter count
(now a search that stops at the third letter) and py3langid's byte-by-byte automaton walk
(now numpy, which is exact only because the automaton forgets its start after _WINDOW bytes).
Each is checked against the plain computation: the window by a proof over all byte strings,
the rest on the project's texts and on generated ones.
"""

from __future__ import annotations

import importlib.util
import json
import re
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from py3langid.langid import MODEL_FILE, LanguageIdentifier, visit_counts

from gateway.detect import language
from gateway.detect.language import LanguageDetector, _sample, automaton_digest

ROOT = Path(__file__).resolve().parent.parent
LANGUAGES = ["nl", "fr", "en", "de"]
DETECTOR = LanguageDetector(LANGUAGES, "nl")
FAST = DETECTOR._identifier
PLAIN = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=False)
PLAIN.set_languages(LANGUAGES)
_LETTER = re.compile(r"[^\W\d_]")


def _plain_detect(text: str) -> str:
    """LanguageDetector.detect as it was: count every letter, then py3langid's classify."""
    if len(_LETTER.findall(text[:2000])) < 3:
        return DETECTOR.default
    return str(PLAIN.classify(_sample(text))[0])


def _project_texts() -> list[str]:
    """Held-out prompts and bench prompts, also upper-cased, lower-cased and joined."""
    texts = [m["content"] for line in (ROOT / "eval" / "holdout.jsonl").read_text("utf-8").splitlines()
             if line.strip() for m in json.loads(line)["messages"] if isinstance(m["content"], str)]
    spec = importlib.util.spec_from_file_location("bench_prompts", ROOT / "bench" / "prompts.py")
    assert spec is not None and spec.loader is not None
    prompts = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(prompts)
    texts += [prompts.prompt(lang, words, pii) for lang in LANGUAGES for words in (20, 300, 2000)
              for pii in (True, False)]
    texts += [t.upper() for t in texts] + [t.lower() for t in texts] + ["\n".join(texts[:40])]
    return texts + ["", "a", "ab", "abc", "1a2b3c", "__x__y", "ÉTÉ", "😀😀😀 ok", "\ud800abc", "12 34"]


PROJECT_TEXTS = _project_texts()

# Any code point (surrogates too: JSON may carry them) or a few letters, digits and emoji; texts
# from empty to beyond the sample size, on both sides of the numpy threshold.
_CHARS = st.one_of(st.characters(exclude_categories=()), st.sampled_from("aeiouétzäößçñ ABC.,'1_😀\n"))
_WORD = st.text(_CHARS, min_size=1, max_size=12)
TEXTS = st.one_of(
    st.text(_CHARS, max_size=6),
    st.text(_CHARS, max_size=400),
    st.text(_CHARS, min_size=200, max_size=1500),
    st.lists(_WORD, min_size=30, max_size=150).map(" ".join),
    st.lists(_WORD, min_size=250, max_size=700).map(" ".join),
    st.lists(_WORD, min_size=250, max_size=700).map(lambda words: " ".join(words).upper()),
)


def _forgetting_length(identifier: LanguageIdentifier, limit: int = 16) -> int:
    """Fewest bytes after which the automaton is in one state whatever state it started in.

    Walks the pairs (state reached from any state, state reached from state 0) by the same
    bytes, all 256 at each step, until both are always equal.  For this automaton the second
    state is a function of the first (checked), so the pairs fit in one array: partner[x].
    """
    rows = np.frombuffer(identifier.tk_nextmove, identifier.tk_nextmove.typecode).reshape(-1, 256)
    row = np.frombuffer(identifier.tk_row, identifier.tk_row.typecode).astype(np.intp)
    partner = np.zeros(len(row), dtype=np.intp)  # no byte read yet: every state, with state 0
    for length in range(1, limit + 1):
        starts = np.flatnonzero(partner >= 0)
        blocks = [starts[i:i + 4096] for i in range(0, len(starts), 4096)]
        new = np.full(len(row), -1, dtype=np.intp)
        for block in blocks:
            new[rows[row[block]]] = rows[row[partner[block]]]
        for block in blocks:
            assert (new[rows[row[block]]] == rows[row[partner[block]]]).all(), "not a function"
        partner = new
        reached = np.flatnonzero(partner >= 0)
        if (partner[reached] == reached).all():
            return length
    raise AssertionError(f"the automaton does not forget its start within {limit} bytes")


def test_the_window_is_proven_for_the_installed_model() -> None:
    assert automaton_digest(PLAIN) == language._AUTOMATON_SHA256
    assert FAST._nextmove is not None  # the numpy walk is on
    assert _forgetting_length(PLAIN) == language._WINDOW


def test_another_automaton_gets_py3langids_walk(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(language, "_AUTOMATON_SHA256", "0" * 64)
    detector = LanguageDetector(LANGUAGES, "nl")
    assert detector._identifier.feature_counts(b"some words to count") is None
    assert [detector.detect(t) for t in PROJECT_TEXTS[:30]] == [_plain_detect(t) for t in PROJECT_TEXTS[:30]]


def _check(text: str) -> None:
    """Letters test, features in order, scores to the bit, and the language: all as before."""
    assert bool(language._THREE_LETTERS.match(text, 0, 2000)) == (len(_LETTER.findall(text[:2000])) >= 3)
    for data in {PLAIN._encode(text), PLAIN._encode(_sample(text))}:
        plain = visit_counts(PLAIN.tk_nextmove, PLAIN._rowbase, PLAIN.tk_output, data)
        fast = FAST.feature_counts(data)
        assert (None if fast is None else list(zip(*(a.tolist() for a in fast), strict=True))) == (
            None if plain is None else list(plain.items()))
        scores = FAST.vector_score(data)  # every length, not only those _raw_score gives numpy
        assert (scores is None) == (plain is None)
        assert scores is None or scores.tobytes() == PLAIN._raw_score(data).tobytes()
        assert FAST._raw_score(data).tobytes() == PLAIN._raw_score(data).tobytes()
    assert FAST.classify(text) == PLAIN.classify(text)
    assert DETECTOR.detect(text) == _plain_detect(text)


@pytest.mark.parametrize("text", PROJECT_TEXTS, ids=range(len(PROJECT_TEXTS)))
def test_project_texts_as_before(text: str) -> None:
    _check(text)


@settings(max_examples=250, deadline=None)
@given(TEXTS)
def test_generated_texts_as_before(text: str) -> None:
    _check(text)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.integers(0, 2100), max_size=4), st.sampled_from(["1", " ", "_", "😀", "\u0663"]))
def test_letters_near_the_horizon(letters: list[int], filler: str) -> None:
    chars = [filler] * 2101
    for position in letters:
        chars[position] = "é"
    text = "".join(chars)
    assert bool(language._THREE_LETTERS.match(text, 0, 2000)) == (len(_LETTER.findall(text[:2000])) >= 3)
