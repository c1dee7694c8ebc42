"""Person names without statistical NER: gazetteer, surnames, cues, initials, propagation."""

from __future__ import annotations

import pytest
from detectors import pii_detector


def persons(*texts: str) -> list[tuple[int, str]]:
    """(segment, value) of every PERSON finding."""
    inspection = pii_detector().inspect(list(texts))
    return [(f.segment, f.value) for f in inspection.findings if f.entity_type == "PERSON"]


@pytest.mark.parametrize("text, name", [
    ("Maak een brief voor Seppe Verschueren over zijn laptop.", "Seppe Verschueren"),
    ("Bestuurder: Jonas Van Laere, geboren in Gent.", "Jonas Van Laere"),
    ("Nele Cuypers-Ooms en haar man tekenen morgen.", "Nele Cuypers-Ooms"),
    ("Rédige un mail à Hélène Collignon pour le sinistre.", "Hélène Collignon"),
    ("Forward it to Aisling O'Donnell today.", "Aisling O'Donnell"),
    ("Schreibe an Monika Pauels wegen der Unterlagen.", "Monika Pauels"),
    ("Pierre de la Fontaine signe demain.", "Pierre de la Fontaine"),
])
def test_first_name_and_surname(text: str, name: str) -> None:
    assert (0, name) in persons(text)


@pytest.mark.parametrize("text, name", [
    ("De buurman, meneer Gheysens, was niet thuis.", "Gheysens"),
    ("Dear Ms Okonkwo, we confirm the deposit.", "Okonkwo"),
    ("Sehr geehrter Herr Kreusch, danke.", "Kreusch"),
    ("La secrétaire, Mme Demoulin, a signé.", "Demoulin"),
    ("mijn zoon Rune speelde in de tuin", "Rune"),
])
def test_cue_before_unknown_name(text: str, name: str) -> None:
    assert (0, name) in persons(text)


def test_abbreviated_title_must_be_capitalised() -> None:
    assert persons("P99 13 ms. Versus the old build it is faster.") == []


def test_initials_and_surname() -> None:
    assert (0, "J. Peeters") in persons("bel J. Peeters terug op maandag")


def test_greeting_and_lowercase_name_with_cue() -> None:
    assert (0, "Bieke") in persons("Dag Bieke, wat vervelend!")
    assert (0, "karolien") in persons("collega karolien belt morgen terug")


def test_signature_after_signoff() -> None:
    text = "Kan u de offerte sturen?\n\nMet vriendelijke groeten,\nWard Lenssens\n"
    assert (0, "Ward Lenssens") in persons(text)


def test_known_surname_confirms_unknown_first_name() -> None:
    assert (0, "Ananya Krishnan") in persons("Grid for the panel: Ananya Krishnan (5 years).")


def test_contact_row_names() -> None:
    text = '    ("Latifa Zerouali", "+32477152904"),'
    assert (0, "Latifa Zerouali") in persons(text)


def test_email_local_part_spells_a_name() -> None:
    assert (0, "Vo Thanh Tam") in persons("- Vo Thanh Tam, thanhtam.vo@gmail.com")


def test_propagation_across_texts_parts_and_possessive() -> None:
    found = persons("Klant: Philippe Ernotte, lot 4.", "M. Ernotte signale une fuite.",
                    "Write to philippe about Ernotte's cellar.")
    assert (0, "Philippe Ernotte") in found
    assert (1, "Ernotte") in found
    assert (2, "philippe") in found and (2, "Ernotte") in found


def test_weak_first_name_needs_a_surname_or_cue() -> None:
    assert persons("Will you send the file in May?") == []
    assert (0, "Roos Janssens") in persons("Het dossier van Roos Janssens is klaar.")


@pytest.mark.parametrize("text", [
    "Vertaal naar het Frans en het Engels: Uw makelaar, dichtbij.",
    "Write the phone menu in Dutch, French and English.",
    "San Francisco considers banning sidewalk delivery robots.",
    "Open Excel, choose Invoegen > Draaitabel and group by month.",
    "Q3 results for Microsoft Teams and Google Drive look fine.",
])
def test_no_names_in_benign_text(text: str) -> None:
    assert persons(text) == []
