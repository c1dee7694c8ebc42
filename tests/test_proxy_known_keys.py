"""A key that worked on its last request is confirmed in the inspection's worker thread
(gateway.known_keys): one thread trip per request, and revocation still applies at once."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import anyio
import openai
import pytest
from conftest import KEY, Gateway

from gateway.core import Decision, Inspection, NullInspector, Principal, Segment
from gateway.known_keys import KnownKeys
from gateway.pipeline import AllowAllPolicy

HELLO = [{"role": "user", "content": "hello"}]


class ThreadRecorder:
    """An inspector that notes the thread each inspection ran on."""

    def __init__(self) -> None:
        self.threads: list[int] = []

    def inspect(self, texts: list[str]) -> Inspection:
        self.threads.append(threading.get_ident())
        return NullInspector().inspect(texts)


class GroupRecorder(AllowAllPolicy):
    """The core policy, noting the user group of every decision."""

    def __init__(self) -> None:
        self.groups: list[str | None] = []

    def decide(self, inspection: Inspection, segments: list[Segment], provider: str,
               user_group: str | None) -> Decision:
        self.groups.append(user_group)
        return super().decide(inspection, segments, provider, user_group)


@pytest.fixture
def lookups(gateway: Gateway, monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The thread of every key lookup the store answers."""
    threads: list[int] = []
    lookup = gateway.store.authenticate

    def recorded(raw_key: str) -> Principal | None:
        threads.append(threading.get_ident())
        return lookup(raw_key)

    monkeypatch.setattr(gateway.store, "authenticate", recorded)
    return threads


def test_a_known_key_is_looked_up_in_the_inspection_thread(
        oai: openai.OpenAI, gateway: Gateway, lookups: list[int], monkeypatch: pytest.MonkeyPatch) -> None:
    oai.chat.completions.create(model="echo-1", messages=HELLO)  # the key is known from now on
    trips: list[str] = []
    run_sync = anyio.to_thread.run_sync

    async def recorded(fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        trips.append(getattr(fn, "__name__", repr(fn)))
        return await run_sync(fn, *args, **kwargs)

    monkeypatch.setattr(anyio.to_thread, "run_sync", recorded)
    lookups.clear()
    for _ in range(2):
        oai.chat.completions.create(model="echo-1", messages=HELLO)
    gateway.store.records  # noqa: B018 (waits for the use records)
    assert len(lookups) == 2  # once per request, never skipped
    assert trips == ["_protect", "_protect"]  # no trip of its own (nor for the use log: gateway.log_writer)
    assert len(gateway.provider.posts) == 3


def test_a_key_revoked_after_use_is_refused_at_once(oai: openai.OpenAI, gateway: Gateway) -> None:
    recorder = ThreadRecorder()
    gateway.engine.inspector = recorder
    oai.chat.completions.create(model="echo-1", messages=HELLO)
    del gateway.store.principals[KEY]  # revoked, e.g. on another replica
    for _ in range(2):
        with pytest.raises(openai.AuthenticationError) as err:
            oai.chat.completions.create(model="echo-1", messages=HELLO)
        assert err.value.code == "invalid_api_key"
    assert len(gateway.provider.posts) == 1
    assert len(recorder.threads) == 1  # the revoked key's prompts were never inspected
    assert [r.decision for r in gateway.store.records] == ["forwarded", "refused", "refused"]
    assert gateway.store.records[1].reason_code == "invalid_api_key"


def test_a_user_suspended_after_use_is_refused_at_once(oai: openai.OpenAI, gateway: Gateway) -> None:
    oai.chat.completions.create(model="echo-1", messages=HELLO)
    gateway.store.principals[KEY] = Principal(user="alice", key_id="key_alice", group="staff", suspended=True)
    with pytest.raises(openai.PermissionDeniedError) as err:
        oai.chat.completions.create(model="echo-1", messages=HELLO)
    assert err.value.code == "user_suspended"
    assert len(gateway.provider.posts) == 1
    assert gateway.store.records[-1].user == "alice"


def test_the_policy_sees_the_group_the_store_gives_now(oai: openai.OpenAI, gateway: Gateway) -> None:
    policy = GroupRecorder()
    gateway.engine.policy = policy
    oai.chat.completions.create(model="echo-1", messages=HELLO)
    gateway.store.principals[KEY] = Principal(user="alice", key_id="key_alice", group="legal")
    oai.chat.completions.create(model="echo-1", messages=HELLO)
    assert policy.groups == ["staff", "legal"]


def test_known_keys_are_bounded_and_hold_no_keys() -> None:
    known = KnownKeys(max_keys=2)
    alice, bob, carol = (Principal(user=u, key_id=f"key_{u}") for u in ("alice", "bob", "carol"))
    known.remember("gw-a", alice)
    known.remember("gw-b", bob)
    known.remember("gw-a", alice)  # used again: now the newest
    known.remember("gw-c", carol)  # full: the oldest (bob's key) goes
    assert (known.get("gw-a"), known.get("gw-b"), known.get("gw-c")) == (alice, None, carol)
    assert "gw-a" not in repr(vars(known))
    known.forget("gw-a")
    assert known.get("gw-a") is None and len(known) == 1
