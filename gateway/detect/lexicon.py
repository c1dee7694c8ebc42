"""Word lists behind name detection, built once at start-up (about 0.5 s).

* First names: the union of Faker's per-locale person providers (MIT), about 30,000 names
  from many countries, because the staff's clients and colleagues come from everywhere.
* Surnames: the union of Faker's ``last_names`` (about 30,000), used only to confirm an
  unknown capitalised word just before one ("Ananya Krishnan").
* Common words: spaCy's stop words and Faker's lorem word lists for nl/fr/en/de, plus the
  curated ``common_words`` of rules/names.yaml.  A first name that is also a common word
  ("Will", "Roos", "Claire", "Jan" the month) is weak: it needs a surname or a cue to count.  ``not_names``
  (languages, nationalities, places, products, particles, month names) are never first names.
* Places: the cities, provinces, regions and countries of Faker's address providers for the
  configured locales.  A place never starts a name by itself ("our Maastricht branch").
* Regional first names: per language, the first names of the locales where it is spoken
  (a few thousand in all, against 30,000 from everywhere).  Where a capital is missing (lower
  case) or proves nothing (German nouns), a lone first name must be a regional one.
"""

from __future__ import annotations

import functools
import importlib
import pkgutil
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

import faker.providers.address
import faker.providers.lorem
import faker.providers.person
from spacy.lang.de.stop_words import STOP_WORDS as DE_STOP_WORDS
from spacy.lang.en.stop_words import STOP_WORDS as EN_STOP_WORDS
from spacy.lang.fr.stop_words import STOP_WORDS as FR_STOP_WORDS
from spacy.lang.nl.stop_words import STOP_WORDS as NL_STOP_WORDS

from gateway.detect.rules import NameRules

STOP_WORDS = {"nl": NL_STOP_WORDS, "fr": FR_STOP_WORDS, "en": EN_STOP_WORDS, "de": DE_STOP_WORDS}
# Address-provider attributes that hold place names (departments are (code, name) pairs).
_PLACE_ATTRIBUTES = ("cities", "provinces", "states", "departments", "regions", "cantons", "counties",
                     "countries")


@functools.lru_cache(maxsize=65536)
def fold(word: str) -> str:
    """Case- and accent-insensitive key: "Cédric" and "cedric" look up the same entry."""
    decomposed = unicodedata.normalize("NFKD", word.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c)).replace("’", "'")


def _provider_words(package: object, locales: Iterable[str] | None, prefix: str) -> set[str]:
    """Every string in the ``prefix*`` attributes of the locale providers of a Faker package."""
    names = [m.name for m in pkgutil.iter_modules(package.__path__)]  # type: ignore[attr-defined]
    wanted = names if locales is None else [n for n in names if n in set(locales)]
    words: set[str] = set()
    for locale in wanted:
        provider = importlib.import_module(f"{package.__name__}.{locale}").Provider  # type: ignore[attr-defined]
        for attr in dir(provider):
            value = getattr(provider, attr)
            if attr.startswith(prefix) and isinstance(value, dict | list | tuple | set | frozenset):
                words.update(str(w) for w in value)
    return words


def _place_names(locales: Iterable[str]) -> set[str]:
    """Folded place names of the Faker address providers of ``locales``."""
    places: set[str] = set()
    for locale in locales:
        provider = importlib.import_module(f"{faker.providers.address.__name__}.{locale}").Provider
        for attr in _PLACE_ATTRIBUTES:
            for value in getattr(provider, attr, ()):
                places.add(fold(value[-1] if isinstance(value, tuple) else value))
    return places


@dataclass(frozen=True)
class Lexicon:
    first_names: frozenset[str]  # folded
    surnames: frozenset[str]  # folded, without common words
    common: frozenset[str]  # folded; stop words + lorem + curated
    stop_words: frozenset[str]  # folded function words of all four languages
    curated: frozenset[str]  # folded curated list: never a surname either
    places: frozenset[str] = frozenset()  # folded cities, regions, countries
    regional: frozenset[str] = frozenset()  # folded first names of all regional locales
    regional_by_language: tuple[tuple[str, frozenset[str]], ...] = ()  # noun-capitalising only

    @classmethod
    def build(cls, rules: NameRules, extra_common: Iterable[str] = ()) -> Lexicon:
        locales = None if rules.gazetteer_locales == "all" else list(rules.gazetteer_locales)
        first = {fold(n) for n in _provider_words(faker.providers.person, locales, "first_names")}
        first = {n for n in first if len(n) >= rules.min_first_name_length}
        last = {fold(n) for n in _provider_words(faker.providers.person, locales, "last_names")}
        stop = {fold(w) for words in STOP_WORDS.values() for w in words}
        lorem_words = _provider_words(faker.providers.lorem, rules.common_word_locales, "word_list")
        lorem = {fold(w) for w in lorem_words}
        not_names = {fold(w) for w in [*rules.not_names, *rules.particles]}
        curated = {fold(w) for w in [*rules.common_words, *extra_common]} | not_names
        common = stop | lorem | curated
        regional = {
            language: frozenset(fold(n) for n in _provider_words(faker.providers.person, person_locales,
                                                                 "first_names")) - not_names
            for language, person_locales in rules.regional_locales.items()
        }
        return cls(frozenset(first - not_names), frozenset(last - common), frozenset(common),
                   frozenset(stop), frozenset(curated), frozenset(_place_names(rules.place_locales)),
                   frozenset().union(*regional.values()),
                   tuple((lang, regional[lang]) for lang in rules.noun_capitalising_languages
                         if lang in regional))

    def is_first_name(self, word: str) -> bool:
        key = fold(word)
        if key in self.first_names:
            return True
        parts = key.split("-")
        return len(parts) > 1 and all(p in self.first_names for p in parts)

    def is_strong_first_name(self, word: str) -> bool:
        """A first name that is not also an ordinary word."""
        return self.is_first_name(word) and fold(word) not in self.common

    def is_known_surname(self, word: str) -> bool:
        return fold(word) in self.surnames

    def is_common(self, word: str) -> bool:
        return fold(word) in self.common

    def is_place(self, word: str) -> bool:
        return fold(word) in self.places

    def is_regional_first_name(self, word: str) -> bool:
        return fold(word) in self.regional

    def is_local_first_name(self, word: str, language: str) -> bool:
        """In a noun-capitalising language, a regional first name of that language;
        elsewhere every gazetteer first name."""
        local = dict(self.regional_by_language).get(language)
        return self.is_first_name(word) if local is None else fold(word) in local
