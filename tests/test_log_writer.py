"""The use-log writer (gateway/log_writer.py): records of answers already sent, written in
batches by a thread of their own, in order; failures reported on the event loop."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Iterator

import openai
import pytest
from conftest import KEY, PROVIDER_KEY, PROVIDER_KEY_ENV, MemoryStore, rules_for
from fakeprovider import FakeProvider, ServerThread, build_app

from gateway.app import create_app
from gateway.core import Principal, UseRecord
from gateway.log_writer import UseLogWriter
from gateway.pipeline import core_engine


class SlowStore:
    """A store whose first write waits until the test lets it go, recording every batch."""

    def __init__(self) -> None:
        self.batches: list[list[str]] = []
        self.writing = threading.Event()
        self.release = threading.Event()
        self.fail = False

    def record_uses(self, records: list[UseRecord]) -> None:
        if not self.batches:
            self.writing.set()
            assert self.release.wait(10)
        if self.fail:
            raise ConnectionError("database down")
        self.batches.append([r.request_id for r in records])


def record(n: int) -> UseRecord:
    return UseRecord(request_id=f"req-{n}", endpoint="/v1/chat/completions", decision="forwarded")


async def wait_for(condition: object, timeout_s: float = 10.0) -> None:
    deadline = asyncio.get_running_loop().time() + timeout_s
    while not condition():  # type: ignore[operator]
        assert asyncio.get_running_loop().time() < deadline, "timed out"
        await asyncio.sleep(0.005)


def test_records_that_queue_up_during_a_write_share_the_next_one() -> None:
    async def scenario() -> SlowStore:
        store = SlowStore()
        writer = UseLogWriter(store, lambda exc: None)
        writer.submit(record(0))
        await asyncio.to_thread(store.writing.wait, 10)  # the first write is under way
        for n in range(1, 6):
            writer.submit(record(n))
        assert writer.pending == 6
        store.release.set()
        await wait_for(lambda: writer.pending == 0)
        writer.close()
        return store

    store = asyncio.run(scenario())
    assert store.batches == [["req-0"], [f"req-{n}" for n in range(1, 6)]]


def test_a_failed_write_is_reported_on_the_loop_and_the_writer_goes_on() -> None:
    async def scenario() -> tuple[list[tuple[str, bool]], SlowStore]:
        store = SlowStore()
        store.release.set()
        store.fail = True
        loop_thread = threading.get_ident()
        reported: list[tuple[str, bool]] = []
        writer = UseLogWriter(store, lambda exc: reported.append((type(exc).__name__,
                                                                   threading.get_ident() == loop_thread)))
        writer.submit(record(0))
        await wait_for(lambda: reported)
        assert writer.pending == 0
        store.fail = False
        writer.submit(record(1))
        await wait_for(lambda: writer.pending == 0)
        writer.close()
        return reported, store

    reported, store = asyncio.run(scenario())
    assert reported == [("ConnectionError", True)]  # once, on the loop's thread
    assert store.batches == [["req-1"]]


def test_close_writes_what_is_queued() -> None:
    async def scenario() -> SlowStore:
        store = SlowStore()
        writer = UseLogWriter(store, lambda exc: None)
        writer.submit(record(0))
        await asyncio.to_thread(store.writing.wait, 10)
        for n in range(1, 4):
            writer.submit(record(n))
        store.release.set()
        await asyncio.to_thread(writer.close)
        assert writer.pending == 0
        return store

    store = asyncio.run(scenario())
    assert [n for batch in store.batches for n in batch] == [f"req-{n}" for n in range(4)]


@pytest.mark.parametrize("records", [1, 250])
def test_batches_are_bounded_and_keep_the_order(records: int) -> None:
    async def scenario() -> SlowStore:
        store = SlowStore()
        store.release.set()
        writer = UseLogWriter(store, lambda exc: None)
        for n in range(records):
            writer.submit(record(n))
        await asyncio.to_thread(writer.close)
        return store

    store = asyncio.run(scenario())
    assert [n for batch in store.batches for n in batch] == [f"req-{n}" for n in range(records)]
    assert all(len(batch) <= 200 for batch in store.batches)


class SlowMemoryStore(MemoryStore):
    """The test store, taking its time over every write."""

    def record_uses(self, records: list[UseRecord]) -> None:
        time.sleep(0.3)
        super().record_uses(records)


def test_a_stopping_gateway_writes_the_records_still_queued(provider_url: str) -> None:
    """Shut down right after an answer: the server stops only once its record is written."""
    store = SlowMemoryStore()
    store.principals = {KEY: Principal(user="alice", key_id="key_alice", group="staff")}
    with ServerThread(create_app(rules_for(provider_url), store, core_engine())) as gateway:
        client = openai.OpenAI(base_url=gateway.url + "/v1", api_key=KEY, max_retries=0, timeout=10)
        client.chat.completions.create(model="echo-1", messages=[{"role": "user", "content": "hello"}])
        assert store.written == []  # still being written when the server is told to stop
    assert [r.decision for r in store.written] == ["forwarded"]


@pytest.fixture
def provider_url(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    monkeypatch.setenv(PROVIDER_KEY_ENV, PROVIDER_KEY)
    with ServerThread(build_app(FakeProvider())) as upstream:
        yield upstream.url
