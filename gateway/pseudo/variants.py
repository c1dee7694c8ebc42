"""The forms in which a model may hand a surrogate back, each paired with its original.

Models rewrite what they were given: "KAREL MAES" in a heading, "Karel" alone in a
salutation, "0470371919" without the spaces, "+32 470 37 19 19" in international
form (national numbers are taken as Belgian), an IBAN regrouped by four. Each
variant is paired with the original rewritten the same way, so the user reads their
own value in the model's chosen form. A variant that would restore to two different
originals is ambiguous and dropped; exact surrogates always win over variants.

A lowercase variant is only made for values of several words or non-name types: a
name word alone in lowercase ("roos", "mark") is more likely an ordinary word.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable

from stdnum import iban
from stdnum.be import nn

from gateway.pseudo.text import DIGIT_TYPES, case_variants, mostly_digits

NAME_WORD = "NAME_WORD"  # a word of a person's name, restorable on its own
_SEPARATORS = re.compile(r"[\s.\-/]+")
_BE_PREFIX = re.compile(r"^(?:\+|00)32[\s.\-/]*(?:\(0\)[\s.\-/]*)?")


def build(pairs: Iterable[tuple[str, str, str]]) -> dict[str, str]:
    """``pairs`` of (entity type, surrogate, original) -> {restorable form: original}."""
    pairs = list(pairs)
    exact: dict[str, str] = {}
    for entity_type, surrogate, original in sorted(pairs, key=lambda p: p[0] != NAME_WORD):
        if entity_type == NAME_WORD:
            exact.setdefault(surrogate, original)
        else:
            exact[surrogate] = original
    candidates: dict[str, set[str]] = {}
    for entity_type, surrogate, original in pairs:
        for form, restored in _variants(entity_type, surrogate, original):
            candidates.setdefault(form, set()).add(restored)
    out = {form: next(iter(restored)) for form, restored in candidates.items() if len(restored) == 1}
    out.update(exact)
    return out


def _variants(entity_type: str, surrogate: str, original: str) -> list[tuple[str, str]]:
    pairs = case_variants(surrogate, original)
    if entity_type in (NAME_WORD, "PERSON") and " " not in surrogate:
        pairs = [(s, o) for s, o in pairs if s != surrogate.lower()]
    if entity_type in DIGIT_TYPES:
        pairs = [(s, o) for s, o in pairs if s in (surrogate.upper(), surrogate.lower())]
    if entity_type in DIGIT_TYPES and mostly_digits(original):
        pairs.append((_SEPARATORS.sub("", surrogate), _SEPARATORS.sub("", original)))
    for formatter in _FORMATTERS.get(entity_type, ()):
        try:
            pairs.append((formatter(surrogate), formatter(original)))
        except ValueError:
            continue
    return [(s, o) for s, o in pairs if s and o and s != surrogate]


def _international(value: str) -> str:
    """A phone number in E.164 form; national numbers are taken as Belgian (the home country)."""
    compact = _SEPARATORS.sub("", value)
    if compact.startswith("00"):
        return "+" + compact[2:]
    if compact.startswith("0"):
        return "+32" + compact[1:]
    return compact


def _national(value: str) -> str:
    """A Belgian number written internationally (+32 / 0032) rewritten with the trunk 0."""
    return _BE_PREFIX.sub("0", value) if _BE_PREFIX.match(value) else ""


def _spaced_international(value: str) -> str:
    """A national number written "+32 " + the rest, keeping the original spacing."""
    return "+32 " + value[1:].lstrip() if value.startswith("0") and not value.startswith("00") else ""


_FORMATTERS: dict[str, tuple[Callable[[str], str], ...]] = {
    "PHONE_NUMBER": (_international, _national, _spaced_international),
    "IBAN_CODE": (iban.format,),
    "BE_NATIONAL_NUMBER": (nn.format,),
}
