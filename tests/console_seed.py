"""A gateway database with a known use log, admin keys and a user key, for the console tests."""

from __future__ import annotations

from dataclasses import dataclass

from gateway.config import Rules, parse_rules
from gateway.core import UseRecord
from gateway.store import Store
from gateway.store.console import ConsoleStore

RULES = """
providers:
  - name: openai
    api: openai
    base_url: https://api.openai.example/v1
    api_key_env: OPENAI_KEY
    models: [gpt-4o]
  - name: in-house
    api: openai
    base_url: http://llm.internal/v1
    api_key_env: INHOUSE_KEY
    models: [llama]
    profile: in_house
"""


def rules() -> Rules:
    return parse_rules(RULES, "<console test rules>")


def _finding(kind: str, rule: str, segment: int = 0, start: int = 0) -> dict[str, object]:
    return {"segment": segment, "start": start, "end": start + 8, "type": kind, "score": 0.9,
            "rule_id": rule, "language": "nl"}


RECORDS = [
    UseRecord(request_id="r1", endpoint="/v1/chat/completions", decision="forwarded", user="alice",
              provider="openai", model="gpt-4o", counts={"PERSON": 2, "EMAIL_ADDRESS": 1},
              findings=[_finding("PERSON", "names.gazetteer"), _finding("PERSON", "names.gazetteer", 1),
                        _finding("EMAIL_ADDRESS", "email.regex")]),
    UseRecord(request_id="r2", endpoint="/v1/chat/completions", decision="blocked", user="bob",
              provider="openai", model="gpt-4o", reason_code="art9_health",
              counts={"ART9_HEALTH": 1, "PERSON": 1},
              findings=[_finding("PERSON", "names.gazetteer"),
                        _finding("ART9_HEALTH", "art9.health.diagnosis", 1, 12)]),
    UseRecord(request_id="r3", endpoint="/v1/messages", decision="blocked", user="alice",
              provider="in-house", model="llama", reason_code="credential", counts={"CREDENTIAL": 1},
              findings=[_finding("CREDENTIAL", "secrets.aws_key", 2, 40)]),
    UseRecord(request_id="r4", endpoint="/v1/chat/completions", decision="refused", user="carol",
              provider=None, model="=cmd|' /C calc'!A0", reason_code="model_not_allowed"),
]


@dataclass
class Seeded:
    store: Store
    console: ConsoleStore
    dpo_key: str
    it_key: str
    user_key: str


def seed(url: str) -> Seeded:
    store = Store(url)
    store.upgrade()
    for record in RECORDS:
        store.record_use(record)
    console = ConsoleStore(store)
    _, dpo_key = console.create_admin("Dana DPO", "dpo")
    _, it_key = console.create_admin("Ivo IT", "it")
    _, user_key = store.create_key("alice", "staff")
    return Seeded(store, console, dpo_key, it_key, user_key)
