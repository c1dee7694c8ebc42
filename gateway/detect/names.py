"""Person names without statistical NER (see models/README.md for why and what was measured).

Per text, a name starts at an anchor and extends over its surname:

* a capitalised first name from the gazetteer ("Karolien", "Seppe");
* a weak first name (also an ordinary word: "Roos", "Will") only with a surname after it
  or a cue before it;
* any capitalised word after a strong cue, i.e. an honorific or a relation ("meneer
  Gheysens", "Ms Okonkwo", "zoon Rune", "Herr Kreusch");
* a first name after a weak cue, i.e. a greeting or an introduction ("Dag Bieke", "c'est
  Cédric"), also in lower case;
* initials before a surname ("J. Peeters"), and the line after a sign-off ("Groeten,\\nX Y");
* in lower case, which has lost the evidence of a capital: a first name before a known
  surname ("tom de smet"), or a strong first name after a verb or preposition that takes a
  person ("bel jos terug");
* the items of a list of people ("Aanwezig: X, Y, K.V.") and login names ("jan.peeters").

In German every noun is capitalised, so a lone first name there must be a German one
("Handy" is a phone); capitalised words right before a company form ("Moselle Re S.A.")
are a firm; a place never starts a name.

Across the texts of a request: capitalised words that spell an email address's local part
("Thanh Tam" for thanhtam.vo@...) are names, and every part of every name found anywhere
is a name everywhere else (a surname alone, a first name alone, a possessive, other case).
"""

from __future__ import annotations

import bisect
import functools
import re
import string
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from itertools import compress, count
from operator import attrgetter
from typing import NamedTuple

from gateway.detect.lexicon import Lexicon, fold
from gateway.detect.rules import NameRules

_WORD = re.compile(r"[^\W\d_]+(?:['’-][^\W\d_]+)*")
_POSSESSIVES = ("'s", "’s")
_INITIALS = re.compile(r"(?<![\w.])(?:[A-Z]\. ?){1,3}(?=[A-Z])")
_LOCAL_PART_PIECE = re.compile(r"[^\W\d_]+")
_NAME_PART = re.compile(r"(?:Mc|Mac)?[^\W\d_][^\W\d_A-Z]*")
_PART_SPLIT = re.compile(r"['’-]")
_CUE_GAP = re.compile(r"[.:,]? {1,3}|\.")
_MAX_SURNAME_WORDS = 3
_DOTTED_INITIALS = re.compile(r"(?:[A-Z]\.){1,3}")
# Separators inside a list of people: punctuation, conjunctions, parenthetical remarks ("(vz)").
_LIST_SEPARATOR = re.compile(r"[,;/]|\([^)]*\)|(?<=\s)(?:en|and|et|und|&)(?=\s)")
_LIST_ITEM = re.compile(r"[^,\s](?:[^,]*[^,\s])?")
_LOGIN = re.compile(r"(?<![\w.@/:-])([^\W\d_]{2,})\.([^\W\d_]{2,})(?![\w@/-]|\.\w)")
_MIN_LOGIN_SURNAME = 4
_MIN_LOWERCASE_NAME = 3
_MAX_LIST_ITEM_WORDS = 3
_WORD_CACHE = 65536
# No letter is among these, so none is inside a token: a piece of text between spaces that
# is letters within such characters ("besproken.", "(Jan)", "«Bonjour»") is one token.
_NOT_IN_TOKEN = string.punctuation + string.digits + "«»‘’“”„…–—"
# Where a match of _INITIALS can start: a capital and its dot (the engine scans for it in C).
_INITIAL_START = re.compile(r"[A-Z]\.")
# In every login name: a dot and two letters; a literal first character, found in C.
_LOGIN_DOT = re.compile(r"\.[^\W\d_]{2}")
_WORD_OF = attrgetter("word")
_TEXT_OF = attrgetter("text")


class Token(NamedTuple):
    """A word of the text; ``word`` is it without a possessive ending ("Jan's" -> "Jan").

    A named tuple, not a dataclass: a 2,000-word prompt makes thousands of them per request.
    """

    text: str
    start: int
    end: int
    word: str


@dataclass(frozen=True)
class NameSpan:
    start: int
    end: int
    rule: str


def _cue_key(cue: str) -> str:
    """Cue phrases are looked up word by word, without trailing dots or colons."""
    return " ".join(fold(w).rstrip(".:") for w in cue.split())


def _cue_table(cues: dict[str, list[str]], kind: str) -> dict[str, tuple[str, bool]]:
    """Folded cue -> (kind, must be capitalised in the text)."""
    return {_cue_key(c): (kind, c[:1].isupper()) for per_language in cues.values() for c in per_language}


def tokenize(text: str) -> list[Token]:
    """The words of ``text``; tokenise once and pass the list to the NameFinder methods.

    The same tokens as ``_WORD.finditer(text)`` (see tokenize_plain), found faster: no
    token crosses a space, so the text is split at spaces in C, and each piece starts one
    character after the previous one ends.  A piece of letters only (most of them) is one
    token as it is; so is a piece of letters within punctuation or digits ("bepaald.",
    "(Jan)"), which _NOT_IN_TOKEN strips.  Only the other pieces ("O'Neil-Smith", "Jan's",
    "e-mail:", "x\\ny") go through the regex, which costs about 40 ns per character over a
    whole text.  ``tuple.__new__`` builds each Token without the Python-level
    ``Token.__new__``.
    """
    tokens: list[Token] = []
    append = tokens.append
    start = 0
    for piece in text.split(" "):
        end = start + len(piece)
        if piece.isalpha():  # isalpha() characters are all in [^\W\d_]
            append(_new_tuple(Token, (piece, start, end, piece)))
        elif piece:  # "" between two spaces
            core = piece.strip(_NOT_IN_TOKEN)
            if core.isalpha():
                core_start = start + piece.find(core)  # its first letter is the piece's first
                append(_new_tuple(Token, (core, core_start, core_start + len(core), core)))
            elif core:  # else the piece has no letter: no token
                tokens += map(_token, _WORD.finditer(text, start, end))
        start = end + 1
    return tokens


def tokenize_plain(text: str) -> list[Token]:
    """The plain computation tokenize() replaces (kept for tests/test_detect_speed.py)."""
    return list(map(_token, _WORD.finditer(text)))


def _token(match: re.Match[str]) -> Token:
    word = match.group()
    return _new_tuple(Token, (word, match.start(), match.end(),
                              word[:-2] if word.endswith(_POSSESSIVES) else word))


_new_tuple = tuple.__new__


def finditer_from(pattern: re.Pattern[str], starts: re.Pattern[str], text: str) -> Iterator[re.Match[str]]:
    """``pattern.finditer(text)`` when every match of ``pattern`` is non-empty and begins
    where ``starts`` matches.

    A pattern that opens with a lookbehind is tried at every character (30-40 ns each);
    ``starts`` opens with a literal or a class, so the engine skips to its hits in C.
    ``pattern.match(text, pos)`` sees the text before ``pos`` as the full scan does.
    """
    pos = 0
    while (start := starts.search(text, pos)) is not None:
        match = pattern.match(text, start.start())
        if match is None:
            pos = start.start() + 1
        else:
            yield match
            pos = match.end()


def login_matches(text: str) -> Iterator[re.Match[str]]:
    """``_LOGIN.finditer(text)``, run only around the dots followed by two letters.

    Every login has such a dot and no space, so it lies in the space-free stretch around
    one; _LOGIN looks one character behind and two ahead, which the window keeps.  Logins
    never overlap (one cannot start right after a letter or a dot), so the windows, taken
    in order and each once, give the matches of the full scan.  Prose has few such dots.
    """
    done = 0
    for dot in _LOGIN_DOT.finditer(text):
        if dot.start() < done:
            continue  # in the window just searched ("jan.peeters@firma.be")
        first = text.rfind(" ", 0, dot.start()) + 1
        space = text.find(" ", dot.start())
        done = len(text) if space < 0 else space
        yield from _LOGIN.finditer(text, first, min(done + 2, len(text)))


@functools.lru_cache(maxsize=65536)
def is_capitalised(word: str) -> bool:
    """"Peeters", "Cuypers-Ooms", "O'Donnell", "McNeil"; not "PyPI", "LinkedIn" or "IBAN"."""
    return word[:1].isupper() and all(_NAME_PART.fullmatch(p) for p in _PART_SPLIT.split(word) if p)


def _particle_key(word: str) -> str:
    return fold(word).strip("'’")


def _word_set(per_language: dict[str, list[str]]) -> set[str]:
    return {fold(w) for words in per_language.values() for w in words}


def _label_regex(labels: set[str]) -> re.Pattern[str] | None:
    """A line that starts with one of ``labels`` and a colon; group 1 is the rest of the line."""
    if not labels:
        return None
    body = "|".join(re.escape(w) for w in sorted(labels, key=len, reverse=True))
    return re.compile(rf"^[ \t*-]*(?:{body})[ \t]*:[ \t]*(.+)$", re.IGNORECASE | re.MULTILINE)


# A contact row (a CSV line, a signature, "Name - phone - email") is short; in a longer line
# (a paragraph written without line breaks) capitalised words near a phone number are just
# prose, and in German every noun is capitalised.
_CONTACT_LINE_MAX_CHARS = 200


def _lines_with(text: str, spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """(start, end) of each distinct contact-row-sized line that contains the start of one
    of ``spans``."""
    lines = set()
    for start, _ in spans:
        line_start = text.rfind("\n", 0, start) + 1
        line_end = text.find("\n", start)
        line = (line_start, len(text) if line_end < 0 else line_end)
        if line[1] - line[0] <= _CONTACT_LINE_MAX_CHARS:
            lines.add(line)
    return sorted(lines)


def merge(spans: Iterable[NameSpan]) -> list[NameSpan]:
    """Union of overlapping spans (the first rule of a merged group is kept)."""
    out: list[NameSpan] = []
    for span in sorted(spans, key=lambda s: (s.start, -s.end)):
        if out and span.start <= out[-1].end:
            last = out[-1]
            out[-1] = NameSpan(last.start, max(last.end, span.end), last.rule)
        else:
            out.append(span)
    return out


class NameFinder:
    """Finds person names in the (normalised) texts of one request."""

    def __init__(self, rules: NameRules, lexicon: Lexicon) -> None:
        self.lexicon = lexicon
        # Particle phrases as word tuples: "in 't" is one, but "in" alone is not ("Peeters in Gent").
        self._particles = {tuple(_particle_key(w) for w in p.split()) for p in rules.particles}
        self._max_particle_words = max((len(p) for p in self._particles), default=0)
        self._particle_firsts = {p[0] for p in self._particles}
        self._cues = {**_cue_table(rules.cues.weak, "weak"), **_cue_table(rules.cues.strong, "strong")}
        self._cue_words = {w for c in self._cues for w in c.split()}
        # What the last word before a name must fold to for a cue: a cue's ending after a space.
        self._cue_endings = {c.split(" ", n)[-1] for c in self._cues for n in range(c.count(" ") + 1)}
        self._place_prefixes = {fold(p) for p in rules.place_prefixes}
        signoffs = "|".join(re.escape(s) for s in sorted(rules.signoffs, key=len, reverse=True))
        self._signoff = re.compile(rf"^[ \t]*(?:{signoffs})[ \t]*[,.!]*[ \t]*\n",
                                   re.IGNORECASE | re.MULTILINE)
        self._roles = {fold(r) for r in rules.role_mailboxes}
        self._person_context = _word_set(rules.cues.person_context)
        self._attendee_list = _label_regex(_word_set(rules.cues.attendee_lists))
        self._legal_forms = set(rules.legal_forms)
        # Prose repeats its words: each word's own tests run once (see _may_anchor).
        self._may_anchor = functools.lru_cache(maxsize=_WORD_CACHE)(self._anchor_possible)
        self._may_start_lowercase_name = functools.lru_cache(maxsize=_WORD_CACHE)(self._lowercase_first_name)
        self._may_end_cue = functools.lru_cache(maxsize=_WORD_CACHE)(self._cue_ending)
        self._is_first_name = functools.lru_cache(maxsize=_WORD_CACHE)(lexicon.is_first_name)
        self._is_strong_first_name = functools.lru_cache(maxsize=_WORD_CACHE)(lexicon.is_strong_first_name)
        self._may_start_particle = functools.lru_cache(maxsize=_WORD_CACHE)(self._particle_first)
        self._is_capitalised_known_surname = functools.lru_cache(maxsize=_WORD_CACHE)(
            self._capitalised_known_surname)

    # -- per text ---------------------------------------------------------------------------

    def find(self, text: str, language: str = "", tokens: list[Token] | None = None) -> list[NameSpan]:
        """Names in one text, from anchors, initials, signatures, lists and login names."""
        tokens = tokenize(text) if tokens is None else tokens
        # The cached word test runs over all tokens in C; _anchor only where it passes.
        candidates = compress(count(), map(self._may_anchor, map(_WORD_OF, tokens)))
        spans = [self._extend(text, tokens, i, rule)
                 for i in candidates if (rule := self._anchor(text, tokens, i, language))]
        spans += self._lowercase_full_names(text, tokens)
        spans = [s for s in spans if not self._before_legal_form(text, s)]
        spans += self._initials(text, tokens)
        spans += self._signatures(text)
        spans += self._attendees(text)
        spans += self._logins(text)
        return merge(spans)

    def _cue(self, text: str, tokens: list[Token], i: int) -> str | None:
        """"strong" or "weak" when the one to three words before token ``i`` are a cue,
        separated from it only by spaces and a dot, colon or comma ("Mevr. X", "Naam: X")."""
        if i == 0 or not self._may_end_cue(tokens[i - 1].text):
            return None
        for n in range(1, 4):
            if i - n < 0:
                break
            run = tokens[i - n:i]
            if any(not _CUE_GAP.fullmatch(text[a.end:b.start]) for a, b in zip(run, run[1:], strict=False)):
                break
            if not _CUE_GAP.fullmatch(text[run[-1].end:tokens[i].start]):
                break
            words = [fold(t.text) for t in run]
            cue = self._cues.get(" ".join(words)) or self._cues.get(words[-1].split("-")[-1])
            if cue and (not cue[1] or run[0].text[:1].isupper()):
                return cue[0]
        return None

    def _cue_ending(self, word: str) -> bool:
        """False when no cue can end with ``word`` (the lookups of _cue, for any run)."""
        key = fold(word)
        return key in self._cue_endings or key.split("-")[-1] in self._cues

    def _anchor_possible(self, word: str) -> bool:
        """False when no context can make ``word`` start a name: the tests of _anchor
        (and _lowercase_anchor) that look at the word alone, so most words are skipped
        with one cached lookup."""
        if fold(word) in self._cue_words:
            return False
        if not is_capitalised(word):
            return len(word) >= _MIN_LOWERCASE_NAME and self.lexicon.is_strong_first_name(word) \
                and self.lexicon.is_regional_first_name(word) and not self.lexicon.is_place(word)
        return self.lexicon.is_first_name(word) or self.is_surname(word)

    def _anchor(self, text: str, tokens: list[Token], i: int, language: str = "") -> str | None:
        """The rule that makes token ``i`` the start of a name, or None.

        The gazetteer tests are the cached ones: a German text asks them of every noun.
        """
        word = tokens[i].word
        lex = self.lexicon
        if fold(word) in self._cue_words:
            return None
        if not is_capitalised(word):
            return self._lowercase_anchor(text, tokens, i)
        if self._is_strong_first_name(word):
            if self._after_place_prefix(text, tokens, i):
                return None
            if lex.is_local_first_name(word, language) or self._cue(text, tokens, i) \
                    or self._surname_follows(text, tokens, i):
                return "name:first_name"
            return None
        cue = self._cue(text, tokens, i)
        if cue == "strong" and self.is_surname(word):
            return "name:honorific"
        if self._is_first_name(word) and (cue or self._surname_follows(text, tokens, i)) \
                and not self._function_word_before_name(tokens, i):
            return "name:weak_first_name"
        if self._known_surname_follows(text, tokens, i):
            return "name:known_surname"
        return None

    def _function_word_before_name(self, tokens: list[Token], i: int) -> bool:
        """A function word that is also a first name ("Sie", "An") right before a strong
        first name is the sentence's word, not the name's start ("rufen Sie Jürgen an")."""
        return fold(tokens[i].word) in self.lexicon.stop_words and i + 1 < len(tokens) \
            and self.lexicon.is_strong_first_name(tokens[i + 1].word)

    def _lowercase_anchor(self, text: str, tokens: list[Token], i: int) -> str | None:
        """A lower-case strong regional first name after a cue, or after a verb or preposition
        that takes a person ("bel jos terug"); places and short words never count."""
        word = tokens[i].word
        if len(word) < _MIN_LOWERCASE_NAME or not self.lexicon.is_strong_first_name(word) \
                or not self.lexicon.is_regional_first_name(word) or self.lexicon.is_place(word):
            return None
        if self._cue(text, tokens, i):
            return "name:cue_lowercase"
        previous = tokens[i - 1] if i > 0 else None
        if previous and fold(previous.text) in self._person_context \
                and self._adjacent(text, previous, tokens[i]):
            return "name:person_context"
        return None

    def _lowercase_full_names(self, text: str, tokens: list[Token]) -> list[NameSpan]:
        """"tom de smet", "an verlinden": a lower-case first name, particles, and a known
        surname that is no ordinary word or place.  A first name that is itself an ordinary
        word ("an", "mark") needs a surname of at least four letters."""
        out = []
        # Every token but the last, where the cached word test passes (selected in C).
        starts = map(self._may_start_lowercase_name, map(_TEXT_OF, tokens))
        for i in compress(range(len(tokens) - 1), starts):
            token = tokens[i]
            word = token.text
            k = self._skip_particles(text, tokens, i + 1)
            if k >= len(tokens) or not self._adjacent(text, tokens[k - 1], tokens[k]):
                continue
            surname = tokens[k].word
            min_length = 2 if self.lexicon.is_strong_first_name(word) else 4
            if surname.islower() and len(surname) >= min_length and self.lexicon.is_known_surname(surname) \
                    and not self.lexicon.is_place(surname):
                out.append(NameSpan(token.start, tokens[k].start + len(surname), "name:lowercase_full"))
        return out

    def _lowercase_first_name(self, word: str) -> bool:
        """A lower-case first name that is not a particle: where a lower-case name may start."""
        return word.islower() and fold(word) in self.lexicon.first_names \
            and (_particle_key(word),) not in self._particles

    def _before_legal_form(self, text: str, span: NameSpan) -> bool:
        """True when at most two capitalised words separate the span from a company form
        ("Moselle Re S.A.", "Peeters BV"): the words name a firm."""
        words = text[span.end:span.end + 40].split("\n")[0].split()
        for word in words[:3]:
            if word.rstrip(",;:)") in self._legal_forms:
                return True
            if not is_capitalised(word):
                return False
        return False

    def _attendees(self, text: str) -> list[NameSpan]:
        """Items of a list of people ("Aanwezig: X Y, Z, K.V.") that are one to three
        capitalised uncommon words or dotted initials."""
        if self._attendee_list is None or ":" not in text:  # "Aanwezig:": the regex tries every character
            return []
        out = []
        for m in self._attendee_list.finditer(text):
            blanked = _LIST_SEPARATOR.sub(lambda sep: "," * len(sep.group()), m.group(1))
            items = [(m.start(1) + i.start(), i.group()) for i in _LIST_ITEM.finditer(blanked)]
            names = [(start, item) for start, item in items if self._is_list_name(item)]
            if any(self._is_person_like(item) for _, item in names):
                out += [NameSpan(start, start + len(item), "name:attendee_list") for start, item in names]
        return out

    def _is_list_name(self, item: str) -> bool:
        """One to three capitalised words, not all ordinary words or places, or initials."""
        words = item.split()
        if len(words) == 1 and _DOTTED_INITIALS.fullmatch(words[0]):
            return True
        return 1 <= len(words) <= _MAX_LIST_ITEM_WORDS \
            and all(_WORD.fullmatch(w) and is_capitalised(w) and fold(w) not in self._cue_words
                    for w in words) \
            and any(not self.lexicon.is_common(w) and not self.lexicon.is_place(w) for w in words)

    def _is_person_like(self, item: str) -> bool:
        """Initials, or a word known as a first name or surname: the list is about people
        (so "Present: Budget, Planning" is not)."""
        return bool(_DOTTED_INITIALS.fullmatch(item)) or any(
            self.lexicon.is_first_name(w) or self.lexicon.is_known_surname(w) for w in item.split())

    def _logins(self, text: str) -> list[NameSpan]:
        """Login names "firstname.lastname" (VPN and mail logs): a first name and a known
        surname, or a strong first name and an uncommon word of four letters or more."""
        out = []
        for m in login_matches(text):
            first, last = m.group(1), m.group(2)
            if not self.lexicon.is_first_name(first) or self.lexicon.is_common(last) \
                    or fold(last) in self._roles:
                continue
            if self.lexicon.is_known_surname(last) or (
                    self.lexicon.is_strong_first_name(first) and len(last) >= _MIN_LOGIN_SURNAME):
                out.append(NameSpan(m.start(), m.end(), "name:login"))
        return out

    def _after_place_prefix(self, text: str, tokens: list[Token], i: int) -> bool:
        return i > 0 and fold(tokens[i - 1].text) in self._place_prefixes \
            and self._adjacent(text, tokens[i - 1], tokens[i])

    def _known_surname_follows(self, text: str, tokens: list[Token], i: int) -> bool:
        """An unknown capitalised word right before a gazetteer surname ("Ananya Krishnan").

        The following word is tested first, with one cached lookup: most capitalised words
        (every German noun) are followed by no surname, and the other tests are then moot.
        """
        if i + 1 >= len(tokens) or not self._is_capitalised_known_surname(tokens[i + 1].word) \
                or not self._adjacent(text, tokens[i], tokens[i + 1]):
            return False
        word = tokens[i].word
        return (word == tokens[i].text and self.is_surname(word) and not self.lexicon.is_common(word)
                and not self.lexicon.is_place(word))

    def _capitalised_known_surname(self, word: str) -> bool:
        """The test of the following word in _known_surname_follows (cached per word)."""
        return is_capitalised(word) and self.lexicon.is_known_surname(word)

    def is_surname(self, word: str) -> bool:
        """A capitalised word that can be (part of) a surname: not a function word or cue."""
        key = fold(word)
        return (
            len(word) > 1 and is_capitalised(word)
            and key not in self.lexicon.stop_words
            and key not in self.lexicon.curated
            and key not in self._cue_words
        )

    @staticmethod
    def _adjacent(text: str, left: Token, right: Token) -> bool:
        """Only spaces (no punctuation, no line break) between two tokens of one name."""
        gap = text[left.end:right.start]
        return 0 < len(gap) <= 3 and gap.strip(" ") == ""

    def _surname_follows(self, text: str, tokens: list[Token], i: int) -> bool:
        return self._extend(text, tokens, i, "").end > tokens[i].start + len(tokens[i].word)

    def _extend(self, text: str, tokens: list[Token], i: int, rule: str) -> NameSpan:
        """The anchor plus following particles and surname words ("Van der Berg", "Cuypers-Ooms");
        a possessive ("Jan's") ends the name."""
        end = tokens[i].start + len(tokens[i].word)
        j, surnames = i, 0
        while surnames < _MAX_SURNAME_WORDS and tokens[j].word == tokens[j].text:
            k = self._skip_particles(text, tokens, j + 1)
            if k >= len(tokens) or not self._adjacent(text, tokens[k - 1], tokens[k]) \
                    or not self.is_surname(tokens[k].word):
                break
            end = tokens[k].start + len(tokens[k].word)
            j, surnames = k, surnames + 1
        return NameSpan(tokens[i].start, end, rule)

    def _skip_particles(self, text: str, tokens: list[Token], k: int) -> int:
        """Index of the first token after the particle phrases that start at ``k``."""
        while k < len(tokens) and (n := self._particle_length(text, tokens, k)):
            k += n
        return k

    def _particle_length(self, text: str, tokens: list[Token], k: int) -> int:
        """Words in the longest particle phrase at ``k`` ("van der" = 2), or 0.

        Every phrase tried starts with token ``k``: when no particle phrase starts with that
        word (one cached lookup), none of them is there.
        """
        if k >= len(tokens) or not self._may_start_particle(tokens[k].word):
            return 0
        for n in range(self._max_particle_words, 0, -1):
            run = tokens[k - 1:k + n]
            if len(run) == n + 1 and tuple(_particle_key(t.word) for t in run[1:]) in self._particles \
                    and all(self._adjacent(text, a, b) for a, b in zip(run, run[1:], strict=False)):
                return n
        return 0

    def _particle_first(self, word: str) -> bool:
        """True when a particle phrase starts with ``word`` (cached per word)."""
        return _particle_key(word) in self._particle_firsts

    def on_contact_lines(self, text: str, contacts: list[tuple[int, int]],
                         tokens: list[Token] | None = None) -> list[NameSpan]:
        """Two or three capitalised uncommon words on a line that also carries an email, phone
        number or IBAN: a contact row ("Latifa Zerouali", "+32477152904")."""
        if not contacts:
            return []
        tokens = tokenize(text) if tokens is None else tokens
        starts = [t.start for t in tokens]
        out = []
        for line_start, line_end in _lines_with(text, contacts):
            i, stop = bisect.bisect_left(starts, line_start), bisect.bisect_left(starts, line_end)
            while i < stop:
                j = i
                while j < stop and self._uncommon_capitalised(tokens[j]) and \
                        (j == i or self._adjacent(text, tokens[j - 1], tokens[j])):
                    j += 1
                if 2 <= j - i <= 3:
                    out.append(NameSpan(tokens[i].start, tokens[j - 1].end, "name:contact_line"))
                i = max(j, i + 1)
        return out

    def _uncommon_capitalised(self, token: Token) -> bool:
        return is_capitalised(token.word) and self.is_surname(token.word) \
            and not self.lexicon.is_common(token.word)

    def _initials(self, text: str, tokens: list[Token]) -> list[NameSpan]:
        matches = list(finditer_from(_INITIALS, _INITIAL_START, text))
        if not matches:
            return []
        by_start = {t.start: n for n, t in enumerate(tokens)}
        out = []
        for m in matches:
            n = by_start.get(m.end())
            if n is None or fold(m.group().split()[0]).rstrip(".") in self._cue_words:
                continue
            if self.is_surname(tokens[n].word) and not self.lexicon.is_common(tokens[n].word):
                out.append(NameSpan(m.start(), self._extend(text, tokens, n, "").end, "name:initials"))
        return out

    def _signatures(self, text: str) -> list[NameSpan]:
        """A line of one to four capitalised words right after a sign-off line."""
        out: list[NameSpan] = []
        if "\n" not in text:  # a sign-off line ends with one; the regex tries every character
            return out
        for m in self._signoff.finditer(text):
            line_end = text.find("\n", m.end())
            line = text[m.end():line_end if line_end >= 0 else len(text)]
            words = line.split()
            if 1 <= len(words) <= 4 and all(_WORD.fullmatch(w) and is_capitalised(w) for w in words) \
                    and any(not self.lexicon.is_common(w) for w in words):
                start = m.end() + (len(line) - len(line.lstrip()))
                out.append(NameSpan(start, start + len(line.strip()), "name:signature"))
        return out

    # -- across the texts of a request --------------------------------------------------------

    def local_part_pieces(self, emails: Iterable[str]) -> set[str]:
        """Folded letter runs of the local parts of the request's email addresses."""
        pieces = set()
        for email in emails:
            local = email.replace("%40", "@").split("@")[0]
            for piece in _LOCAL_PART_PIECE.findall(local):
                key = fold(piece)
                if key not in self._roles and key not in self.lexicon.stop_words:
                    pieces.add(key)
        return pieces

    def from_local_parts(self, text: str, pieces: set[str], emails: list[tuple[int, int]],
                         tokens: list[Token] | None = None) -> list[NameSpan]:
        """Capitalised words (or runs of up to three) that spell a piece of a local part."""
        if not pieces:
            return []
        tokens = tokenize(text) if tokens is None else tokens
        # The folded words of a run spell the start of a piece, so its first word does too.
        starts = {piece[:k] for piece in pieces for k in range(len(piece) + 1)}
        out = []
        # The tokens whose folded word starts a piece, selected in C (fold is cached).
        for i in compress(count(), map(starts.__contains__, map(fold, map(_WORD_OF, tokens)))):
            for n in range(1, 4):
                run = tokens[i:i + n]
                if len(run) < n or not all(is_capitalised(t.word) for t in run) \
                        or (n > 1 and not self._adjacent(text, run[-2], run[-1])):
                    break
                key = fold("".join(t.word for t in run))
                if key in pieces and self._plausible_piece(text, key, run[0].start, emails):
                    end = run[-1].start + len(run[-1].word)
                    out.append(NameSpan(run[0].start, end, "name:email_local_part"))
        return out

    def _plausible_piece(self, text: str, key: str, pos: int, emails: list[tuple[int, int]]) -> bool:
        """Short or common pieces count only on an email's own line ("Vo Thanh Tam, thanhtam.vo@")."""
        if len(key) >= 3 and key not in self.lexicon.common:
            return True
        line_start = text.rfind("\n", 0, pos) + 1
        line_end = text.find("\n", pos)
        line_end = len(text) if line_end < 0 else line_end
        return any(line_start <= start < line_end for start, _ in emails)

    def propagation_regexes(self, names: Iterable[str]) -> list[re.Pattern[str]]:
        """Whole names and their parts, in any case; parts that are also common words
        ("Roos" the name, "roos" the flower) only inside the whole name."""
        anycase: set[str] = set()
        for name in names:
            if len(name.split()) > 1 or fold(name) not in self.lexicon.common:
                anycase.add(" ".join(name.split()))
            for token in tokenize(name):
                key = fold(token.word)
                if len(key) > 1 and key not in self.lexicon.common:
                    anycase.add(token.word)
        regex = self._word_regex(anycase, re.IGNORECASE)
        return [regex] if regex else []

    @staticmethod
    def _word_regex(words: set[str], flags: int) -> re.Pattern[str] | None:
        if not words:
            return None
        body = "|".join(re.escape(w).replace(r"\ ", r"\s+") for w in sorted(words, key=len, reverse=True))
        return re.compile(rf"(?<![^\W_])(?:{body})(?=['’]s\b|[^\w'’-]|$)", flags)
