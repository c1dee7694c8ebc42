"""Surrogate generators: format validity, layout kept, determinism of the keyed draws."""

from __future__ import annotations

import ipaddress
import re

import pytest
from stdnum import iban, luhn
from stdnum.be import bis, nn
from stdnum.be import iban as be_iban
from stdnum.nl import bsn

from gateway.pseudo import addresses, dates, numbers
from gateway.pseudo.keyed import Keyed, load_secret
from gateway.pseudo.names import NameMapper, name_roles, person
from gateway.pseudo.text import json_safe, normalise

KEYED = Keyed(b"test-secret-0123456789")


def draws(n: int = 20):
    return [KEYED.draw("test", str(i)) for i in range(n)]


def layout(value: str) -> str:
    return re.sub(r"[A-Za-z]", "a", re.sub(r"\d", "9", value))


@pytest.mark.parametrize("raw", ["BE35-9517-4605-8737", "BE91 8504 5942 8976", "be88 3754 6113 4241",
                                 "BE72645567021316"])
def test_belgian_iban_surrogate_is_valid_and_keeps_layout(raw: str) -> None:
    for draw in draws():
        out = numbers.iban_code(raw, draw)
        assert be_iban.is_valid(out), out
        assert layout(out) == layout(raw) and out[:2] == raw[:2]
        assert iban.compact(out) != iban.compact(raw)


def test_foreign_iban_surrogate_passes_mod97() -> None:
    for draw in draws():
        assert iban.is_valid(numbers.iban_code("NL91ABNA0417164300", draw))


@pytest.mark.parametrize("raw", ["55.06.27-820.52", "93.08.26-968.67", "81042220192"])
def test_national_number_surrogate_passes_checksum(raw: str) -> None:
    for draw in draws():
        out = numbers.be_national_number(raw, draw)
        assert nn.is_valid(out), out
        assert layout(out) == layout(raw)


def test_bis_number_stays_bis() -> None:
    for draw in draws():
        out = numbers.be_national_number("85.47.30-033.71", draw)
        assert bis.is_valid(out) and int(out[3:5]) > 40, out


def test_bsn_and_card_checksums() -> None:
    for draw in draws():
        assert bsn.is_valid(numbers.nl_bsn("245646668", draw))
        card = numbers.credit_card("5209 8262 9381 2760", draw)
        assert luhn.is_valid(card.replace(" ", "")) and card[0] == "5"
        assert layout(card) == "9999 9999 9999 9999"


@pytest.mark.parametrize("raw", ["0476 13 58 42", "+32 485 60 12 77", "0032 485 60 12 77",
                                 "+31 6 24 81 37 65", "04/342.17.80"])
def test_phone_surrogate_keeps_prefix_and_layout(raw: str) -> None:
    for draw in draws():
        out = numbers.phone(raw, draw)
        assert layout(out) == layout(raw)
        assert out[:3] == raw[:3]
        assert normalise("PHONE_NUMBER", out) != normalise("PHONE_NUMBER", raw)


def test_ip_surrogates_come_from_documentation_ranges() -> None:
    docs = [ipaddress.ip_network(n) for n in ("192.0.2.0/24", "198.51.100.0/24", "203.0.113.0/24")]
    for draw in draws():
        address = ipaddress.ip_address(numbers.ip_address("84.195.12.203", draw))
        assert any(address in network for network in docs)
        v6 = ipaddress.ip_address(numbers.ip_address("2a02:a03f::1", draw))
        assert v6 in ipaddress.ip_network("2001:db8::/32")


def test_plate_and_eid_keep_pattern() -> None:
    for draw in draws():
        assert re.fullmatch(r"1-[A-Z]{3}-\d{3}", numbers.license_plate("1-KXS-902", draw))
        eid = numbers.id_document("593-1818896-12", draw)
        digits = eid.replace("-", "")
        assert layout(eid) == "999-9999999-99" and int(digits[-2:]) == (int(digits[:10]) % 97 or 97)


@pytest.mark.parametrize(("raw", "language", "pattern"), [
    ("22-09-2003", "nl", r"\d\d-\d\d-\d{4}"),
    ("1985-09-30", "en", r"\d{4}-\d\d-\d\d"),
    ("30.06.1971", "de", r"\d\d\.\d\d\.\d{4}"),
    ("5 juni 1978", "nl", r"\d{1,2} (januari|februari|maart|april|mei|juni|juli|augustus|september|oktober|"
                          r"november|december) \d{4}"),
    ("3 November 1986", "en", r"\d{1,2} [A-Z][a-z]+ \d{4}"),
    ("9 janvier 1987", "fr", r"\d{1,2} [a-z]+ \d{4}"),
])
def test_date_surrogate_is_another_date_in_the_same_format(raw: str, language: str, pattern: str) -> None:
    for draw in draws():
        out = dates.date_of_birth(raw, draw, language)
        assert re.fullmatch(pattern, out), out
        assert out != raw and out.isascii()


def test_english_month_stays_english() -> None:
    out = dates.date_of_birth("3 November 1986", KEYED.draw("m"), "en")
    assert out.split()[1] in {m.title() for m in dates.MONTHS["en"]}


@pytest.mark.parametrize(("raw", "kept"), [
    ("Koolkerkesteenweg 44", "steenweg "), ("rue des Bruyères 12", "rue "), ("8 rue Nationale", " rue "),
    ("Herbesthaler Straße 31", " Stra"), ("Bredabaan 455, 2930 Brasschaat", "baan "),
])
def test_address_keeps_street_type(raw: str, kept: str) -> None:
    for draw in draws(5):
        out = addresses.street_address(raw, draw, "nl")
        assert kept in out and out != raw
    assert addresses.street_address("Bredabaan 455, 2930 Brasschaat", KEYED.draw("a"), "nl").endswith(
        ", 2930 Brasschaat")


def test_person_keeps_token_structure() -> None:
    mapper = NameMapper(KEYED, set())
    out, parts = person("J. Peeters", mapper, "nl")
    assert re.fullmatch(r"[A-Z]\. [A-Z][a-z]+", out) and not out.startswith("J.")
    out, _ = person("Anne Van den Bossche", mapper, "nl")
    first, particle1, particle2, last = out.split()
    assert (particle1, particle2) == ("Van", "den") and first != "Anne" and last != "Bossche"
    out, _ = person("JAN PEETERS", mapper, "nl")
    assert out.isupper() and out.split()[1] == person("Peeters", mapper, "nl")[0].upper()


def test_name_roles() -> None:
    assert name_roles(["Jan", "Peeters"]) == ["first", "last"]
    assert name_roles(["Peeters", "Jan"]) == ["last", "first"]
    assert name_roles(["J", "Peeters"]) == ["initial", "last"]
    assert name_roles(["Anne", "van", "der", "Berg"]) == ["first", "particle", "particle", "last"]


def test_gender_is_kept_for_known_first_names() -> None:
    from gateway.pseudo.names import pools

    mapper = NameMapper(KEYED, set())
    female = set(pools().first[("nl_BE", "f")])
    for name in ("Bieke", "Kaat", "Margot", "Hannelore"):
        assert mapper.token(name, True, "nl") in female


def test_surrogates_are_json_safe() -> None:
    mapper = NameMapper(KEYED, set())
    for raw in ("Gaëlle Piette", "Jérôme Lefèvre", "Björn Müller"):
        assert json_safe(person(raw, mapper, "fr")[0])


def test_draws_are_deterministic_per_secret() -> None:
    a = Keyed(b"secret-a-0123456789").draw("PERSON", "jan")
    b = Keyed(b"secret-a-0123456789").draw("PERSON", "jan")
    c = Keyed(b"secret-b-0123456789").draw("PERSON", "jan")
    seq_a, seq_b, seq_c = ([d.below(1000) for _ in range(8)] for d in (a, b, c))
    assert seq_a == seq_b != seq_c


def test_secret_from_environment_or_random_with_warning(caplog: pytest.LogCaptureFixture) -> None:
    assert load_secret({"GATEWAY_PSEUDONYM_SECRET": "x" * 32}) == b"x" * 32
    with pytest.raises(ValueError):
        load_secret({"GATEWAY_PSEUDONYM_SECRET": "short"})
    first, second = load_secret({}), load_secret({})
    assert first != second and len(first) == 32
    assert "GATEWAY_PSEUDONYM_SECRET" in caplog.text
