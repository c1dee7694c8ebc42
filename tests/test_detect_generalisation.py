"""Rules added for prompts unlike the dev set: foreign plates, national-number layouts, phone
pieces inside longer numbers, lower-case names, people lists, family names, login names,
places, company names and German nouns.  Every example is new (not from an evaluation set)."""

from __future__ import annotations

import pytest
from detectors import pii_detector


def found(*texts: str) -> list[tuple[str, str]]:
    return [(f.entity_type, f.value) for f in pii_detector().inspect(list(texts)).findings]


def persons(*texts: str) -> list[str]:
    return [value for entity, value in found(*texts) if entity == "PERSON"]


@pytest.mark.parametrize("text, plate", [
    ("De tegenpartij had een Franse wagen, plaat BR-274-KX.", "BR-274-KX"),
    ("Le véhicule immatriculé FT 318 PL était garé.", "FT 318 PL"),
    ("Luxemburgse auto met nummerplaat LP 5093 reed achteruit.", "LP 5093"),
    ("Das Fahrzeug mit Kennzeichen K-LM 208 fuhr weiter.", "K-LM 208"),
    ("Zijn Nederlandse kenteken is 73-RLP-4 volgens de aangifte.", "73-RLP-4"),
])
def test_foreign_licence_plates(text: str, plate: str) -> None:
    assert ("LICENSE_PLATE", plate) in found(text)


@pytest.mark.parametrize("text", [
    "Artikel LP 5093 is niet meer leverbaar.",          # Luxembourg shape, no vehicle word
    "Zie ticket K-LM 208 in Jira.",                     # German shape, no vehicle word
    "Onze referentie is 73-RLP-4 voor dit dossier.",    # Dutch shape, no vehicle word
])
def test_weak_plate_shapes_need_a_vehicle_word(text: str) -> None:
    assert all(entity != "LICENSE_PLATE" for entity, _ in found(text))


@pytest.mark.parametrize("value", ["851103-245-72", "85 11 03 245 72", "85.11.03-245.72", "85110324572"])
def test_national_number_in_every_separator_layout(value: str) -> None:
    assert ("BE_NATIONAL_NUMBER", value) in found(f"Rijksregisternummer {value}, graag nakijken.")


def test_national_number_layout_still_needs_its_checksum() -> None:
    assert all(entity != "BE_NATIONAL_NUMBER" for entity, _ in found("Order 851103-245-70 is verzonden."))


@pytest.mark.parametrize("text", [
    "Het rekeningnummer BE58 0472 8831 9920 wordt geweigerd als ongeldig.",
    "Tracking code 7350 2291 0472 1138 is not recognised by the carrier.",
])
def test_no_phone_inside_a_longer_number(text: str) -> None:
    assert found(text) == []


def test_phone_after_a_word_is_still_found() -> None:
    assert ("PHONE_NUMBER", "0472 88 31 99") in found("Zijn gsm: 0472 88 31 99, bel na vijf.")


@pytest.mark.parametrize("text, name", [
    ("laat mieke weten dat het dossier klaar is", "mieke"),
    ("please call joost tomorrow about the claim", "joost"),
    ("schrijf een mail voor hilde de backer over haar polis", "hilde de backer"),
    ("the new intern is an claes, please welcome her", "an claes"),
])
def test_lowercase_names(text: str, name: str) -> None:
    assert name in persons(text)


@pytest.mark.parametrize("text", [
    "voor mei moet de offerte klaar zijn en met hoop op een goede afloop",
    "the report was successfully validated for production use",
    "an overview of the claims for the last quarter",
])
def test_lowercase_ordinary_words_are_not_names(text: str) -> None:
    assert persons(text) == []


def test_lowercase_name_propagates_to_other_texts() -> None:
    found_names = persons("herinner joost aan de vergadering", "Joost komt om tien uur.")
    assert found_names.count("joost") == 1 and "Joost" in found_names


@pytest.mark.parametrize("text, names", [
    ("Aanwezig: Chidi Okafor, Lotte Maes, B.D. (notulen)", ["Chidi Okafor", "Lotte Maes", "B.D."]),
    ("Participants : Nadège Ilunga, P.V.D. et Yannick Thys", ["Nadège Ilunga", "P.V.D.", "Yannick Thys"]),
    ("Teilnehmer: Oluwaseun Adeyemi, Greta Pohl", ["Oluwaseun Adeyemi", "Greta Pohl"]),
])
def test_people_lists(text: str, names: list[str]) -> None:
    assert all(name in persons(text) for name in names)


def test_list_label_without_people_finds_nothing() -> None:
    assert persons("Present: Budget, Planning, Roadmap") == []


@pytest.mark.parametrize("text, name", [
    ("Morgen bezoek bij familie Vanhoutte in Tielt.", "Vanhoutte"),
    ("La famille Dufrasne a déclaré un dégât des eaux.", "Dufrasne"),
    ("The Fam. Oyelaran file needs a signature.", "Oyelaran"),
])
def test_family_cue(text: str, name: str) -> None:
    assert name in persons(text)


def test_login_name_in_a_log_line() -> None:
    assert "sofie.vermeulen" in persons("vpn: user sofie.vermeulen connected from home")


def test_code_identifiers_are_not_logins() -> None:
    assert persons("call json.dumps and os.path before saving") == []


def test_place_before_an_ordinary_word_is_no_name() -> None:
    assert persons("A colleague at our Eindhoven office asked for the template.") == []


def test_company_form_after_capitalised_words() -> None:
    assert persons("Our client Garonne Re S.A. pays on time.") == []


def test_german_noun_is_not_a_foreign_first_name() -> None:
    assert persons("Bitte das Handy und den Laptop zurückgeben.") == []
    assert persons("Bitte rufen Sie Jürgen morgen an.") == ["Jürgen"]


def test_month_abbreviation_is_a_weak_first_name() -> None:
    assert persons("Maak een brief voor Jan Goossens.") == ["Jan Goossens"]
    assert persons("Deadline 14 Jan 2026 voor de offerte.") == []


def test_particle_must_be_a_whole_phrase() -> None:
    assert "Wannes Goossens" in persons("Wannes Goossens in Ninove belt morgen.")
