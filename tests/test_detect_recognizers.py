"""Recognizers of gateway.detect: valid values are found, checksum-failing look-alikes are not."""

from __future__ import annotations

import pytest
from detectors import pii_detector


def found(text: str) -> list[tuple[str, str]]:
    """(type, value) of every finding in one text."""
    return [(f.entity_type, f.value) for f in pii_detector().inspect([text]).findings]


def types(text: str) -> set[str]:
    return {t for t, _ in found(text)}


@pytest.mark.parametrize("text, value", [
    ("Rijksregisternummer 85.04.12-123.69, graag nakijken.", "85.04.12-123.69"),
    ("NISS : 90010145653.", "90010145653"),
    ("Sa Nationalregisternummer ist 85.04.12-123.69.", "85.04.12-123.69"),
])
def test_be_national_number_valid(text: str, value: str) -> None:
    assert ("BE_NATIONAL_NUMBER", value) in found(text)


@pytest.mark.parametrize("text", [
    "Het kasticket draagt nummer 85.04.12-123.68.",  # wrong check digits
    "Référence du rapport : 55.01.09-375.79.",
])
def test_be_national_number_checksum_failure_is_ignored(text: str) -> None:
    assert "BE_NATIONAL_NUMBER" not in types(text)


@pytest.mark.parametrize("text, value", [
    ("Betaling op BE14 0631 2345 6783 per domiciliëring.", "BE14 0631 2345 6783"),
    ("Salary goes to NL91 ABNA 0417 1643 00, as agreed.", "NL91 ABNA 0417 1643 00"),
    ("Konto DE89 3704 0044 0532 0130 00 bitte.", "DE89 3704 0044 0532 0130 00"),
    ("IBAN FR76 3000 6000 0112 3456 7890 189.", "FR76 3000 6000 0112 3456 7890 189"),
    ("typed in lowercase: be14 0631 2345 6783", "be14 0631 2345 6783"),
    ("compact BE14063123456783 ok", "BE14063123456783"),
])
def test_iban_valid(text: str, value: str) -> None:
    assert ("IBAN_CODE", value) in found(text)


def test_iban_checksum_failure_is_ignored() -> None:
    assert "IBAN_CODE" not in types("Factuur drukwerk, te betalen op BE14 0631 2345 6784 binnen 30 dagen")


def test_nl_bsn_needs_context_and_checksum() -> None:
    assert ("NL_BSN", "111222333") in found("Stagiair, BSN 111222333, start maandag.")
    assert "NL_BSN" not in types("Bestelnummer 111222333 is verzonden.")
    assert "NL_BSN" not in types("BSN 123456789 klopt niet.")


def test_be_eid_card_number() -> None:
    assert ("ID_DOCUMENT", "592-1234567-32") in found("kaart 592-1234567-32 is verlopen.")
    assert "ID_DOCUMENT" not in types("Bestelling 592-1234567-33 is verzonden.")


def test_passport_only_in_context() -> None:
    assert ("ID_DOCUMENT", "EL1234567") in found("Son numéro de passeport est EL1234567.")
    assert "ID_DOCUMENT" not in types("Productcode EL1234567 is uitverkocht.")


@pytest.mark.parametrize("text, value", [
    ("kaartnummer 4111 1111 1111 1111 in de mededeling", "4111 1111 1111 1111"),
    ("carte 5555-5555-5555-4444 expirée", "5555-5555-5555-4444"),
])
def test_credit_card_luhn(text: str, value: str) -> None:
    assert ("CREDIT_CARD", value) in found(text)


@pytest.mark.parametrize("text", [
    "kaartnummer 4111 1111 1111 1112 in de mededeling",  # Luhn fails
    "code EAN 5429682093417, livraison au bureau",
    "IMEI 356938035643809 van de gsm",  # Luhn-valid, but no card issuer prefix
])
def test_credit_card_look_alikes_are_ignored(text: str) -> None:
    assert "CREDIT_CARD" not in types(text)


@pytest.mark.parametrize("text, value", [
    ("bel hem terug op 0476 13 58 42 ivm de omnium", "0476 13 58 42"),
    ("joignable au 04/342.17.80 le matin", "04/342.17.80"),
    ("mobile +31 6 1234 5678 please", "+31 6 1234 5678"),
    ("Rufnummer 0032 485 60 12 77 heute", "0032 485 60 12 77"),
    ("appelez le 06 12 34 56 78", "06 12 34 56 78"),
    ("call +44 7825 316 904 tomorrow", "+44 7825 316 904"),
])
def test_phone_numbers(text: str, value: str) -> None:
    assert ("PHONE_NUMBER", value) in found(text)


@pytest.mark.parametrize("text", [
    "Verschuldigd bedrag 6.412,33 EUR, factuur 2025-0193.",
    "Vergadering op 03/11/2025 om 10u.",
    "btw-nummer BE 0643.819.583 voor Peppol",
    "version 2.2.366 of the analyzer",
])
def test_phone_look_alikes_are_ignored(text: str) -> None:
    assert "PHONE_NUMBER" not in types(text)


def test_spoken_phone_number() -> None:
    text = "notiert: null vier sieben fünf, zwölf, vierunddreißig, sechsundfünfzig – danke"
    assert ("PHONE_NUMBER", "null vier sieben fünf, zwölf, vierunddreißig, sechsundfünfzig") in found(text)


@pytest.mark.parametrize("text, value", [
    ("Mail naar jan.peeters1968@gmail.com vandaag", "jan.peeters1968@gmail.com"),
    ("écrire à anne (at) skynet (dot) be demain", "anne (at) skynet (dot) be"),
    ("mail john dot smith at gmail dot com later", "smith at gmail dot com"),
    ("link ?email=febe.lievens%40gmail.com&x=1", "febe.lievens%40gmail.com"),
])
def test_emails(text: str, value: str) -> None:
    assert ("EMAIL_ADDRESS", value) in found(text)


def test_role_mailboxes_are_not_personal() -> None:
    assert "EMAIL_ADDRESS" not in types("Stuur het naar boekhouding@kantoor.be of info@kantoor.be")


@pytest.mark.parametrize("text, value", [
    ("Ons adres is Kapellestraat 23 in Wondelgem.", "Kapellestraat 23"),
    ("wonende Molenstraat 102, 9320 Erembodegem.", "Molenstraat 102, 9320 Erembodegem"),
    ("voor Sint-Bernardsesteenweg 521 bus 3.", "Sint-Bernardsesteenweg 521 bus 3"),
    ("domicilié rue du Moulin 31, 1210 Saint-Josse", "rue du Moulin 31, 1210 Saint-Josse"),
    ("habite au 8 rue Nationale, 59000 Lille", "8 rue Nationale, 59000 Lille"),
    ("wohnhaft Herbesthaler Straße 31, 4700 Eupen, mit", "Herbesthaler Straße 31, 4700 Eupen"),
    ("lives at 12 Baker Street now", "12 Baker Street"),
])
def test_street_addresses(text: str, value: str) -> None:
    assert ("STREET_ADDRESS", value) in found(text)


@pytest.mark.parametrize("text, value", [
    ("Jonas, geboren 17/01/1990, bestuurder", "17/01/1990"),
    ("Etienne (°03/11/1952, RRN ...)", "03/11/1952"),
    ("Madame Thiry, née le 9 janvier 1987, a été", "9 janvier 1987"),
    ("I was born on 3 November 1986.", "3 November 1986"),
    ("Herr Kreusch, geboren am 30.06.1971, ist", "30.06.1971"),
    ("Date of birth: 1978-03-12", "1978-03-12"),
    # verb-final clauses: the cue comes after the date
    ("Sie ist am 21.09.1979 geboren und wohnt in Kelmis.", "21.09.1979"),
    ("Hij werd op 5 juni 1978 geboren in Lier.", "5 juni 1978"),
])
def test_date_of_birth_in_context(text: str, value: str) -> None:
    assert ("DATE_OF_BIRTH", value) in found(text)


def test_date_of_birth_in_table_column() -> None:
    text = "email              name        birth_date\nx@example.org      Obi         1990-02-11\n"
    assert ("DATE_OF_BIRTH", "1990-02-11") in found(text)


@pytest.mark.parametrize("text", [
    "Vergadering op 12/03/2025 en deadline 20 april.",
    "La réunion du 18 mars à 19h est confirmée.",
    "Summer closure 21 July to 3 August.",
    "Het contract is op 12/03/2025 getekend en geboekt.",
])
def test_other_dates_are_not_birth_dates(text: str) -> None:
    assert "DATE_OF_BIRTH" not in types(text)


@pytest.mark.parametrize("text, value", [
    ("voertuig 1-RBV-639, bestuurder", "1-RBV-639"),
    ("de nummerplaat is 1ABC123", "1ABC123"),
])
def test_license_plates(text: str, value: str) -> None:
    assert ("LICENSE_PLATE", value) in found(text)


def test_compact_plate_needs_context() -> None:
    assert "LICENSE_PLATE" not in types("Artikel 1ABC123 is besteld.")


def test_ip_addresses() -> None:
    assert ("IP_ADDRESS", "84.195.12.203") in found("login from 84.195.12.203 yesterday")
    assert ("IP_ADDRESS", "2a02:1810:4d02:6100::1") in found("from 2a02:1810:4d02:6100::1 today")
    assert "IP_ADDRESS" not in types("server on 127.0.0.1 and version 10.0.300.1")
