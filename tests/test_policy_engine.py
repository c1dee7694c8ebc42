"""PolicyEngine: actions per type, profile and group overrides, block wins, block messages."""

from __future__ import annotations

from pathlib import Path

import pytest

from gateway.config import Contact
from gateway.core import Action, Finding, Inspection, Segment
from gateway.policy import PolicyEngine
from gateway.policy.messages import BlockMessages
from gateway.policy.rules import PolicyRules

RULES = Path(__file__).resolve().parent.parent / "rules"
CONTACT = Contact(name="Privacy desk", email="privacy@kantoor.example", url="https://intra.example/ai")
TEXT = "Mail aan Bram Peeters: hij heeft diabetes. Zijn e-mail is bram@example.be."


def finding(kind: str, value: str, text: str = TEXT, segment: int = 0) -> Finding:
    start = text.index(value)
    return Finding(segment, start, start + len(value), kind, 0.9, f"test.{kind.lower()}", value, "nl")


def request(*findings: Finding, text: str = TEXT, message_index: int = 2) -> tuple[Inspection, list[Segment]]:
    segments = [Segment(("messages", message_index, "content"), text, message_index, "user")]
    return Inspection(list(findings), ["nl"]), segments


@pytest.fixture(scope="module")
def rules() -> PolicyRules:
    data = PolicyRules.load(RULES / "policy.yaml").model_dump()
    data["groups"] = {"hr": {"ART9_HEALTH": "warn", "CREDENTIAL": "warn"}}
    data["profiles"]["strict"] = {"EMAIL_ADDRESS": "block"}
    return PolicyRules.model_validate(data)


@pytest.fixture(scope="module")
def engine(rules: PolicyRules) -> PolicyEngine:
    messages = BlockMessages.load(RULES / "messages.yaml", CONTACT)
    return PolicyEngine(rules, messages, provider_profiles={"local-llm": "in_house", "vault": "strict"})


def test_art9_about_named_person_blocks_and_explains(engine) -> None:
    inspection, segments = request(
        finding("PERSON", "Bram Peeters"),
        finding("ART9_HEALTH", "diabetes"),
        finding("EMAIL_ADDRESS", "bram@example.be"),
    )
    decision = engine.decide(inspection, segments, "openai", None)
    assert decision.blocked and decision.reason_code == "art9_health" and decision.language == "nl"
    assert {f.entity_type for f in decision.pseudonymise} == {"PERSON", "EMAIL_ADDRESS"}


def test_in_house_profile_receives_pseudonymised_art9(engine) -> None:
    inspection, segments = request(finding("PERSON", "Bram Peeters"), finding("ART9_HEALTH", "diabetes"))
    decision = engine.decide(inspection, segments, "local-llm", None)
    assert not decision.blocked
    assert [f.entity_type for f in decision.pseudonymise] == ["PERSON"]
    assert [f.entity_type for f in decision.warnings] == ["ART9_HEALTH"]


def test_group_override_and_block_wins(engine) -> None:
    health = (finding("PERSON", "Bram Peeters"), finding("ART9_HEALTH", "diabetes"))
    assert not engine.decide(*request(*health), "openai", "hr").blocked
    # A profile that blocks e-mail addresses: the hr group's warnings do not save the request.
    decision = engine.decide(*request(*health, finding("EMAIL_ADDRESS", "bram@example.be")), "vault", "hr")
    assert decision.blocked and decision.reason_code == "email_address"


def test_stricter_of_profile_and_group(rules) -> None:
    data = rules.model_dump()
    data["groups"]["lenient"] = {"EMAIL_ADDRESS": "allow"}
    relaxed = PolicyRules.model_validate(data)
    assert relaxed.action("EMAIL_ADDRESS", "strict", "lenient") is Action.BLOCK
    assert relaxed.action("EMAIL_ADDRESS", "default", "lenient") is Action.ALLOW


def test_identifier_ref_is_never_pseudonymised(engine) -> None:
    text = "Mijn collega Sarah belt morgen."
    ref = finding("IDENTIFIER_REF", "Mijn collega Sarah", text)
    decision = engine.decide(*request(ref, text=text), "openai", None)
    assert decision.pseudonymise == [] and not decision.blocked


def test_pronoun_reaches_back_to_the_previous_sentence(engine) -> None:
    text = (
        "We schrijven een brief voor de verzekeraar over de aanvraag die vorige week binnenkwam. Het gaat om "
        "Bram Peeters uit Gent. Hij is vorig jaar gestart met chemo en kan voorlopig niet werken. Vermeld de "
        "polisvoorwaarden en de termijnen, en schrijf in een rustige, zakelijke toon zonder jargon voor hem."
    )
    inspection, segments = request(
        finding("PERSON", "Bram Peeters", text), finding("ART9_HEALTH", "chemo", text), text=text
    )
    assert engine.decide(inspection, segments, "openai", None).blocked


def test_distant_topic_in_long_message_is_not_tied_to_a_name(engine) -> None:
    text = (
        "Bram Peeters vraagt een overzicht voor de teamvergadering van volgende week over het nieuwe "
        "verlofbeleid. Daarnaast willen we op het intranet een algemene tekst over wat diabetes is en hoe "
        "collega's kunnen helpen bij een hypo. Houd het kort, positief en zonder medische details of namen."
    )
    inspection, segments = request(
        finding("PERSON", "Bram Peeters", text), finding("ART9_HEALTH", "diabetes", text), text=text
    )
    assert not engine.decide(inspection, segments, "openai", None).blocked


@pytest.mark.parametrize(
    ("language", "words"),
    [
        ("nl", ["bericht 3", "gezondheidsgegevens", "herkenbaar"]),
        ("fr", ["message 3", "données de santé", "identifiable"]),
        ("en", ["message 3", "health data", "identifiable"]),
        ("de", ["Nachricht 3", "Gesundheitsdaten", "identifizierbar"]),
    ],
)
def test_block_message_is_localised_with_contact_and_no_value(engine, language, words) -> None:
    inspection, segments = request(finding("PERSON", "Bram Peeters"), finding("ART9_HEALTH", "diabetes"))
    inspection.languages = [language]
    decision = engine.decide(inspection, segments, "openai", None)
    message = engine.block_message(decision)
    for word in [*words, CONTACT.name, CONTACT.email, CONTACT.url]:
        assert word in message
    assert "diabetes" not in message and "Bram" not in message


def test_block_message_lists_several_categories(engine) -> None:
    text = "Wachtwoord: Fiets!2024 en Bram Peeters heeft diabetes."
    inspection, segments = request(
        finding("CREDENTIAL", "Fiets!2024", text),
        finding("PERSON", "Bram Peeters", text),
        finding("ART9_HEALTH", "diabetes", text),
        text=text,
    )
    decision = engine.decide(inspection, segments, "openai", None)
    message = engine.block_message(decision)
    assert decision.reason_code == "credential"
    assert "wachtwoord" in message and "gezondheidsgegevens" in message and "Fiets!2024" not in message



def _plain_actions(policy: PolicyEngine, inspection: Inspection, segments: list[Segment]
                   ) -> list[tuple[Finding, Action]]:
    """PolicyEngine._actions as it was, building the sentence map for every request."""
    from gateway.policy.identify import SentenceMap

    rules, identification = policy._rules, policy._identification
    texts = [s.text for s in segments]
    identifiers = identification.identifiers(inspection.findings)
    sentences = SentenceMap(texts, inspection.languages, rules.identifiability) if texts else None
    out = []
    for f in inspection.findings:
        if f.entity_type in rules.internal_types:
            continue
        if f.entity_type.startswith("ART9_") and not (
                sentences is not None and identification.identifiable(f, identifiers, sentences)):
            out.append((f, rules.identifiability.topic_action))
        else:
            out.append((f, rules.action(f.entity_type, "openai", None)))
    return out


def test_the_sentence_map_is_skipped_only_where_it_changes_nothing() -> None:
    """decide() builds the sentence map only when there is an Art. 9 term to test."""
    import json
    import os

    from gateway.config import load_rules
    from gateway.engine import build_engine

    os.environ.setdefault("GATEWAY_PSEUDONYM_SECRET", "test-only-pseudonym-secret-0123456789")
    root = Path(__file__).resolve().parent.parent
    engine = build_engine(load_rules(root / "rules" / "gateway.yaml"))
    policy = engine.policy
    assert isinstance(policy, PolicyEngine)
    lines = (root / "eval" / "holdout.jsonl").read_text(encoding="utf-8").splitlines()
    for line in filter(str.strip, lines):
        texts = [m["content"] for m in json.loads(line)["messages"] if isinstance(m["content"], str)]
        segments = [Segment(path=(i,), text=t, message_index=i, role="user") for i, t in enumerate(texts)]
        inspection = engine.inspector.inspect(texts)
        assert policy._actions(inspection, segments, "openai", None) == \
            _plain_actions(policy, inspection, segments)
