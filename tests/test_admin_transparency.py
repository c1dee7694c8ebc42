"""Transparency: answer headers, GET /v1/me/usage, AI disclosure and the verification reminder."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from admin_helpers import AdminGateway, admin_gateway, rules_yaml
from fakeprovider import FakeProvider

from gateway.config import parse_rules
from gateway.core import Finding, Inspection
from gateway.engine import Engine
from gateway.pipeline import AllowAllPolicy, IdentityTransformer
from gateway.reload import WATCH_ENV
from gateway.transparency import DISCLOSURE, VERIFY_NOTICE, with_disclosure


class EmailInspector:
    """Finds every word with an @; the core policy forwards findings as warnings."""

    def inspect(self, texts: list[str]) -> Inspection:
        findings = [Finding(i, t.index(w), t.index(w) + len(w), "EMAIL_ADDRESS", 0.9, "test.email", w)
                    for i, t in enumerate(texts) for w in t.split() if "@" in w]
        return Inspection(findings=findings, languages=["en"] * len(texts))


@pytest.fixture
def provider_url(provider: FakeProvider, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv(WATCH_ENV, "0")
    return f"http://127.0.0.1:{provider.port}"


@pytest.fixture
def gw(tmp_path: Path, provider_url: str) -> Iterator[AdminGateway]:
    engine = Engine(EmailInspector(), AllowAllPolicy(), IdentityTransformer())
    with admin_gateway(tmp_path, rules_yaml(provider_url), engine=engine) as gateway:
        yield gateway


@pytest.fixture
def disclosing(tmp_path: Path, provider_url: str) -> Iterator[AdminGateway]:
    flags = "disclose_ai: true\nverify_reminder: true\n"
    with admin_gateway(tmp_path, rules_yaml(provider_url, provider_extra=flags)) as gateway:
        yield gateway


def _usage(gw: AdminGateway, key: str) -> httpx.Response:
    return httpx.get(f"{gw.url}/v1/me/usage", headers={"Authorization": f"Bearer {key}"}, timeout=10)


def test_answers_say_what_the_gateway_did(gw: AdminGateway) -> None:
    answer = gw.chat(messages=[{"role": "user", "content": "write to a@example.com and b@example.com"}])
    assert answer.status_code == 200
    assert answer.headers["x-gateway-decision"] == "forwarded"
    assert answer.headers["x-gateway-request-id"].startswith("req_")
    assert answer.headers["x-gateway-warnings"] == "EMAIL_ADDRESS=2"
    assert "x-gateway-notice" not in answer.headers
    refused = gw.chat("not-a-model")
    assert (refused.headers["x-gateway-decision"], refused.headers["x-gateway-reason"]) == (
        "refused", "model_not_allowed")


def test_users_see_only_their_own_records(gw: AdminGateway) -> None:
    _, bob_key = gw.store.create_key("bob")
    gw.chat()
    gw.chat("not-a-model")
    gw.chat(key=bob_key)

    alice = _usage(gw, gw.key)
    bob = _usage(gw, bob_key)

    assert alice.status_code == 200
    assert {r["user"] for r in alice.json()["data"]} == {"alice"}
    assert [r["decision"] for r in alice.json()["data"]] == ["refused", "forwarded"]  # newest first
    assert [r["user"] for r in bob.json()["data"]] == ["bob"]
    assert _usage(gw, "gw-not-a-key").status_code == 401
    assert httpx.get(f"{gw.url}/v1/me/usage?limit=0", headers={"Authorization": f"Bearer {gw.key}"}
                     ).status_code == 400


def test_usage_records_carry_no_content(gw: AdminGateway) -> None:
    gw.chat(messages=[{"role": "user", "content": "mail secret.person@example.com"}])
    text = _usage(gw, gw.key).text
    assert "secret.person" not in text and "EMAIL_ADDRESS" in text


def test_disclosure_reaches_the_provider_in_each_wire_format(disclosing: AdminGateway,
                                                             provider: FakeProvider) -> None:
    auth = {"Authorization": f"Bearer {disclosing.key}"}
    answer = disclosing.chat()
    assert answer.headers["x-gateway-notice"] == VERIFY_NOTICE
    httpx.post(f"{disclosing.url}/v1/responses", headers=auth, timeout=10,
               json={"model": "echo-1", "input": "hi", "instructions": "Be brief."})
    httpx.post(f"{disclosing.url}/v1/messages", timeout=10,
               headers={"x-api-key": disclosing.key, "anthropic-version": "2023-06-01"},
               json={"model": "echo-claude", "max_tokens": 50, "system": "Be kind.",
                     "messages": [{"role": "user", "content": "hi"}]})

    chat, responses, messages = (p.body for p in provider.posts)
    assert chat["messages"][0] == {"role": "system", "content": DISCLOSURE}
    assert chat["messages"][1]["content"] == "hello"
    assert responses["instructions"] == f"{DISCLOSURE}\n\nBe brief."
    assert messages["system"] == f"{DISCLOSURE}\n\nBe kind."


def test_no_disclosure_unless_the_provider_requires_it(gw: AdminGateway, provider: FakeProvider) -> None:
    gw.chat()
    [sent] = provider.posts
    assert [m["role"] for m in sent.body["messages"]] == ["user"]


def test_disclosure_goes_first_in_a_block_list_and_not_into_embeddings() -> None:
    provider = parse_rules("providers:\n- {name: p, api: anthropic, base_url: https://p.example, "
                           "api_key_env: P_KEY, models: [m], disclose_ai: true}\n").providers[0]
    cached = [{"type": "text", "text": "Be kind.", "cache_control": {"type": "ephemeral"}}]
    body = with_disclosure(provider, "/v1/messages", {"system": cached, "messages": []})
    assert body["system"] == [{"type": "text", "text": DISCLOSURE}, *cached]
    embeddings = {"model": "m", "input": "x"}
    assert with_disclosure(provider, "/v1/embeddings", embeddings) is embeddings
