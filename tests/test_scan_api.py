"""``POST /v1/scan``: the engine's verdict on a text, with nothing forwarded and no content logged."""

from __future__ import annotations

import json
import re
from typing import Any

import httpx
import pytest
from conftest import KEY, SUSPENDED_KEY, Gateway

from gateway.core import Decision, Finding, IdentityRestorer, Inspection, Segment

EMAIL = re.compile(r"[\w.]+@[\w.]+\.\w+")
ADDRESS = "jan.peeters@example.org"


class EmailInspector:
    def inspect(self, texts: list[str]) -> Inspection:
        findings = [Finding(segment=i, start=m.start(), end=m.end(), entity_type="EMAIL_ADDRESS", score=0.9,
                            rule_id="test.email", value=m.group())
                    for i, text in enumerate(texts) for m in EMAIL.finditer(text)]
        return Inspection(findings=findings, languages=["nl"] * len(texts))


class RecordingPolicy:
    """Pseudonymises every finding, blocks "diagnose"; remembers who asked for which provider."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, str | None]] = []

    def decide(self, inspection: Inspection, segments: list[Segment], provider: str,
               user_group: str | None) -> Decision:
        self.calls.append((provider, user_group))
        if any("diagnose" in s.text for s in segments):
            return Decision(blocked=True, reason_code="art9_health", language="nl",
                            block_findings=inspection.findings)
        return Decision(blocked=False, pseudonymise=inspection.findings)

    def block_message(self, decision: Decision) -> str:
        return "Gezondheidsgegevens mogen niet worden verstuurd."


class PlaceholderTransformer:
    def transform(self, texts: list[str], findings: list[Finding]) -> tuple[list[str], IdentityRestorer]:
        return [EMAIL.sub("<EMAIL_1>", t) for t in texts], IdentityRestorer()


@pytest.fixture
def policy(gateway: Gateway) -> RecordingPolicy:
    gateway.engine.inspector = EmailInspector()
    gateway.engine.policy = policy = RecordingPolicy()
    gateway.engine.transformer = PlaceholderTransformer()
    return policy


def scan(gateway: Gateway, body: Any, key: str | None = KEY) -> httpx.Response:
    headers = {"authorization": f"Bearer {key}"} if key else {}
    return httpx.post(gateway.url + "/v1/scan", json=body, headers=headers, timeout=10)


def test_text_is_scanned_not_forwarded_and_logged_without_content(
    gateway: Gateway, policy: RecordingPolicy
) -> None:
    answer = scan(gateway, {"text": f"Mail {ADDRESS} please"})
    assert answer.status_code == 200
    result = answer.json()
    assert result["decision"] == "forwarded"
    assert result["pseudonymised"] == ["Mail <EMAIL_1> please"]
    assert result["counts"] == {"EMAIL_ADDRESS": 1}
    [finding] = result["findings"]
    assert (finding["type"], finding["start"], finding["end"]) == ("EMAIL_ADDRESS", 5, 5 + len(ADDRESS))
    assert ADDRESS not in json.dumps(result["findings"])
    assert policy.calls == [("", "staff")]
    assert not gateway.provider.requests
    [record] = gateway.store.records
    assert (record.endpoint, record.decision, record.user) == ("/v1/scan", "scanned", "alice")
    assert record.counts == {"EMAIL_ADDRESS": 1} and record.language == "nl"
    assert ADDRESS not in repr(record)


def test_messages_with_text_parts_and_a_model(gateway: Gateway, policy: RecordingPolicy) -> None:
    body = {"model": "echo-1", "messages": [
        {"role": "system", "content": "Be brief."},
        {"role": "user", "content": [{"type": "text", "text": f"Write to {ADDRESS}"}]},
    ]}
    result = scan(gateway, body).json()
    assert result["pseudonymised"] == ["Be brief.", "Write to <EMAIL_1>"]
    assert result["findings"][0]["segment"] == 1
    assert policy.calls == [("echo", "staff")]
    assert gateway.store.records[0].provider == "echo"


def test_blocked_text_shows_the_block_message(gateway: Gateway, policy: RecordingPolicy) -> None:
    result = scan(gateway, {"text": f"De diagnose van {ADDRESS}"}).json()
    assert result["decision"] == "blocked" and result["reason_code"] == "art9_health"
    assert result["message"] == "Gezondheidsgegevens mogen niet worden verstuurd."
    assert "pseudonymised" not in result
    assert gateway.store.records[0].reason_code == "art9_health"


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ({}, 400, "invalid_request"),
        ({"text": "a", "messages": []}, 400, "invalid_request"),
        ({"text": 5}, 400, "invalid_request"),
        ({"messages": "x"}, 400, "invalid_request"),
        ({"messages": [{"role": "user", "content": 5}]}, 400, "invalid_request"),
        ({"messages": [{"role": "user", "content": [{"type": "image_url"}]}]}, 400, "invalid_request"),
        ({"text": "a", "base_url": "http://evil"}, 400, "unknown_field"),
        ({"text": "a", "model": "gpt-unlisted"}, 403, "model_not_allowed"),
        ({"text": "a" * 400_001}, 413, "request_too_large"),
    ],
)
def test_bad_bodies_are_refused_and_logged(
    gateway: Gateway, policy: RecordingPolicy, body: Any, status: int, code: str
) -> None:
    answer = scan(gateway, body)
    assert (answer.status_code, answer.json()["error"]["code"]) == (status, code)
    assert not policy.calls and not gateway.provider.requests
    assert [(r.endpoint, r.decision) for r in gateway.store.records] == [("/v1/scan", "refused")]


@pytest.mark.parametrize(("key", "status"), [(None, 401), ("gw-unknown", 401), (SUSPENDED_KEY, 403)])
def test_scan_needs_an_active_gateway_key(
    gateway: Gateway, policy: RecordingPolicy, key: str | None, status: int
) -> None:
    assert scan(gateway, {"text": ADDRESS}, key).status_code == status
    assert not policy.calls


def test_failing_engine_is_503(gateway: Gateway) -> None:
    class Broken:
        def inspect(self, texts: list[str]) -> Inspection:
            raise RuntimeError(texts[0])

    gateway.engine.inspector = Broken()
    answer = scan(gateway, {"text": ADDRESS})
    assert answer.status_code == 503 and ADDRESS not in answer.text
    assert gateway.store.records[0].decision == "error"
