"""Credentials via detect-secrets plus multilingual keywords, and benign tech near misses."""

from __future__ import annotations

import pytest

from gateway.sensitive import SensitiveDetector


def credentials(detector: SensitiveDetector, text: str) -> list[str]:
    return [f.value for f in detector.inspect([text], ["en"]) if f.entity_type == "CREDENTIAL"]


@pytest.mark.parametrize(
    ("text", "secret"),
    [
        ("OPENAI_API_KEY=sk-proj-Qw3rTy8uIoPaSdFgHjKlZx9cVbNm12", "sk-proj-Qw3rTy8uIoPaSdFgHjKlZx9cVbNm12"),
        ("key: sk-ant-api03-Zx81LmNoPq34RsTuVw56XyZaBc78", "sk-ant-api03-Zx81LmNoPq34RsTuVw56XyZaBc78"),
        ("DATABASE_URL=postgres://app:Tr0ub4dor3@db.internal:5432/prod", "Tr0ub4dor3"),
        ('password = "Winter2025!x"', "Winter2025!x"),
        ("Het wachtwoord: Fietsen!2024", "Fietsen!2024"),
        ("Le mot de passe est Soleil#9876", "Soleil#9876"),
        ("Passwort: Berg7Tal!See", "Berg7Tal!See"),
        ("token ghp_1a2B3c4D5e6F7g8H9i0JkLmNoPqRsTuVwXyZ", "ghp_1a2B3c4D5e6F7g8H9i0JkLmNoPqRsTuVwXyZ"),
        ("user;login;password\nAnn;ann.w;Kx9!mPq2zz", "Kx9!mPq2zz"),
        # No colon: a few words and "is", or a bare value that mixes character classes.
        ("Het wachtwoord van de printer in de gang is Toner-Blauw-5520.", "Toner-Blauw-5520"),
        ("Login jan.smet, wachtwoord Zomer#Brugge19 voor de eerste keer.", "Zomer#Brugge19"),
        ("Le mot de passe du coffre est Rivage42tulipe", "Rivage42tulipe"),
        ("Das Passwort für das WLAN lautet Hafen!Licht88", "Hafen!Licht88"),
        ("the pwd Qz7!kLm2pX works until friday", "Qz7!kLm2pX"),
    ],
)
def test_secrets_are_found(sensitive_detector, text, secret) -> None:
    assert secret in credentials(sensitive_detector, text)


@pytest.mark.parametrize(
    "text",
    [
        "git show 3f786850e387550fdab836ed7e6dc881de23001b fails with a merge conflict",
        "The row id is 123e4567-e89b-12d3-a456-426614174000.",
        "sha256 e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
        'api_key = "YOUR_API_KEY"',
        "password: <password>",
        "Set token: xxxxxxxx in the config.",
        "The password is required for every login.",
        "Ik ben mijn wachtwoord vergeten, hoe reset ik het?",
        "Use AKIAIOSFODNN7EXAMPLE from the AWS docs as a sample.",
        "Het wachtwoord van de klantenzone is verlopen, stuur een reset.",
        "The password manager Bitwarden is our standard.",
        "Kies een wachtwoord met minstens twaalf tekens.",
        "Wachtwoord Vergeten? Klik dan op de link.",
    ],
)
def test_benign_tech_text_is_not_a_credential(sensitive_detector, text) -> None:
    assert credentials(sensitive_detector, text) == []
