"""Art. 9 end to end (sensitive detector + policy): per category and language, a sentence
about a named person is blocked and a near-miss on the same topic without anyone is not."""

from __future__ import annotations

from pathlib import Path

import pytest

from gateway.config import Contact
from gateway.core import Finding, Inspection, Segment
from gateway.policy import PolicyEngine
from gateway.sensitive import SensitiveDetector

RULES = Path(__file__).resolve().parent.parent / "rules"

# (language, category, text about a named person, the name, same topic without a person)
CASES = [
    (
        "nl",
        "ART9_HEALTH",
        "Kun je een mail opstellen? Tamara Wuyts is diabetespatiënt en moet tijdens "
        "de opleiding pauzes kunnen nemen.",
        "Tamara Wuyts",
        "Welke aanpassingen op de werkplek helpen mensen met diabetes?",
    ),
    (
        "fr",
        "ART9_HEALTH",
        "Notre conseiller Hugo Lambotte est diabétique et demande un horaire adapté.",
        "Hugo Lambotte",
        "Quelles sont les complications fréquentes du diabète de type 2 ?",
    ),
    (
        "en",
        "ART9_HEALTH",
        "Please tell the team that Priya Raman is on sick leave after her breast cancer surgery.",
        "Priya Raman",
        "Write an intranet article about breast cancer screening.",
    ),
    (
        "de",
        "ART9_HEALTH",
        "Frau Helga Kessler hatte letzte Woche einen Herzinfarkt und ist krankgeschrieben.",
        "Helga Kessler",
        "Welche Warnzeichen für einen Herzinfarkt sollten Ersthelfer kennen?",
    ),
    (
        "nl",
        "ART9_GENETIC",
        "De genetische test van Bart Leys toont een verhoogd risico op darmkanker.",
        "Bart Leys",
        "Mag een verzekeraar naar genetische testen vragen?",
    ),
    (
        "fr",
        "ART9_GENETIC",
        "Le test ADN de Julie Mertens confirme une mutation BRCA1.",
        "Julie Mertens",
        "Un employeur peut-il demander un test génétique à l'embauche ?",
    ),
    (
        "en",
        "ART9_GENETIC",
        "Kevin Doyle's genetic test shows he carries the cystic fibrosis gene.",
        "Kevin Doyle",
        "What does the GDPR say about genetic data in insurance?",
    ),
    (
        "de",
        "ART9_GENETIC",
        "Der Gentest von Lukas Brandt zeigt eine erbliche Veranlagung.",
        "Lukas Brandt",
        "Dürfen Versicherer Ergebnisse genetischer Tests verlangen?",
    ),
    (
        "nl",
        "ART9_BIOMETRIC",
        "Hier is de vingerafdruk-template van Sander Claes uit de prikklok.",
        "Sander Claes",
        "Mogen we een prikklok met vingerafdruk gebruiken op kantoor?",
    ),
    (
        "fr",
        "ART9_BIOMETRIC",
        "Voici l'empreinte digitale enregistrée pour Chloé Dubois dans la badgeuse.",
        "Chloé Dubois",
        "La reconnaissance faciale est-elle permise pour le contrôle d'accès ?",
    ),
    (
        "en",
        "ART9_BIOMETRIC",
        "Store this facial recognition template for Aaron Mills in the CRM.",
        "Aaron Mills",
        "Explain how facial recognition systems are regulated in the EU.",
    ),
    (
        "de",
        "ART9_BIOMETRIC",
        "Speichere den Fingerabdruck von Jonas Weber im Zutrittssystem.",
        "Jonas Weber",
        "Ist ein Fingerabdruckscanner am Eingang datenschutzkonform?",
    ),
    (
        "nl",
        "ART9_ETHNIC",
        "De huurder Yusuf Demir is van Koerdische afkomst, zegt de eigenaar.",
        "Yusuf Demir",
        "Hoe vermijden we discriminatie op basis van etnische afkomst bij verhuur?",
    ),
    (
        "fr",
        "ART9_ETHNIC",
        "Le candidat Mamadou Diallo est d'origine guinéenne.",
        "Mamadou Diallo",
        "Quelles sont les règles contre la discrimination fondée sur l'origine ethnique ?",
    ),
    (
        "en",
        "ART9_ETHNIC",
        "The landlord says Grace Otieno is of Kenyan descent.",
        "Grace Otieno",
        "Summarise the law on ethnic discrimination in housing.",
    ),
    (
        "de",
        "ART9_ETHNIC",
        "Der Mieter Emre Yilmaz ist türkischer Herkunft.",
        "Emre Yilmaz",
        "Welche Regeln gelten gegen Diskriminierung wegen der ethnischen Herkunft?",
    ),
    (
        "nl",
        "ART9_POLITICAL",
        "Onze adviseur Koen Maes is partijlid en kandidaat voor Vooruit.",
        "Koen Maes",
        "Schrijf een neutrale tekst over politieke activiteiten van personeel.",
    ),
    (
        "fr",
        "ART9_POLITICAL",
        "Notre comptable Sarah Lejeune est militante du PTB.",
        "Sarah Lejeune",
        "Rédige une note sur l'engagement politique des employés.",
    ),
    (
        "en",
        "ART9_POLITICAL",
        "Tom Becker is a party member and campaigns for the Green Party.",
        "Tom Becker",
        "Explain how Belgian political parties are financed.",
    ),
    (
        "de",
        "ART9_POLITICAL",
        "Herr Paul Schmitz ist Parteimitglied und Mitglied der SPD.",
        "Paul Schmitz",
        "Wie werden politische Parteien in Belgien finanziert?",
    ),
    (
        "nl",
        "ART9_RELIGION",
        "Nadia El Amrani vraagt vrij voor het suikerfeest; ze is moslima.",
        "Nadia El Amrani",
        "Maak een kalender met de islamitische feestdagen van dit jaar.",
    ),
    (
        "fr",
        "ART9_RELIGION",
        "Daniel Cohen est juif pratiquant et ne travaille pas le samedi.",
        "Daniel Cohen",
        "Quelles fêtes juives tombent en septembre ?",
    ),
    (
        "en",
        "ART9_RELIGION",
        "Write a note to Harpreet Singh, who is a devout Sikh, about the dress code.",
        "Harpreet Singh",
        "Give an overview of Sikh religious holidays.",
    ),
    (
        "de",
        "ART9_RELIGION",
        "Frau Anna Krüger ist katholisch und singt im Kirchenchor.",
        "Anna Krüger",
        "Welche katholischen Feiertage gibt es in Ostbelgien?",
    ),
    (
        "nl",
        "ART9_UNION",
        "Wouter Janssens is vakbondsafgevaardigde voor het ACV in ons magazijn.",
        "Wouter Janssens",
        "Hoe verloopt de bescherming van een vakbondsafgevaardigde?",
    ),
    (
        "fr",
        "ART9_UNION",
        "Isabelle Renard est affiliée à la CGSLB et déléguée syndicale.",
        "Isabelle Renard",
        "Comment fonctionne la prime syndicale en Belgique ?",
    ),
    (
        "en",
        "ART9_UNION",
        "Mark Hughes asked for union leave; he is a trade union member.",
        "Mark Hughes",
        "What is the history of trade unions in Belgium?",
    ),
    (
        "de",
        "ART9_UNION",
        "Stefan Meyer ist Gewerkschaftsmitglied und Vertrauensmann.",
        "Stefan Meyer",
        "Welche Rechte haben Gewerkschaften in Belgien?",
    ),
    (
        "nl",
        "ART9_SEX_LIFE",
        "Jens Wouters is homoseksueel en wil niet dat het team het weet.",
        "Jens Wouters",
        "Schrijf een beleidstekst tegen discriminatie op basis van seksuele geaardheid.",
    ),
    (
        "fr",
        "ART9_SEX_LIFE",
        "Camille Petit est lesbienne et souhaite inscrire sa compagne.",
        "Camille Petit",
        "Rédige une charte contre les discriminations liées à l'orientation sexuelle.",
    ),
    (
        "en",
        "ART9_SEX_LIFE",
        "Oliver Grant is gay and wants his husband added to the group insurance.",
        "Oliver Grant",
        "Draft a policy paragraph on sexual orientation and equal treatment.",
    ),
    (
        "de",
        "ART9_SEX_LIFE",
        "Herr Felix Braun ist schwul und möchte seinen Ehemann mitversichern.",
        "Felix Braun",
        "Schreibe eine Richtlinie gegen Diskriminierung wegen der sexuellen Orientierung.",
    ),
]


@pytest.fixture(scope="module")
def policy() -> PolicyEngine:
    return PolicyEngine.from_rules(RULES / "policy.yaml", Contact(name="DPO", email="dpo@example.be"))


def decide(
    detector: SensitiveDetector, policy: PolicyEngine, text: str, language: str, name: str | None = None
):
    """Run detection with a PERSON finding for ``name`` (standing in for the PII detector)."""
    findings = detector.inspect([text], [language])
    if name:
        start = text.index(name)
        findings.append(Finding(0, start, start + len(name), "PERSON", 0.85, "test.person", name, language))
    segments = [Segment(("messages", 0, "content"), text, 0, "user")]
    return policy.decide(Inspection(findings, [language]), segments, "openai", None)


@pytest.mark.parametrize(
    ("language", "category", "text", "name", "topic"), CASES, ids=[f"{c[0]}-{c[1]}" for c in CASES]
)
def test_named_person_is_blocked(sensitive_detector, policy, language, category, text, name, topic) -> None:
    decision = decide(sensitive_detector, policy, text, language, name)
    assert decision.blocked
    assert category in {f.entity_type for f in decision.block_findings}
    assert decision.language == language


@pytest.mark.parametrize(
    ("language", "category", "text", "name", "topic"), CASES, ids=[f"{c[0]}-{c[1]}" for c in CASES]
)
def test_topic_without_person_passes(
    sensitive_detector, policy, language, category, text, name, topic
) -> None:
    assert category in {f.entity_type for f in sensitive_detector.inspect([topic], [language])}
    assert not decide(sensitive_detector, policy, topic, language).blocked
