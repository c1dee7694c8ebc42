"""More shortcuts of the sensitive checks, each against the plain computation it replaces.

The phrase lists that share a PhraseBook, the case-sensitive words looked up through the
lowered text, a LiteralIndex of few literals, the outcome-label scan of prohibited.py and
the gate in front of the credential plugins' candidate regex.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st
from test_sensitive_speed import _phrase_sets

from gateway.detect.literals import LiteralIndex
from gateway.sensitive.credentials import _CANDIDATE, _has_candidate
from gateway.sensitive.detector import SensitiveDetector
from gateway.sensitive.patterns import LabelledPhrases, PhraseBook
from gateway.sensitive.prohibited import LabelPairs, _label_pairs
from gateway.sensitive.textnorm import fold, lower_like_text

ROOT = Path(__file__).resolve().parent.parent
TEXTS = [m["content"] for line in (ROOT / "eval" / "holdout.jsonl").read_text(encoding="utf-8").splitlines()
         if line.strip() for m in json.loads(line)["messages"] if isinstance(m["content"], str)]
DETECTOR = SensitiveDetector.from_rules(ROOT / "rules")
PROHIBITED = DETECTOR._prohibited

# Text made of the words the rules look for, so that shortcuts meet their hard cases.
_PIECES = ["ok", "nok", "OK", "yes", "no", "1", "0", "not ok", " of ", " or ", "/", "|", ",", "'", '"', "(",
           ")", "-", " ", "\n", "oui", "non", "ja", "nee", "MS", "ms", "HIV", "als", "ALS", "İ", "Σ", "é",
           "\u00ad", "_", "x", "password", "=", ":", "://", "@", "-----BEGIN", "ABCDEFGHIJKLMNOPQ",
           "ihre Frau"]
TEXT = st.lists(st.sampled_from(_PIECES), max_size=40).map("".join) | st.text(max_size=60)


def _alone(phrases: LabelledPhrases) -> LabelledPhrases:
    """The same list with a book of its own (what every list had before books were shared)."""
    alone = LabelledPhrases.__new__(LabelledPhrases)
    alone.__dict__.update(phrases.__dict__)
    book = PhraseBook()
    words = {cased: [(label, word) for (owner, label), word in phrases._book._words[cased]
                     if owner == phrases._owner] for cased in (False, True)}
    literals = {cased: [lit for e in phrases._regexes if e.cased == cased for c in e.literals for lit in c]
                for cased in (False, True)}
    alone._book, alone._owner = book, book.add(words, literals)
    return alone


PHRASE_LISTS = _phrase_sets(DETECTOR)
SHARED = [p for p in PHRASE_LISTS if p._book is DETECTOR._lexicon.phrases._book]


def test_most_whole_text_lists_share_one_book() -> None:
    assert len(SHARED) >= 8


def _plain_finditer(phrases: LabelledPhrases, text: str) -> list[tuple[str, int, int]]:
    """finditer as it was before books: every distinct word of each casing looked up."""
    folded = fold(text)
    found: dict[tuple[int, int], set[str]] = {}
    for cased in (False, True):
        entries = [(label, word) for (owner, label), word in phrases._book._words[cased]
                   if owner == phrases._owner]
        vocabulary = folded.cased_vocabulary if cased else folded.lower_vocabulary
        for label, word in entries:
            for candidate in vocabulary.words:
                if _word_entry_matches(word, candidate):
                    for span in folded.word_spans(candidate, cased):
                        found.setdefault(span, set()).add(label)
    out = [(label, s, e) for (s, e) in sorted(found) for label in sorted(found[(s, e)])]
    for entry in phrases._regexes:
        source = folded.cased if entry.cased else folded.lower
        for match in entry.pattern.finditer(source):
            if not entry.bounded or match.start() == 0 or not (source[match.start() - 1].isalnum()
                                                             or source[match.start() - 1] == "_"):
                out.append((entry.label, match.start(), match.end()))
    return out


def _word_entry_matches(entry: str, word: str) -> bool:
    if entry.startswith("+"):
        return word.find(entry[1:].rstrip("*"), 3) >= 0
    if entry.startswith("*") and entry.endswith("*"):
        return entry[1:-1] in word
    if entry.startswith("*"):
        return word.endswith(entry[1:])
    if entry.endswith("*"):
        return word.startswith(entry[:-1])
    return word == entry


def test_shared_book_finds_what_each_list_finds_alone() -> None:
    texts = [*TEXTS[:150], "Plan de vergadering in MS Teams", "hij heeft ALS en HIV", "ihre Frau ist krank"]
    for phrases in SHARED:
        alone = _alone(phrases)
        for text in texts:
            assert list(phrases.finditer(fold(text))) == list(alone.finditer(fold(text)))


@settings(max_examples=150, deadline=None)
@given(TEXT)
def test_phrase_lists_find_what_the_plain_lookup_finds(text: str) -> None:
    for phrases in SHARED:
        assert list(phrases.finditer(fold(text))) == _plain_finditer(phrases, text)


@given(st.text(max_size=30))
def test_a_lowered_word_is_the_word_at_the_same_place_of_the_lowered_text(text: str) -> None:
    """_TextHits looks case-sensitive words up through the lowered text's words."""
    folded = fold(f"x {text} y")
    for match in re.finditer(r"\w+", folded.cased):
        assert folded.lower[match.start():match.end()] == lower_like_text(match.group())


@given(st.text(max_size=80), st.lists(st.text(min_size=1, max_size=4), max_size=20))
def test_literal_index_of_few_or_many_literals_agrees_with_substring_search(
        text: str, extra: list[str]) -> None:
    for literals in (extra, [*extra, *(f"lit{i}" for i in range(30)), "a b", "é", " "]):
        assert LiteralIndex(literals).present(text) == {lit for lit in literals if lit in text}


@settings(max_examples=300, deadline=None)
@given(TEXT)
def test_label_pairs_are_the_regex_matches(text: str) -> None:
    folded = fold(text)
    assert list(PROHIBITED.labels.finditer(folded)) == [m.span() for m in PROHIBITED.labels.pattern.finditer(
        folded.lower)]


def test_label_pairs_on_prompts_and_odd_labels() -> None:
    odd = LabelPairs(["ok", "-x-", "nok"])  # a label without a leading word: full scan
    for text in [*TEXTS, "OK/NOK", "'yes' or 'no'", "(1|0)", "x-ok/nok", "ok, nok, ok of nok", "-x- or ok"]:
        folded = fold(text)
        assert list(PROHIBITED.labels.finditer(folded)) == [
            m.span() for m in PROHIBITED.labels.pattern.finditer(folded.lower)]
        assert list(odd.finditer(folded)) == [m.span() for m in _label_pairs(["ok", "-x-", "nok"]).finditer(
            folded.lower)]


@settings(max_examples=300, deadline=None)
@given(TEXT)
def test_candidate_gate_only_skips_lines_without_a_candidate(text: str) -> None:
    if _CANDIDATE.search(text):
        assert _has_candidate(text)


def test_candidate_gate_on_prompts() -> None:
    for text in TEXTS:
        for line in text.split("\n"):
            if _CANDIDATE.search(line):
                assert _has_candidate(line), line
