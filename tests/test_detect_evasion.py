"""Normalisation against cheap evasion, with offsets that cover the original characters."""

from __future__ import annotations

import pytest
from detectors import pii_detector

from gateway.detect.normalize import normalize


def findings(text: str) -> list[tuple[str, str]]:
    return [(f.entity_type, f.value) for f in pii_detector().inspect([text]).findings]


def test_normalize_maps_back_to_original_spans() -> None:
    original = "F\u200bien Br\u200backe"
    norm = normalize(original)
    assert norm.text == "Fien Bracke"
    assert norm.to_original(0, len(norm.text)) == (0, len(original))
    assert norm.to_original(5, 11) == (6, len(original))


def test_normalize_folds_fullwidth_and_lookalikes() -> None:
    assert normalize("aisling\uff20gmail.com").text == "aisling@gmail.com"
    assert normalize("\u0420\u0435ter").text == "Peter"  # Cyrillic Р and е


def test_normalize_collapses_spaced_out_text() -> None:
    assert normalize("bel 0 4 7 6 1 3 5 8 4 2").text == "bel 0476135842"
    assert normalize("J a n P e e t e r s").text == "Jan Peeters"


def test_unchanged_text_is_identity() -> None:
    norm = normalize("Gewone tekst, niets aan de hand.")
    assert norm.text == norm.original and norm.to_original(3, 8) == (3, 8)


@pytest.mark.parametrize("text, entity, value", [
    ("terugbetaling aan F\u200bien Br\u200backe vandaag", "PERSON", "F\u200bien Br\u200backe"),
    ("NISS 93\u200b.08\u200b.26\u200b-968\u200b.67.", "BE_NATIONAL_NUMBER",
     "93\u200b.08\u200b.26\u200b-968\u200b.67"),
    ("Mme Ga\u00eb\u00adlle Pi\u00adette, domicili\u00e9e", "PERSON", "Ga\u00eb\u00adlle Pi\u00adette"),
    ("rue des Bru\u00adyères 12, 7500 Tournai", "STREET_ADDRESS", "rue des Bru\u00adyères 12, 7500 Tournai"),
    ("mail aisling.odonnell\uff20gmail.com now", "EMAIL_ADDRESS", "aisling.odonnell\uff20gmail.com"),
    ("bel 0 4 7 6 1 3 5 8 4 2 morgen", "PHONE_NUMBER", "0 4 7 6 1 3 5 8 4 2"),
    ("klant D a n i e l K r a u s e belde", "PERSON", "D a n i e l K r a u s e"),
    ("IBAN BE14-0631-2345-6783 klopt", "IBAN_CODE", "BE14-0631-2345-6783"),
])
def test_evasions_are_found_with_original_offsets(text: str, entity: str, value: str) -> None:
    assert (entity, value) in findings(text)


def test_finding_offsets_index_the_original_text() -> None:
    text = "x\u200by Seppe Verschueren, 0476 13 58 42"
    for f in pii_detector().inspect([text]).findings:
        assert text[f.start:f.end] == f.value
