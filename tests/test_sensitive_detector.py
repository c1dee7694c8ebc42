"""SensitiveDetector: lexicon matching on stems and compounds, exclusions, relation references."""

from __future__ import annotations

import pytest

from gateway.sensitive import SensitiveDetector


def types(detector: SensitiveDetector, text: str, language: str = "nl") -> set[str]:
    return {f.entity_type for f in detector.inspect([text], [language])}


@pytest.mark.parametrize(
    ("text", "category"),
    [
        ("Hij is diabetespatiënt sinds 2019.", "ART9_HEALTH"),
        ("Ze werd behandeld voor borstkanker.", "ART9_HEALTH"),
        ("Er hatte einen Herzinfarkt.", "ART9_HEALTH"),
        ("Elle est diabétique.", "ART9_HEALTH"),
        ("Na haar burn-out werkt ze halftijds.", "ART9_HEALTH"),
        ("Hij krijgt chemo op dinsdag.", "ART9_HEALTH"),
        ("Ze is zwanger van haar tweede kind.", "ART9_HEALTH"),
        ("Hij is lid van het ABVV.", "ART9_UNION"),
        ("Il est affilié à la CSC.", "ART9_UNION"),
        ("Ze werd verkozen als vakbondsafgevaardigde.", "ART9_UNION"),
        # Compounds with a medical head or modifier, procedures, treatments, drug classes.
        ("Sie ist seit dem Winter Dialysepatientin.", "ART9_HEALTH"),
        ("Er ist herzkrank und braucht Ruhe.", "ART9_HEALTH"),
        ("Wegen einer Nierenerkrankung fehlt er.", "ART9_HEALTH"),
        ("Hij heeft een longontsteking en neemt antibiotica.", "ART9_HEALTH"),
        ("Na de heupoperatie volgt ze revalidatie bij de kinesist.", "ART9_HEALTH"),
        ("Hij slikt al maanden slaapmiddelen.", "ART9_HEALTH"),
        ("Elle est suivie par un cardiologue pour son hypertension.", "ART9_HEALTH"),
        ("Il prend des antidouleurs pour sa sciatique.", "ART9_HEALTH"),
        ("She is recovering from knee surgery and takes painkillers.", "ART9_HEALTH"),
        ("He has had a hip operation and starts physiotherapy.", "ART9_HEALTH"),
    ],
)
def test_stems_and_compounds(sensitive_detector, text, category) -> None:
    assert category in types(sensitive_detector, text)


@pytest.mark.parametrize(
    "text",
    [
        "Bestel een partij chips voor de receptie.",
        "We kregen groen licht van de directie.",
        "Plan de vergadering in MS Teams.",
        "De offerte voor de hospitalisatieverzekering is 14 dagen geldig.",
        "L'incendie est d'origine électrique.",
        "Branche l'enceinte Bluetooth dans la salle de réunion.",
        "Nobody was injured in the collision.",
        "Le syndic de l'immeuble envoie le décompte.",
        "Please be patient while the impatient customers wait.",
        "De reddingsoperatie in de haven verliep vlot.",
        "La société opère dans le secteur logistique.",
    ],
)
def test_ambiguous_words_are_not_art9(sensitive_detector, text) -> None:
    assert not {t for t in types(sensitive_detector, text, "fr") if t.startswith("ART9_")}


@pytest.mark.parametrize(
    ("text", "rule_id"),
    [
        ("Mijn collega Sarah vraagt dit.", "identifier.relation_name"),
        ("Zijn partner Tom belde.", "identifier.relation_name"),
        ("Het gaat om onze klant 2023/1182.", "identifier.reference"),
        ("Notre collaboratrice est absente.", "identifier.relation"),
        ("See client number 55021 for details.", "identifier.reference"),
    ],
)
def test_relation_references(sensitive_detector, text, rule_id) -> None:
    refs = [f for f in sensitive_detector.inspect([text], ["nl"]) if f.entity_type == "IDENTIFIER_REF"]
    assert rule_id in {f.rule_id for f in refs}


@pytest.mark.parametrize(
    "text",
    [
        "Een medewerker van ons vroeg dit.",
        "Update our employee handbook.",
        "All our customers get the newsletter.",
    ],
)
def test_no_relation_reference_without_a_singled_out_person(sensitive_detector, text) -> None:
    assert "IDENTIFIER_REF" not in types(sensitive_detector, text, "en")


def test_offsets_point_into_the_original_text(sensitive_detector) -> None:
    text = "Re\u200bport: Ga\u00eblle is diab\u00e9tique."
    finding = next(f for f in sensitive_detector.inspect([text], ["fr"]) if f.entity_type == "ART9_HEALTH")
    assert text[finding.start : finding.end] == "diab\u00e9tique"


def test_fast_on_300_words(sensitive_detector) -> None:
    import time

    text = " ".join(["Het team bespreekt de planning en mijn collega Jan heeft diabetes."] * 27)
    sensitive_detector.inspect([text], ["nl"])
    started = time.perf_counter()
    for _ in range(5):
        sensitive_detector.inspect([text], ["nl"])
    assert (time.perf_counter() - started) / 5 < 0.02  # generous for CI; typical ~3 ms
