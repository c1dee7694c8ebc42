"""Checksum validators referred to by name from rules/detection.yaml.

A look-alike number (invoice, order or reference number, amount, version) fails its
checksum and stays untouched; only numbers that are what they look like are reported.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Callable

from stdnum import iban, luhn
from stdnum.be import eid, ssn
from stdnum.nl import bsn

_SEPARATORS = re.compile(r"[\s.\-/]")
# Issuer prefixes and lengths of the payment card networks (Visa, Mastercard, Amex,
# Maestro, Discover, Diners, JCB, Bancontact).
_CARD = re.compile(
    r"^(?:4\d{12}(?:\d{3}){0,2}|5[1-5]\d{14}|2(?:2[2-9]|[3-6]\d|7[01])\d{13}|2720\d{12}"
    r"|3[47]\d{13}|3(?:0[0-5]|[68]\d)\d{11,16}|35(?:2[89]|[3-8]\d)\d{12,15}|6(?:011|5\d\d)\d{12,15}"
    r"|(?:5018|5020|5038|5612|5893|6304|6759|676[1-3]|0604|6390|6703)\d{8,15})$"
)


def _compact(value: str) -> str:
    return _SEPARATORS.sub("", value)


def is_payment_card(value: str) -> bool:
    """Luhn and a known issuer prefix/length: an IMEI or an EAN code passes neither both."""
    digits = _compact(value)
    return bool(_CARD.match(digits)) and luhn.is_valid(digits)


def is_ip_address(value: str) -> bool:
    """A valid IPv4/IPv6 address that can point at someone's device: loopback, unspecified,
    multicast and reserved addresses (127.0.0.1, 0.0.0.0, ::1) identify nobody."""
    try:
        address = ipaddress.ip_address(value)
    except ValueError:
        return False
    return not (address.is_loopback or address.is_unspecified or address.is_multicast or address.is_reserved)


def is_document_number(value: str) -> bool:
    """Passport/ID numbers mix letters and digits or are eID-shaped; a plain word is not one."""
    compact = _compact(value)
    return any(c.isdigit() for c in compact) and sum(c.isdigit() for c in compact) >= 4


VALIDATORS: dict[str, Callable[[str], bool]] = {
    "iban": lambda v: iban.is_valid(_compact(v).upper()),
    "be_national_number": ssn.is_valid,  # national register and BIS numbers
    "be_eid": eid.is_valid,
    "nl_bsn": bsn.is_valid,
    "payment_card": is_payment_card,
    "ip_address": is_ip_address,
    "document_number": is_document_number,
}
