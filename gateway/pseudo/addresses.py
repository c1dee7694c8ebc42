"""Street-address surrogates: another street of the same kind and language, another number.

The street type survives ("...steenweg", "rue des ...", "... Straße", "... Road") so
the model still sees a Flemish, Walloon, German or English address; the street name
and house number (and box number) are redrawn. What follows the house number (postcode,
municipality) identifies nobody on its own and is kept, so answers about the
municipality stay right.
"""

from __future__ import annotations

import re

from gateway.pseudo.keyed import Draw
from gateway.pseudo.text import apply_case, clean

NL_SUFFIXES = ("steenweg", "straat", "laan", "lei", "weg", "plein", "dreef", "kaai", "baan", "dijk",
               "markt", "hof", "pad", "ring", "singel", "steeg", "vest", "wal", "berg", "gracht", "kouter",
               "veld", "dam", "park", "plaats")
DE_SUFFIXES = ("straße", "strasse", "str.", "weg", "platz", "allee", "gasse", "ring", "damm")
FR_TYPES = ("rue", "avenue", "av.", "chaussée", "boulevard", "bd", "place", "chemin", "allée", "impasse",
            "quai", "square", "route", "clos", "drève", "sentier", "rempart")
EN_TYPES = ("street", "road", "lane", "avenue", "drive", "way", "close", "place", "square", "court",
            "crescent", "terrace", "gardens")
STEMS = {
    "nl": ("Kerk", "Molen", "Linden", "Beuken", "Eiken", "Berken", "Kapel", "School", "Stations", "Bos",
           "Heide", "Akker", "Beek", "Brug", "Zand", "Nieuw", "Veld", "Wilgen", "Populier", "Meers",
           "Koren", "Vlas", "Hoeve", "Kasteel", "Klooster", "Rozen", "Tulpen", "Zonne"),
    "de": ("Linden", "Kirch", "Brunnen", "Garten", "Schul", "Wald", "Berg", "Bach", "Feld", "Rosen",
           "Birken", "Eichen", "Kloster", "Wiesen", "Sonnen", "Tannen"),
    "fr": ("des Tilleuls", "du Moulin", "de la Gare", "des Champs", "de la Fontaine", "du Parc",
           "des Lilas", "de la Chapelle", "du Centre", "de la Paix", "des Fleurs", "du Bois",
           "des Roses", "de la Croix", "du Pont", "de la Station", "du Stade", "de la Source"),
    "en": ("Mill", "Church", "Station", "Park", "Oak", "Elm", "Willow", "Meadow", "Chapel", "Orchard",
           "Victoria", "Albert", "Brook", "Cedar"),
}
_PART = re.compile(r"\d+|[^\W\d_][\w.'’-]*")
_BOX_WORDS = frozenset({"bus", "bte", "boîte", "box", "b"})


def _street(words: list[str], draw: Draw, language: str) -> tuple[list[str], str]:
    """The street words rewritten, and the language they turned out to be in."""
    lowered = [w.casefold() for w in words]
    if lowered and lowered[0] in FR_TYPES:
        return [words[0], draw.choice(STEMS["fr"])], "fr"
    last = lowered[-1] if lowered else ""
    for suffixes, lang in ((NL_SUFFIXES, "nl"), (DE_SUFFIXES, "de")):
        if len(words) >= 1 and any(last.endswith(s) for s in suffixes):
            suffix = next(s for s in suffixes if last.endswith(s))
            if len(last) > len(suffix):  # compound: Lindelei, Kerkstraße
                stem = draw.choice(STEMS[lang])
                return [apply_case(words[-1], stem) + words[-1][len(words[-1]) - len(suffix):]], lang
            return [draw.choice(STEMS[lang]) + "er", words[-1]], lang  # Herbesthaler Straße
    if last in EN_TYPES:
        return [draw.choice(STEMS["en"]), words[-1]], "en"
    stems = STEMS.get(language, STEMS["en"])
    return [draw.choice(stems).split()[-1] for _ in words], language


def street_address(raw: str, draw: Draw, language: str) -> str:
    text = clean(raw)
    parts = list(_PART.finditer(text))
    first_number = next((i for i, p in enumerate(parts) if p.group().isdigit()), len(parts))
    street_at = [i for i, p in enumerate(parts) if not p.group().isdigit()]
    street_words = ([i for i in street_at if i < first_number] if first_number > 0
                    else [i for i in street_at if i > first_number and _before_postcode(parts, i)])
    new_words, _ = _street([parts[i].group() for i in street_words], draw, language)
    replacements: dict[int, str] = {}
    if street_words:
        replacements[street_words[0]] = " ".join(new_words)
        replacements.update({i: "" for i in street_words[1:]})
    numbers = _house_numbers(parts, first_number)
    for i in numbers:
        old = parts[i].group()
        replacements[i] = str(draw.between(10 ** (len(old) - 1) if len(old) > 1 else 1, 10 ** len(old) - 1))
    return _splice(text, parts, replacements)


def _before_postcode(parts: list[re.Match[str]], index: int) -> bool:
    """In "8 rue Nationale, 4000 Liège" the street ends before the next number."""
    return not any(p.group().isdigit() for p in parts[1:index])


def _house_numbers(parts: list[re.Match[str]], first: int) -> list[int]:
    """The house number and a box number ("12 bus 3"); a following postcode is kept."""
    if first >= len(parts):
        return []
    found = [first]
    if first + 2 < len(parts) and parts[first + 1].group().casefold() in _BOX_WORDS:
        found.append(first + 2)
    return found


def _splice(text: str, parts: list[re.Match[str]], replacements: dict[int, str]) -> str:
    out, last = [], 0
    for index in sorted(replacements):
        part = parts[index]
        start = part.start()
        if replacements[index] == "":  # swallow the word and the space before it
            start = len(text[:start].rstrip())
        out += [text[last:start], replacements[index]]
        last = part.end()
    return "".join(out) + text[last:]
