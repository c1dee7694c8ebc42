"""Small text helpers shared by the surrogate generators, the transformer and the restorer.

Three concerns live here:

* the *key* of a value (:func:`normalise`): how two spellings of one value are
  recognised as the same value, so they get the same surrogate;
* the *shape* of a value (:func:`apply_case`, :func:`fill_digits`): how a surrogate
  keeps the look of the text it replaces, so "0476 13 58 42" and "0476135842" get
  surrogates that differ exactly like the originals do and each restores exactly;
* *safety* checks (:func:`leaks`, :func:`json_safe`): a surrogate never carries an
  original value and never contains a character that JSON would escape.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable, Mapping

ALNUM = re.compile(r"[^\W_]")
_FORMAT_CHARS = re.compile(r"[\u00ad\u200b-\u200f\u2060-\u2064\ufeff]")
_SPACES = re.compile(r"\s+")
_DIGIT_SEPARATORS = re.compile(r"[\s.\-/\u2010-\u2015]+")
_UNSAFE = re.compile(r"[^\x20-\x7e]|[\"\\<>&]")
DIGIT_TYPES = frozenset({
    "PHONE_NUMBER", "IBAN_CODE", "BE_NATIONAL_NUMBER", "NL_BSN", "CREDIT_CARD",
    "ID_DOCUMENT", "IP_ADDRESS", "LICENSE_PLATE", "DATE_OF_BIRTH",
})


class Literals:
    """Finds literal strings in a text: leftmost, longest first, never glued to a letter or digit.

    This is what one regex alternation with lookarounds would do, but compiling such a
    regex for every request's surrogates costs more (about 1.5 ms for 25 literals) than
    the whole pseudonymisation; ``str.find`` per literal needs no compilation. A boundary
    applies only at an end that is itself a letter or digit ("+32 4..." may follow a word).
    """

    def __init__(self, literals: Iterable[str]) -> None:
        self._literals = [v for v in set(literals) if v]

    def __bool__(self) -> bool:
        return bool(self._literals)

    def matches(self, text: str, start: int = 0) -> list[tuple[int, int, str]]:
        """Non-overlapping (start, end, literal) from ``start``; ``text[start - 1]`` is context."""
        found: list[tuple[int, int, str]] = []
        for literal in self._literals:
            i = text.find(literal, start)
            while i >= 0:
                if _bounded(text, i, i + len(literal)):
                    found.append((i, -len(literal), literal))
                i = text.find(literal, i + 1)
        found.sort()
        out: list[tuple[int, int, str]] = []
        end = start
        for i, negative_length, literal in found:
            if i >= end:
                end = i - negative_length
                out.append((i, end, literal))
        return out

    def replace(self, text: str, mapping: Mapping[str, str]) -> str:
        out, last = [], 0
        for i, end, literal in self.matches(text):
            out += [text[last:i], mapping[literal]]
            last = end
        return "".join(out) + text[last:]


def _bounded(text: str, start: int, end: int) -> bool:
    glued_left = start > 0 and ALNUM.match(text[start]) and ALNUM.match(text[start - 1])
    glued_right = end < len(text) and ALNUM.match(text[end - 1]) and ALNUM.match(text[end])
    return not glued_left and not glued_right


def clean(value: str) -> str:
    """NFKC, without zero-width and soft-hyphen characters, whitespace collapsed."""
    value = _FORMAT_CHARS.sub("", unicodedata.normalize("NFKC", value))
    return _SPACES.sub(" ", value).strip()


def normalise(entity_type: str, value: str) -> str:
    """The key under which a value is pseudonymised.

    Case and spacing never distinguish two values. For number-like types the usual
    separators do not either ("0476 13 58 42" == "0476135842" == "0476.13.58.42").
    """
    key = clean(value).casefold()
    if entity_type in DIGIT_TYPES:
        key = _DIGIT_SEPARATORS.sub("", key)
    return key


def to_ascii(value: str) -> str:
    """Strip accents and fold ligatures so a surrogate survives ``ensure_ascii`` JSON."""
    value = value.replace("ß", "ss").replace("ẞ", "SS")
    decomposed = unicodedata.normalize("NFKD", value)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def json_safe(value: str) -> bool:
    """True when JSON encoders (``ensure_ascii``, HTML-safe) leave the text as it is."""
    return _UNSAFE.search(value) is None


def json_safe_text(value: str) -> str:
    """``value`` without the characters :func:`json_safe` rejects."""
    return _UNSAFE.sub("", value)


def apply_case(template: str, word: str) -> str:
    """``word`` written in the case style of ``template`` (UPPER, lower or Title)."""
    letters = [c for c in template if c.isalpha()]
    if letters and all(c.isupper() for c in letters) and len(letters) > 1:
        return word.upper()
    if letters and all(c.islower() for c in letters):
        return word.lower()
    return word[:1].upper() + word[1:].lower()


def fill_digits(template: str, digits: str) -> str:
    """Replace the digits of ``template`` in order by ``digits`` (same count)."""
    feed = iter(digits)
    return re.sub(r"\d", lambda _: next(feed), template)


def digits_of(value: str) -> str:
    return "".join(c for c in clean(value) if c.isdigit())


def mostly_digits(value: str) -> bool:
    """The harness's notion of a number-like value (>= 3 digits, >= half the alphanumerics)."""
    alnum = [c for c in value if c.isalnum()]
    digits = sum(c.isdigit() for c in alnum)
    return digits >= 3 and digits * 2 >= len(alnum)


def contains_run(haystack: str, needle: str) -> bool:
    """``needle`` occurs in ``haystack`` not glued to a letter or digit on either side."""
    start = haystack.find(needle) if needle else -1
    while start >= 0:
        if _bounded(haystack, start, start + len(needle)):
            return True
        start = haystack.find(needle, start + 1)
    return False


class LeakGuard:
    """Tells whether a candidate surrogate would reveal any original value of the request.

    Mirrors how leaks are measured: casefolded token runs, and for number-like values
    also with all separators removed (where any substring counts, to be strict). The
    originals are normalised once per request, not once per candidate.
    """

    def __init__(self, originals: list[str]) -> None:
        folded = {clean(o).casefold() for o in originals}
        self._runs = [o for o in folded if o]
        self._compact = [_DIGIT_SEPARATORS.sub("", o) for o in folded if mostly_digits(o)]

    def reveals(self, candidate: str) -> bool:
        cand = clean(candidate).casefold()
        if any(contains_run(cand, o) for o in self._runs):
            return True
        compact = _DIGIT_SEPARATORS.sub("", cand)
        return any(o in compact for o in self._compact)


def case_variants(surrogate: str, original: str) -> list[tuple[str, str]]:
    """Pairs (surrogate as a model may rewrite it, the original rewritten the same way)."""
    pairs: list[tuple[str, str]] = []
    transforms: list[Callable[[str], str]] = [str.upper, str.lower, _title]
    for transform in transforms:
        written = transform(surrogate)
        if written != surrogate:
            pairs.append((written, transform(original)))
    return pairs


def _title(value: str) -> str:
    """Each word capitalised; unlike ``str.title`` a digit does not start a word ("2b" stays)."""
    return re.sub(r"(?<![^\W\d_])([^\W\d_])([^\W\d_]*)", lambda m: m[1].upper() + m[2].lower(), value)
