"""Benign prompts must reach the provider unchanged: no findings at all."""

from __future__ import annotations

import threading

import pytest
from detectors import pii_detector


@pytest.mark.parametrize("text", [
    "Hoe maak ik een draaitabel in Excel die per maand het totaal toont? Q3 is belangrijk.",
    "Zet deze zittingen in een tabel: 24A0471/0318 om 9u30, 24A0488/0321 om 10u.",
    "Calcule l'indemnité kilométrique au tarif de 0,43 €/km : 42 km, 118 km et 2 × 27 km.",
    "Propose un calendrier de publications LinkedIn pour avril, deux posts par semaine.",
    "Rewrite this out-of-office: Out until Monday. For urgent stuff call the office.",
    "Plan the release of version 3.2.1 for Thursday 12 June; the budget is EUR 14,500.",
    "Schreibe eine Abwesenheitsnotiz: Büro geschlossen vom 21. bis 25. Juli.",
    "The platform team reviewed the quarterly roadmap and agreed to prioritise reliability.",
    "Uw factuur 2025-0193 – herinnering. Te betalen binnen 30 dagen.",
])
def test_benign_prompt_has_no_findings(text: str) -> None:
    assert pii_detector().inspect([text]).findings == []


def test_allowlisted_role_mailbox_and_languages() -> None:
    texts = ["Stuur het naar facturatie@kantoor.be", "Merci beaucoup pour votre aide"]
    inspection = pii_detector().inspect(texts)
    assert inspection.findings == []
    assert inspection.languages == ["nl", "fr"]


def test_inspect_is_thread_safe() -> None:
    texts = ["Maak een brief voor Seppe Verschueren, gsm 0468 91 20 33.", "Rien à signaler ici."]
    expected = pii_detector().inspect(texts).findings
    results: list[list] = []

    def run() -> None:
        for _ in range(20):
            results.append(pii_detector().inspect(texts).findings)

    threads = [threading.Thread(target=run) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(results) == 80 and all(r == expected for r in results)
