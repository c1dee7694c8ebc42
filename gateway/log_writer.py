"""Stage 'log' for answers already sent: one thread of its own writes their use records in batches.

Every record is appended to the hash chain, and the chain has one head: a transaction
that appends holds the head's row lock until it commits (an fsync on PostgreSQL), so
every replica's writes queue behind it.  Written one per transaction, the log caps the
whole deployment at one commit per request; written in batches, the records that came
in while the last batch committed share the next lock hold and commit
(:meth:`gateway.store.Store.record_uses`).

The event loop hands a record over without waiting and without a thread trip back: the
pipeline does not need the outcome of a record whose answer has already left.  A batch
that fails is reported to the health monitor (new requests get 503 until the store
works again, as for any stage) and its records are lost, which is logged, with their
count only.  Refusals are still logged before they are answered, by the pipeline itself:
their 503-if-unlogged is part of the answer.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import queue
import threading
from collections.abc import Callable
from typing import Protocol

from gateway.core import UseRecord

# Records written in one transaction at most (a batch is what queued up meanwhile).
MAX_BATCH = 200

log = logging.getLogger(__name__)


class BatchStore(Protocol):
    def record_uses(self, records: list[UseRecord]) -> None: ...


class UseLogWriter:
    """Writes submitted records in the order they came, from a daemon thread started on first use."""

    def __init__(self, store: BatchStore, on_failure: Callable[[BaseException], None]) -> None:
        self._store = store
        self._on_failure = on_failure  # called on the submitters' event loop
        self._loop: asyncio.AbstractEventLoop | None = None
        self._queue: queue.SimpleQueue[UseRecord | None] = queue.SimpleQueue()
        self._lock = threading.Lock()
        self._pending = 0  # submitted, not yet written (or failed)
        self._thread: threading.Thread | None = None

    @property
    def pending(self) -> int:
        return self._pending

    def submit(self, record: UseRecord) -> None:
        """Queue one record; never blocks.  Called on the event loop."""
        with self._lock:
            self._pending += 1
            if self._thread is None:
                self._loop = asyncio.get_running_loop()
                self._thread = threading.Thread(target=self._run, name="use-log-writer", daemon=True)
                self._thread.start()
        self._queue.put(record)

    def close(self, timeout_s: float = 30.0) -> None:
        """Write what is queued, then stop the thread (at shutdown; blocks, so not on the loop)."""
        with self._lock:
            thread, self._thread = self._thread, None
        if thread is not None:
            self._queue.put(None)
            thread.join(timeout_s)

    def _run(self) -> None:
        while True:
            first = self._queue.get()
            if first is None:
                return
            batch = [first]
            stop = False
            while len(batch) < MAX_BATCH:
                try:
                    more = self._queue.get_nowait()
                except queue.Empty:
                    break
                if more is None:
                    stop = True
                    break
                batch.append(more)
            self._write(batch)
            if stop:
                return

    def _write(self, batch: list[UseRecord]) -> None:
        try:
            self._store.record_uses(batch)
        except Exception as exc:  # noqa: BLE001 - any store failure: report it, keep the thread alive
            log.error("use log failed: %d record(s) of answers already sent were not written (%s)",
                      len(batch), type(exc).__name__)
            self._report(exc)
        finally:
            with self._lock:
                self._pending -= len(batch)

    def _report(self, exc: BaseException) -> None:
        """Tell ``on_failure`` on the loop (the health monitor is not thread-safe)."""
        if self._loop is None:
            return
        with contextlib.suppress(RuntimeError):  # the loop is closed: nobody left to tell
            self._loop.call_soon_threadsafe(self._on_failure, exc)
