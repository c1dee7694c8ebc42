"""Date-of-birth surrogates: another real date written exactly like the original.

The date is shifted by a keyed number of days (one month to about four years either
way, so an age stays plausible) and written back into the original's layout: same
field order and widths, same separators, a month name in the same language, form
(full or abbreviated) and case. "geboren op 5 juni 1978" stays Dutch prose, "°12/03/1978"
stays numeric. Month names are only chosen when they are plain ASCII in that language,
so the surrogate survives JSON escaping. Text that is not a recognisable date gets
its digits redrawn instead.
"""

from __future__ import annotations

import datetime as dt
import re

from gateway.pseudo.keyed import Draw
from gateway.pseudo.numbers import shaped
from gateway.pseudo.text import apply_case, clean, to_ascii

MONTHS: dict[str, tuple[str, ...]] = {
    "nl": ("januari", "februari", "maart", "april", "mei", "juni", "juli", "augustus", "september",
           "oktober", "november", "december"),
    "fr": ("janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre",
           "octobre", "novembre", "décembre"),
    "en": ("january", "february", "march", "april", "may", "june", "july", "august", "september",
           "october", "november", "december"),
    "de": ("januar", "februar", "märz", "april", "mai", "juni", "juli", "august", "september",
           "oktober", "november", "dezember"),
}
_TOKEN = re.compile(r"\d+|[^\W\d_]+")


def _month_lookup(first: str) -> dict[str, tuple[str, int, bool]]:
    """Month word (folded) -> (language, month, abbreviated); ``first``'s words win ties."""
    table: dict[str, tuple[str, int, bool]] = {}
    for lang, names in sorted(MONTHS.items(), key=lambda item: item[0] != first):
        for number, name in enumerate(names, start=1):
            folded = to_ascii(name)
            table.setdefault(folded, (lang, number, False))
            table.setdefault(folded[:3], (lang, number, True))
            table.setdefault(folded[:4], (lang, number, True))
    return table


_MONTH_WORDS = {lang: _month_lookup(lang) for lang in MONTHS}


def _parse(tokens: list[re.Match[str]], months: dict[str, tuple[str, int, bool]]
           ) -> tuple[dt.date, dict[str, int]] | None:
    """The date and which token holds the day, month and year (by index)."""
    month_at = next((i for i, t in enumerate(tokens) if to_ascii(t.group()).casefold() in months), None)
    numbers = [i for i, t in enumerate(tokens) if t.group().isdigit()]
    roles: dict[str, int] = {}
    if month_at is not None:
        roles["month"] = month_at
        for i in numbers:
            key = "year" if len(tokens[i].group()) == 4 or ("day" in roles and "year" not in roles) else "day"
            roles.setdefault(key, i)
    elif len(numbers) == 3:
        first = tokens[numbers[0]].group()
        order = ("year", "month", "day") if len(first) == 4 else ("day", "month", "year")
        roles = dict(zip(order, numbers, strict=True))
    if "day" not in roles:
        return None
    try:
        month = (months[to_ascii(tokens[month_at].group()).casefold()][1] if month_at is not None
                 else int(tokens[roles["month"]].group()))
        year = int(tokens[roles["year"]].group()) if "year" in roles else 2000
        year += 1900 if year < 100 else 0
        return dt.date(year, month, int(tokens[roles["day"]].group())), roles
    except (ValueError, KeyError):
        return None


def date_of_birth(raw: str, draw: Draw, language: str) -> str:
    """``language`` (of the text) decides whether "november" is Dutch, English or German."""
    text = clean(raw)
    tokens = list(_TOKEN.finditer(text))
    months = _MONTH_WORDS.get(language, _MONTH_WORDS["en"])
    parsed = _parse(tokens, months)
    if parsed is None:
        return shaped(raw, draw)
    original, roles = parsed
    month_token = tokens[roles["month"]].group()
    month_language, _, abbreviated = months.get(to_ascii(month_token).casefold(), ("", 0, False))
    shift = draw.between(30, 1500) * (1 if draw.below(2) else -1)
    new = original + dt.timedelta(days=shift)
    while new == original or (month_language and not MONTHS[month_language][new.month - 1].isascii()):
        new += dt.timedelta(days=31)
    fields = {"day": new.day, "month": new.month, "year": new.year}
    replacements: dict[int, str] = {}
    for role, index in roles.items():
        old = tokens[index].group()
        if not old.isdigit():
            name = MONTHS[month_language][new.month - 1]
            replacements[index] = apply_case(old, name[: len(old)] if abbreviated else name)
        else:
            value = fields[role] % (100 if role == "year" and len(old) == 2 else 10_000)
            replacements[index] = str(value).zfill(len(old) if len(old) == 2 or role == "year" else 1)
    out, last = [], 0
    for index, token in enumerate(tokens):
        if index in replacements:
            out += [text[last:token.start()], replacements[index]]
            last = token.end()
    return "".join(out) + text[last:]
