"""Surrogates for number-like values: same format, other digits, valid checksums.

A surrogate keeps the layout of the original (spaces, dots, dashes, prefixes, case)
and passes the same validity checks a recogniser or a model would apply (IBAN mod-97
and the Belgian account check, national-number mod-97, BSN elfproef, Luhn), so the
model treats it as the kind of number it is. The digits that identify nothing (country
codes, a phone's trunk and first subscriber digit, a bank code, a card network digit)
are kept; everything else is drawn from the keyed stream.
"""

from __future__ import annotations

import ipaddress
import re

import phonenumbers
from stdnum import iban, luhn

from gateway.pseudo.keyed import Draw
from gateway.pseudo.text import clean, digits_of, fill_digits

_IBAN_SHAPE = re.compile(r"[A-Za-z]{2}\d{2}[A-Za-z0-9 \-.]+")
_DOC_V4 = tuple(ipaddress.ip_network(n) for n in ("192.0.2.0/24", "198.51.100.0/24", "203.0.113.0/24"))
_DOC_V6 = ipaddress.ip_network("2001:db8::/32")


def random_digits(draw: Draw, n: int) -> str:
    return "".join(draw.digit() for _ in range(n))


def _reshape(raw: str, digits: str) -> str:
    """``raw`` cleaned, with its digits replaced in order by ``digits``."""
    return fill_digits(clean(raw), digits)


def shaped(raw: str, draw: Draw, keep: int = 0) -> str:
    """Same layout, the first ``keep`` digits kept, the others drawn (letters kept)."""
    digits = digits_of(raw)
    return _reshape(raw, digits[:keep] + random_digits(draw, len(digits) - keep))


def phone(raw: str, draw: Draw) -> str:
    """Keeps the country code (+32 / 0032) or trunk "0" plus the next two digits (04x)."""
    text, digits = clean(raw), digits_of(raw)
    if len(digits) < 6:
        return "+32 4" + random_digits(draw, 2) + " " + " ".join(random_digits(draw, 2) for _ in range(3))
    keep = 3
    if text.startswith("+") or digits.startswith("00"):
        cc_len = _country_code_length(digits.removeprefix("00"))
        keep = (2 if digits.startswith("00") else 0) + cc_len + 1
    return shaped(raw, draw, keep=min(keep, len(digits) - 4))


def _country_code_length(digits: str) -> int:
    for n in (1, 2, 3):
        if phonenumbers.region_code_for_country_code(int(digits[:n] or 0)) != "ZZ":
            return n
    return 2


def iban_code(raw: str, draw: Draw) -> str:
    """Country and bank code kept; account digits drawn; national and IBAN checks valid."""
    text = clean(raw)
    compact = iban.compact(text)
    if not _IBAN_SHAPE.fullmatch(text) or len(compact) < 12:
        return shaped(raw, draw)
    country, bban = compact[:2].upper(), compact[4:]
    keep = 3 if country == "BE" else 4
    new_bban = bban[:keep] + "".join(draw.digit() if c.isdigit() else c for c in bban[keep:])
    if country == "BE":
        account = new_bban[:10]
        new_bban = account + f"{int(account) % 97 or 97:02d}"
    number = country + iban.calc_check_digits(country + "00" + new_bban) + new_bban
    letters = iter(number)
    out = "".join(next(letters) if c.isalnum() else c for c in text)
    return out.lower() if text[:2].islower() else out


def be_national_number(raw: str, draw: Draw) -> str:
    """Another birth date and serial with the mod-97 check (BIS numbers stay BIS)."""
    digits = digits_of(raw)
    if len(digits) != 11:
        return shaped(raw, draw)
    year = draw.between(1940, 2005)
    month = draw.between(1, 12) + (40 if int(digits[2:4]) > 12 else 0)
    day = draw.between(1, 28)
    serial = draw.between(1, 997)
    body = f"{year % 100:02d}{month:02d}{day:02d}{serial:03d}"
    base = int(("2" if year >= 2000 else "") + body)
    return _reshape(raw, body + f"{97 - base % 97:02d}")


def nl_bsn(raw: str, draw: Draw) -> str:
    """Nine digits passing the elfproef (weights 9..2 and -1)."""
    while True:
        body = str(draw.between(1, 9)) + random_digits(draw, 7)
        check = sum(int(d) * w for d, w in zip(body, range(9, 1, -1), strict=True)) % 11
        if check < 10:
            return _reshape(raw, body + str(check)) if len(digits_of(raw)) == 9 else body + str(check)


def credit_card(raw: str, draw: Draw) -> str:
    """Network digit kept, Luhn-valid."""
    digits = digits_of(raw)
    if len(digits) < 12:
        return shaped(raw, draw)
    body = digits[0] + random_digits(draw, len(digits) - 2)
    return _reshape(raw, body + luhn.calc_check_digit(body))


def id_document(raw: str, draw: Draw) -> str:
    """Digits drawn; letters (document series) kept. A Belgian eID number keeps its mod-97."""
    digits = digits_of(raw)
    if len(digits) == 12 and int(digits[-2:]) == (int(digits[:10]) % 97 or 97):
        body = random_digits(draw, 10)
        return _reshape(raw, body + f"{int(body) % 97 or 97:02d}")
    return shaped(raw, draw)


def license_plate(raw: str, draw: Draw) -> str:
    """Same pattern: the leading series digit kept, letters and other digits drawn."""
    text = clean(raw)
    out = [c if i == 0 and c.isdigit() else draw.digit() if c.isdigit()
           else (draw.letter() if c.isupper() else draw.letter().lower()) if c.isalpha() else c
           for i, c in enumerate(text)]
    return "".join(out)


def ip_address(raw: str, draw: Draw) -> str:
    """An address from the documentation ranges (RFC 5737 / RFC 3849)."""
    try:
        version = ipaddress.ip_address(clean(raw)).version
    except ValueError:
        version = 4
    if version == 6:
        return str(_DOC_V6[draw.below(2**64)])
    network = draw.choice(_DOC_V4)
    return str(network[draw.between(1, 254)])
