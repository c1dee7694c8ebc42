"""One surrogate generator per entity type, behind a single :func:`generate` entry point."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

from gateway.pseudo import addresses, dates, names, numbers
from gateway.pseudo.keyed import Draw
from gateway.pseudo.names import NameMapper
from gateway.pseudo.text import clean, json_safe_text, to_ascii

EXAMPLE_DOMAINS = ("example.com", "example.net", "example.org")  # RFC 2606
_AT = re.compile(r"\s*(@|%40|\(at\)|\[at\]|\sat\s)\s*", re.IGNORECASE)
_LOCAL_PART = re.compile(r"[^\W\d_]+|\d+")
_TAG_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"


@dataclass
class Context:
    """What a generator may use besides the original text."""

    draw: Draw
    names: NameMapper
    language: str
    variant: int = 0


@dataclass
class Surrogate:
    text: str
    parts: list[tuple[str, str]] = field(default_factory=list)  # (surrogate word, original word)


def _person(raw: str, ctx: Context) -> Surrogate:
    text, parts = names.person(raw, ctx.names, ctx.language, ctx.variant)
    return Surrogate(text, parts)


def _email(raw: str, ctx: Context) -> Surrogate:
    """Built from surrogate name tokens at an RFC 2606 domain: petra.devriendt@... -> lotte.claes@example.org.

    Name words of the local part map like person names do, so the address matches the
    surrogate name used elsewhere in the request. ``example.be`` is not reserved, so
    only the three RFC 2606 domains are used.
    """
    text = clean(raw)
    split = _AT.search(text)
    local = text[: split.start()] if split else text
    separator = split.group(1).strip() if split and split.group(1).strip() != "at" else "@"

    def word(match: re.Match[str]) -> str:
        token = match.group()
        if token.isdigit():
            return numbers.random_digits(ctx.draw, len(token))
        if len(token) < 3:
            return "".join(ctx.draw.letter() for _ in token).lower()
        return ctx.names.token(token, names.is_first_name(token), ctx.language, ctx.variant).lower()

    new_local = _LOCAL_PART.sub(word, to_ascii(local))
    return Surrogate(f"{new_local}{separator}{ctx.draw.choice(EXAMPLE_DOMAINS)}")


def placeholder(entity_type: str, draw: Draw) -> str:
    """A tagged placeholder for types without a realistic generator: ``LOCATION_K7QD``."""
    tag = "".join(draw.choice(_TAG_ALPHABET) for _ in range(4))
    return f"{re.sub(r'[^A-Z0-9_]', '_', entity_type.upper())}_{tag}"


def _simple(generator: Callable[[str, Draw], str]) -> Callable[[str, Context], Surrogate]:
    return lambda raw, ctx: Surrogate(generator(raw, ctx.draw))


GENERATORS: dict[str, Callable[[str, Context], Surrogate]] = {
    "PERSON": _person,
    "EMAIL_ADDRESS": _email,
    "PHONE_NUMBER": _simple(numbers.phone),
    "IBAN_CODE": _simple(numbers.iban_code),
    "BE_NATIONAL_NUMBER": _simple(numbers.be_national_number),
    "NL_BSN": _simple(numbers.nl_bsn),
    "CREDIT_CARD": _simple(numbers.credit_card),
    "ID_DOCUMENT": _simple(numbers.id_document),
    "LICENSE_PLATE": _simple(numbers.license_plate),
    "IP_ADDRESS": _simple(numbers.ip_address),
    "DATE_OF_BIRTH": lambda raw, ctx: Surrogate(dates.date_of_birth(raw, ctx.draw, ctx.language)),
    "STREET_ADDRESS": lambda raw, ctx: Surrogate(addresses.street_address(raw, ctx.draw, ctx.language)),
}


def generate(entity_type: str, raw: str, ctx: Context) -> Surrogate:
    """The surrogate for one spelling of a value, reduced to JSON-safe ASCII.

    Kept original characters (a street type "Straße", a curly apostrophe) are folded
    ("Strasse") or dropped, so no JSON encoder ever escapes a surrogate.
    """
    generator = GENERATORS.get(entity_type)
    if generator is None:
        return Surrogate(placeholder(entity_type, ctx.draw))
    surrogate = generator(raw, ctx)
    surrogate.text = json_safe_text(to_ascii(surrogate.text))
    return surrogate
