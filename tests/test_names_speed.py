"""The shortcuts of gateway/detect/names.py may only skip work that finds nothing.

Each one is checked against the plain computation it replaces, on drawn texts (apostrophes,
hyphens, non-ASCII letters, digits, punctuation, line breaks) and on the held-out prompts.
"""

from __future__ import annotations

import json
import re
import types
from pathlib import Path

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from gateway.detect.lexicon import Lexicon
from gateway.detect.names import (
    _INITIAL_START,
    _INITIALS,
    _LOGIN,
    _NOT_IN_TOKEN,
    _WORD,
    NameFinder,
    Token,
    finditer_from,
    is_capitalised,
    login_matches,
    tokenize,
    tokenize_plain,
)
from gateway.detect.rules import DEFAULT_DETECTION_RULES, load_rules

HOLDOUT = Path(__file__).resolve().parent.parent / "eval" / "holdout.jsonl"
HOLDOUT_TEXTS = [m["content"] for line in HOLDOUT.read_text(encoding="utf-8").splitlines() if line.strip()
                 for m in json.loads(line)["messages"] if isinstance(m["content"], str)]

# Characters around which the shortcuts decide: separators, token edges, login and initials
# punctuation, letters that are not ASCII, digits that are letters to \w ("²"), marks.
_CHARS = "aZéÄßı ǅ²٣0 7\n\t\u00a0.,;:!?()«»'’-_@/\"&*+…–"
_WORDS = ["Jan", "jan", "Peeters", "peeters", "de", "van", "der", "Van", "'t", "in", "d'", "O'Neil",
          "Cuypers-Ooms", "Jan's", "tom", "smet", "Smet", "Mevr.", "meneer", "Dag", "bel", "jos", "terug",
          "Ananya", "Krishnan", "Roos", "claire", "les", "J.", "K.V.", "A.B", "jan.peeters", "Seppe",
          "Verschueren", "Herr", "Kreusch", "rufen", "Sie", "Jürgen", "an", "Gent", "BV", "S.A.",
          "Groeten,", "Aanwezig:", "Dokumentation", "Verkehr", "e-mail", "x@y.be", "Hélène", "2024"]
_SEPARATORS = [" ", " ", " ", "  ", ", ", ". ", "\n", ":\n", " - ", "\u00a0", "\t", ""]


def _texts() -> st.SearchStrategy[str]:
    """Strings of the characters above, and sentences of name-like words."""
    chars = st.text(alphabet=_CHARS, max_size=80)
    words = st.lists(st.tuples(st.sampled_from(_WORDS), st.sampled_from(_SEPARATORS)), max_size=14).map(
        lambda pairs: "".join(w + s for w, s in pairs))
    return st.one_of(chars, words, st.text(max_size=40))


@pytest.fixture(scope="module")
def finders() -> tuple[NameFinder, NameFinder]:
    """The NameFinder, and one whose shortcuts are replaced by the plain computations."""
    rules, name_rules, _allow = load_rules(DEFAULT_DETECTION_RULES)
    months = [m for per_language in rules.birth_dates.months.values() for m in per_language]
    lexicon = Lexicon.build(name_rules, extra_common=months)
    fast, plain = NameFinder(name_rules, lexicon), NameFinder(name_rules, lexicon)
    plain._may_anchor = plain._may_end_cue = lambda word: True  # type: ignore[assignment]
    plain._may_start_lowercase_name = plain._lowercase_first_name  # type: ignore[assignment]
    plain._may_start_particle = lambda word: True  # type: ignore[assignment]
    plain._is_first_name = lexicon.is_first_name  # type: ignore[assignment]
    plain._is_strong_first_name = lexicon.is_strong_first_name  # type: ignore[assignment]
    plain._known_surname_follows = types.MethodType(_known_surname_follows_plain, plain)  # type: ignore[method-assign]
    return fast, plain


def _known_surname_follows_plain(self: NameFinder, text: str, tokens: list[Token], i: int) -> bool:
    """NameFinder._known_surname_follows as it was, with the following word tested last."""
    if i + 1 >= len(tokens) or not self._adjacent(text, tokens[i], tokens[i + 1]):
        return False
    word, following = tokens[i].word, tokens[i + 1].word
    return (word == tokens[i].text and self.is_surname(word) and not self.lexicon.is_common(word)
            and not self.lexicon.is_place(word)
            and is_capitalised(following) and self.lexicon.is_known_surname(following))


def _signoffs_plain(finder: NameFinder, text: str) -> list[tuple[int, int]]:
    """The sign-off matches NameFinder._signatures starts from, without its line-break test."""
    return [m.span() for m in finder._signoff.finditer(text)]


def _spans(matches: object) -> list[tuple[int, int, tuple[str | None, ...]]]:
    return [(m.start(), m.end(), m.groups()) for m in matches]  # type: ignore[attr-defined]


@settings(max_examples=600, deadline=None)
@given(_texts())
def test_tokenize_is_the_regex_on_drawn_texts(text: str) -> None:
    assert tokenize(text) == tokenize_plain(text)


def test_tokenize_is_the_regex_on_held_out_prompts() -> None:
    for text in HOLDOUT_TEXTS:
        assert tokenize(text) == tokenize_plain(text)


def test_no_character_stripped_from_a_piece_is_in_a_token() -> None:
    """tokenize strips _NOT_IN_TOKEN from a piece's ends: none of them is a letter, so the
    letters within are the piece's one token."""
    for char in _NOT_IN_TOKEN:
        assert _WORD.search(char) is None, char
        assert not char.isspace() and char != " ", char


_INITIAL_PIECES = st.lists(st.sampled_from(["A.", "Z.", "J.P.", "K.", "x.", "Peeters", "Zoë", "BV", ".", " ",
                                            " ", "\n", "(", "-", "1", "é"]), max_size=12).map("".join)


@settings(max_examples=600, deadline=None)
@given(st.text(alphabet="ABJKZaé.  \n,-_(1", max_size=60) | _INITIAL_PIECES | _texts())
@example("Z. Peeters en A.Z.Smet, x.J. Vos")
def test_initials_found_from_their_starts_are_the_full_scan(text: str) -> None:
    assert _spans(finditer_from(_INITIALS, _INITIAL_START, text)) == _spans(_INITIALS.finditer(text))


@settings(max_examples=800, deadline=None)
@given(st.text(alphabet="abéZ²_1.@/:- \n\t", max_size=60) | _texts())
def test_logins_found_around_dots_are_the_full_scan(text: str) -> None:
    assert _spans(login_matches(text)) == _spans(_LOGIN.finditer(text))


def test_logins_on_held_out_prompts() -> None:
    texts = [*HOLDOUT_TEXTS, "jan.peeters@firma.be, an.vos, x.yz.ab mail:eva.smet. bo.de/x"]
    for text in texts:
        assert _spans(login_matches(text)) == _spans(_LOGIN.finditer(text))


def test_finditer_from_tries_every_start() -> None:
    """Overlapping start hits and a failed try right before a match are both kept."""
    pattern, starts = re.compile(r"(?<![a-z])ab+"), re.compile(r"a")
    text = "aab xab ab abbb a"
    assert _spans(finditer_from(pattern, starts, text)) == _spans(pattern.finditer(text))


@settings(max_examples=400, deadline=None)
@given(_texts(), st.sampled_from(["nl", "fr", "en", "de", ""]))
def test_find_is_the_plain_computation(finders: tuple[NameFinder, NameFinder], text: str,
                                       language: str) -> None:
    fast, plain = finders
    assert fast.find(text, language) == plain.find(text, language)


def test_find_on_held_out_prompts(finders: tuple[NameFinder, NameFinder]) -> None:
    fast, plain = finders
    for text in HOLDOUT_TEXTS:
        for language in ("nl", "de"):
            assert fast.find(text, language) == plain.find(text, language)


@settings(max_examples=300, deadline=None)
@given(_texts())
def test_from_local_parts_is_the_plain_computation(finders: tuple[NameFinder, NameFinder], text: str) -> None:
    fast, plain = finders
    pieces = {"jan", "peeters", "thanhtam", "ananya", "de"}
    emails = [(0, 1)] if text else []
    assert fast.from_local_parts(text, pieces, emails) == plain.from_local_parts(text, pieces, emails)


@settings(max_examples=400, deadline=None)
@given(st.text(alphabet="Groetn,Aaweig: \n\tXY.", max_size=50) | _texts())
def test_line_regexes_need_the_character_their_gate_tests(finders: tuple[NameFinder, NameFinder],
                                                          text: str) -> None:
    """_signatures returns nothing without a line break, _attendees nothing without a colon."""
    fast, plain = finders
    signoffs = _signoffs_plain(plain, text)
    assert all("\n" in text[a:b] for a, b in signoffs)
    if not signoffs:
        assert fast._signatures(text) == []
    assert fast._attendee_list is not None
    assert all(":" in m.group() for m in fast._attendee_list.finditer(text))


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(_WORDS), min_size=1, max_size=6))
def test_known_surname_follows_is_the_plain_computation(finders: tuple[NameFinder, NameFinder],
                                                        words: list[str]) -> None:
    fast, plain = finders
    text = " ".join(words)
    tokens = tokenize(text)
    for i in range(len(tokens)):
        assert fast._known_surname_follows(text, tokens, i) == plain._known_surname_follows(text, tokens, i)


def test_a_drawn_name_is_found_both_ways(finders: tuple[NameFinder, NameFinder]) -> None:
    """The comparisons above see names, not only texts where both ways find nothing."""
    fast, plain = finders
    text = "Mevr. Peeters belt. Ananya Krishnan, tom de smet, J. Peeters, jan.peeters, Seppe Van der Berg"
    found = fast.find(text, "nl")
    assert found == plain.find(text, "nl")
    assert {s.rule for s in found} >= {"name:honorific", "name:known_surname", "name:lowercase_full",
                                       "name:initials", "name:login", "name:first_name"}
