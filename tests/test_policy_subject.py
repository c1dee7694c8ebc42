"""Identifiability from document structure: a long message about one person (a header line,
a file or letter about someone) ties health facts to them even without a pronoun nearby;
generic sentences and crowded messages do not."""

from __future__ import annotations

from pathlib import Path

import pytest

from gateway.config import Contact
from gateway.core import Finding, Inspection, Segment
from gateway.policy import PolicyEngine
from gateway.sensitive import SensitiveDetector

RULES = Path(__file__).resolve().parent.parent / "rules"

# A record: header with the subject, then facts in sentences without a pronoun.
RECORD = (
    "Maak een samenvatting voor het dossier bij de arbeidsongevallenverzekeraar.\n"
    "Betrokkene: Lotte Verhaegen, bediende boekhouding, in dienst sinds 2017.\n"
    "Uitval sinds begin oktober. Het verslag van de specialist vermeldt een knieoperatie aan de "
    "meniscus, gevolgd door zes weken kinesitherapie. Tijdelijk gebruik van ontstekingsremmers en "
    "pijnstillers. Werkhervatting in overleg met de arbeidsgeneesheer, eerst voor de helft van de "
    "uren. De afdeling plant intussen een vervanging en herverdeelt de lopende afsluitingen. "
    "Graag een zakelijke toon en een lijst met de documenten die nog ontbreken."
)
# The same length and one person, but the health sentence is generic.
GENERIC = (
    "Maak een tekst voor de nieuwsbrief van het kantoor.\n"
    "Afzender: Lotte Verhaegen, preventieadviseur, bereikbaar op het interne nummer.\n"
    "Het eerste deel gaat over de nieuwe parkeerregeling en de fietsvergoeding vanaf januari. "
    "Het tweede deel is een algemene uitleg over wat kinesitherapie na een knieoperatie inhoudt en "
    "hoe collega's na een lange afwezigheid opnieuw kunnen starten. Houd het luchtig en praktisch, "
    "met een korte oproep om vragen door te sturen voor de volgende editie van de nieuwsbrief."
)
PEOPLE = ("Lotte Verhaegen", "Ruben Claes", "Ines Wouters")


def decide(detector: SensitiveDetector, policy: PolicyEngine, text: str, names: tuple[str, ...]) -> bool:
    persons = [
        Finding(0, text.index(n), text.index(n) + len(n), "PERSON", 0.9, "test.person", n, "nl")
        for n in names
        if n in text
    ]
    found = detector.inspect([text], ["nl"])
    segments = [Segment(("messages", 0, "content"), text, 0, "user")]
    return policy.decide(Inspection(persons + found, ["nl"]), segments, "openai", None).blocked


@pytest.fixture(scope="module")
def policy() -> PolicyEngine:
    return PolicyEngine.from_rules(RULES / "policy.yaml", Contact(name="DPO"))


def test_record_about_one_person_is_blocked(sensitive_detector, policy) -> None:
    assert len(RECORD.split()) > 40
    assert decide(sensitive_detector, policy, RECORD, PEOPLE)


def test_generic_sentence_in_a_message_naming_someone_passes(sensitive_detector, policy) -> None:
    assert not decide(sensitive_detector, policy, GENERIC, PEOPLE)


def test_health_terms_before_the_person_is_named_do_not_count(sensitive_detector, policy) -> None:
    text = RECORD.split("\n", 2)[2] + "\nOpgesteld door Lotte Verhaegen."
    assert len(text.split()) > 40
    assert not decide(sensitive_detector, policy, text, PEOPLE)


def test_a_message_about_many_people_needs_a_closer_link(sensitive_detector, policy) -> None:
    crowd = RECORD.replace(
        "Betrokkene: Lotte Verhaegen,", "Aanwezig: Lotte Verhaegen, Ruben Claes en Ines Wouters,"
    )
    assert not decide(sensitive_detector, policy, crowd, PEOPLE)


def test_a_pronoun_reaches_a_person_named_far_earlier(sensitive_detector, policy) -> None:
    text = (
        "Aanwezig: Lotte Verhaegen, Ruben Claes en Ines Wouters. De vergadering besprak de planning. "
        "Daarna volgde de begroting. Vervolgens kwam de verhuis aan bod. Dan de nieuwe printers. "
        "Ten slotte de zomerregeling voor het onthaal en de verdeling van de permanenties. "
        "Zij vertelde achteraf dat ze volgende week een operatie aan de schouder heeft."
    )
    assert len(text.split()) > 40
    assert decide(sensitive_detector, policy, text, PEOPLE)
