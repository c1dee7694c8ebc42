"""Several writers on one database keep the use log one linear chain."""

from __future__ import annotations

import multiprocessing
import threading
import time
from pathlib import Path
from typing import Any

import pytest
from store_helpers import BACKENDS, database_url

from gateway.core import UseRecord
from gateway.store import Store

ROWS_PER_WRITER = 200


def _write(url: str, writer: str, rows: int, start: Any) -> None:
    """One gateway process: its own Store (engine, pool) appending ``rows`` records."""
    store = Store(url)
    start.wait(timeout=60)  # both processes are up: now they really write at the same time
    for i in range(rows):
        store.record_use(UseRecord(request_id=f"{writer}-{i}", endpoint="/v1/messages",
                                   decision="forwarded", user=writer, latency_ms=float(i)))
        # Requests reach a gateway spread out, not back to back.  Without a pause, SQLite's
        # busy back-off (sleeps of up to 100 ms) can let one writer finish all its records
        # before the other gets in on a loaded machine, and the test would prove nothing.
        time.sleep(0.002)
    store.close()


@pytest.mark.parametrize("backend", BACKENDS)
def test_two_writer_processes_keep_the_chain_linear(backend: str, tmp_path: Path) -> None:
    with database_url(backend, tmp_path) as url:
        Store(url).upgrade()
        spawn = multiprocessing.get_context("spawn")
        start = spawn.Barrier(2)
        writers = [spawn.Process(target=_write, args=(url, f"p{n}", ROWS_PER_WRITER, start))
                   for n in range(2)]
        for process in writers:
            process.start()
        for process in writers:
            process.join(timeout=120)
        assert [p.exitcode for p in writers] == [0, 0]
        store = Store(url)
        ok, bad, message = store.verify_chain()
        assert (ok, bad) == (True, None), message
        rows = list(store.export())
        assert [r["id"] for r in rows] == list(range(1, 2 * ROWS_PER_WRITER + 1))
        users = [r["user"] for r in rows]
        assert users.count("p0") == users.count("p1") == ROWS_PER_WRITER
        switches = sum(a != b for a, b in zip(users, users[1:], strict=False))
        assert switches > 2, "the writers did not overlap, so the test proved nothing"
        store.close()


def test_threads_sharing_one_store(tmp_path: Path) -> None:
    with database_url("sqlite", tmp_path) as url:
        store = Store(url)
        store.upgrade()

        def write(name: str) -> None:
            for i in range(50):
                store.record_use(UseRecord(request_id=f"{name}-{i}", endpoint="/v1/embeddings",
                                           decision="forwarded"))

        threads = [threading.Thread(target=write, args=(f"t{n}",)) for n in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        ok, bad, message = store.verify_chain()
        assert (ok, bad) == (True, None) and message.startswith("OK: 200 records verified")
        store.close()
