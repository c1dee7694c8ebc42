"""Person-name surrogates, chosen token by token from Faker's name lists.

Names are mapped per token, not per full name: "Petra Devriendt", "Mevrouw
Devriendt", "Petra" and ``petra.devriendt@...`` then all point at the same surrogate
person, which is what a model needs to write a coherent answer, and a first name or
surname the model reuses on its own restores unambiguously. Inside one request the
token map is injective (two different tokens never share a surrogate token), so two
different people never share a surrogate name.

Pools come from Faker's per-locale lists (MIT): nl_BE, fr_BE, de_DE, en_GB. A token
known in one locale's lists draws from that locale (a French name stays French in a
Dutch text); first names keep their gender when the lists know it. Pools hold only
plain ASCII words of three letters or more that are not stop words in nl/fr/en/de,
so a surrogate survives JSON escaping and is unlikely to coincide with a word the
model writes for its own reasons.
"""

from __future__ import annotations

import importlib
import re
from dataclasses import dataclass
from functools import cache

from gateway.pseudo.keyed import Keyed
from gateway.pseudo.text import apply_case, clean, to_ascii

LOCALES = {"nl": "nl_BE", "fr": "fr_BE", "de": "de_DE", "en": "en_GB"}
PARTICLES = frozenset({
    "van", "de", "der", "den", "het", "ter", "ten", "te", "vanden", "vander", "vande", "op",
    "le", "la", "du", "des", "von", "zu", "vom", "da", "di", "del", "della", "dos", "das", "el",
    "al", "bin", "ben", "'t",
})
WORD = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)*")
_POOL_WORD = re.compile(r"[A-Z][a-z]{2,}")
_MAX_ATTEMPTS = 2000


@dataclass(frozen=True)
class Known:
    """What the name lists say about a token."""

    locale: str
    first: bool
    gender: str | None  # "f" | "m" | None (unknown or both)


@dataclass(frozen=True)
class Pools:
    first: dict[tuple[str, str | None], tuple[str, ...]]
    last: dict[str, tuple[str, ...]]
    known: dict[str, Known]


def _key(token: str) -> str:
    return to_ascii(clean(token)).casefold()


def _stop_words() -> set[str]:
    words: set[str] = set()
    for lang in LOCALES:
        module = importlib.import_module(f"spacy.lang.{lang}.stop_words")
        words |= {w.casefold() for w in module.STOP_WORDS}
    return words


def _pool(names: object, stop: set[str]) -> tuple[str, ...]:
    ascii_names = {to_ascii(str(n)) for n in names}  # type: ignore[attr-defined]
    return tuple(sorted(n for n in ascii_names if _POOL_WORD.fullmatch(n) and n.casefold() not in stop
                        and n.casefold() not in PARTICLES))


@cache
def pools() -> Pools:
    """Built once per process from Faker's data modules (no Faker instance needed)."""
    stop = _stop_words()
    first: dict[tuple[str, str | None], tuple[str, ...]] = {}
    last: dict[str, tuple[str, ...]] = {}
    known: dict[str, Known] = {}
    for locale in LOCALES.values():
        provider = importlib.import_module(f"faker.providers.person.{locale}").Provider
        female, male = provider.first_names_female, provider.first_names_male
        first[(locale, "f")] = _pool(female, stop)
        first[(locale, "m")] = _pool(male, stop)
        first[(locale, None)] = tuple(sorted({*first[(locale, "f")], *first[(locale, "m")]}))
        last[locale] = _pool(provider.last_names, stop)
        for name in provider.last_names:
            known.setdefault(_key(str(name)), Known(locale, False, None))
        female_keys, male_keys = {_key(str(n)) for n in female}, {_key(str(n)) for n in male}
        for k in female_keys | male_keys:
            gender = None if k in female_keys and k in male_keys else ("f" if k in female_keys else "m")
            if k not in known or not known[k].first:
                known[k] = Known(locale, True, gender)
    return Pools(first, last, known)


def is_first_name(token: str) -> bool:
    info = pools().known.get(_key(token))
    return bool(info and info.first)


class NameMapper:
    """The request's injective map from name tokens to surrogate name tokens."""

    def __init__(self, keyed: Keyed, forbidden: set[str]) -> None:
        """``forbidden``: casefolded words a surrogate token may not be (all words of the request)."""
        self._keyed = keyed
        self._forbidden = forbidden
        self._map: dict[tuple[str, int], str] = {}
        self._used: set[str] = set()

    def token(self, token: str, first: bool, language: str, variant: int = 0) -> str:
        """The surrogate of one name token, written in the token's case style."""
        key = _key(token)
        chosen = self._map.get((key, variant))
        if chosen is None:
            chosen = self._choose(key, first, language, variant)
            self._map[(key, variant)] = chosen
            self._used.add(chosen.casefold())
        return apply_case(token, chosen)

    def initial(self, letter: str, variant: int = 0) -> str:
        """Another letter for an initial ("J." -> "K."), keyed like a token."""
        draw = self._keyed.draw("initial", _key(letter), str(variant))
        choice = draw.letter()
        while choice.casefold() == _key(letter):
            choice = draw.letter()
        return apply_case(letter, choice)

    def _choose(self, key: str, first: bool, language: str, variant: int) -> str:
        table = pools()
        info = table.known.get(key)
        locale = info.locale if info else LOCALES.get(language, LOCALES["en"])
        if first:
            pool = table.first[(locale, info.gender if info and info.first else None)]
        else:
            pool = table.last[locale]
        for attempt in range(_MAX_ATTEMPTS):
            candidate = self._keyed.draw("name", key, str(variant), str(attempt)).choice(pool)
            folded = candidate.casefold()
            if folded != key and folded not in self._used and folded not in self._forbidden:
                return candidate
        raise RuntimeError("name pool exhausted")


def name_roles(tokens: list[str]) -> list[str]:
    """Label each word of a person's name: "initial", "particle", "first" or "last".

    Particles start the surname ("Anne Van den Bossche"); otherwise the last word is the
    surname, unless the name is written surname first ("Peeters Jan", as in lists).
    """
    roles = ["initial" if len(t) == 1 else "name" for t in tokens]
    names = [i for i, r in enumerate(roles) if r == "name"]
    for i in names[:-1]:
        if tokens[i].casefold() in PARTICLES and i > 0:
            roles[i] = "particle"
    names = [i for i, r in enumerate(roles) if r == "name"]
    if not names:
        return roles
    surname_start = next((i for i, r in enumerate(roles) if r == "particle"), None)
    if len(names) == 1:
        roles[names[0]] = "first" if is_first_name(tokens[names[0]]) else "last"
        return roles
    reversed_order = not is_first_name(tokens[names[0]]) and is_first_name(tokens[names[-1]])
    for i in names:
        if surname_start is not None:
            roles[i] = "last" if i > surname_start else "first"
        elif reversed_order:
            roles[i] = "last" if i == names[0] else "first"
        else:
            roles[i] = "last" if i == names[-1] else "first"
    return roles


def person(raw: str, mapper: NameMapper, language: str,
           variant: int = 0) -> tuple[str, list[tuple[str, str]]]:
    """A surrogate for a person's name with the same number of tokens.

    Returns the surrogate and the (surrogate token, original token) pairs for the name
    words, which the restorer uses to restore a first name or surname used alone.
    """
    text = clean(raw)
    tokens = [m.group() for m in WORD.finditer(text)]
    roles = iter(name_roles(tokens))
    pairs: list[tuple[str, str]] = []

    def replace(match: re.Match[str]) -> str:
        token, role = match.group(), next(roles)
        if role == "particle":
            return token
        if role == "initial":
            return mapper.initial(token, variant)
        surrogate = mapper.token(token, role == "first", language, variant)
        pairs.append((surrogate, token))
        return surrogate

    return WORD.sub(replace, text), pairs
