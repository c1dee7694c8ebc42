"""The use log: no content, hash chain verification against edits, deletions, insertions."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from store_helpers import BACKENDS, database_url, raw_engine

from gateway.core import Finding, UseRecord
from gateway.store import Store
from gateway.store import store as store_module
from gateway.store.chain import record_hash
from gateway.store.models import UseLog

SECRET_NAME = "Marieke Jansen-de Vries"


@pytest.fixture(params=BACKENDS)
def db(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[Store, sa.Engine]]:
    with database_url(request.param, tmp_path) as url:
        store = Store(url)
        store.upgrade()
        engine = raw_engine(url)
        yield store, engine
        engine.dispose()
        store.close()


def _record(i: int, user: str = "alice") -> UseRecord:
    finding = Finding(segment=0, start=4, end=27, entity_type="PERSON", score=0.85,
                      rule_id="person.ner", value=SECRET_NAME, language="nl")
    return UseRecord(
        request_id=f"req-{i}", endpoint="/v1/chat/completions", decision="forwarded", user=user,
        key_id="key_1", provider="openai", model="gpt-4o", counts={"PERSON": 1},
        findings=[finding.public()], upstream_status=200, prompt_tokens=10 + i,
        completion_tokens=5, latency_ms=12 + i, stream=bool(i % 2), language="nl")


def _fill(store: Store, n: int = 5) -> None:
    for i in range(n):
        store.record_use(_record(i))


def _sql(engine: sa.Engine, statement: str, **params: object) -> None:
    with engine.begin() as conn:
        conn.execute(sa.text(statement), params)


def test_intact_chain_verifies(db: tuple[Store, sa.Engine]) -> None:
    store, _ = db
    assert store.verify_chain()[0] is True  # empty
    _fill(store)
    ok, bad, message = store.verify_chain()
    assert (ok, bad) == (True, None) and message.startswith("OK: 5 records verified")
    assert message.endswith(list(store.export())[-1]["hash"])


def test_records_written_in_one_batch_chain_like_one_by_one(db: tuple[Store, sa.Engine]) -> None:
    """gateway.log_writer appends batches: one transaction, the same chain, the order kept."""
    store, _ = db
    store.record_use(_record(0))
    store.record_uses([_record(i) for i in range(1, 5)])
    store.record_uses([])
    store.record_use(_record(5))
    ok, bad, message = store.verify_chain()
    assert (ok, bad) == (True, None) and message.startswith("OK: 6 records verified")
    exported = list(store.export())
    assert [r["request_id"] for r in exported] == [f"req-{i}" for i in range(6)]
    assert [r["id"] for r in exported] == list(range(exported[0]["id"], exported[0]["id"] + 6))
    links = zip(exported, exported[1:], strict=False)
    assert all(later["prev_hash"] == earlier["hash"] for earlier, later in links)


def test_log_holds_no_values(db: tuple[Store, sa.Engine]) -> None:
    store, engine = db
    record = _record(0)
    record.findings.append({"type": "EMAIL_ADDRESS", "start": 0, "end": 5, "value": SECRET_NAME,
                            "text": SECRET_NAME})
    store.record_use(record)
    with engine.connect() as conn:
        rows = [repr(tuple(r)) for r in conn.execute(sa.text("SELECT * FROM use_log"))]
    assert len(rows) == 1 and SECRET_NAME not in rows[0] and "PERSON" in rows[0]
    assert store.usage_for("alice")[0]["findings"][1] == {"type": "EMAIL_ADDRESS", "start": 0, "end": 5}
    assert store.verify_chain()[0] is True


def test_edited_record_is_found(db: tuple[Store, sa.Engine]) -> None:
    store, engine = db
    _fill(store)
    _sql(engine, "UPDATE use_log SET decision = 'blocked' WHERE id = 3")
    ok, bad, message = store.verify_chain()
    assert (ok, bad) == (False, 3) and "altered" in message


def test_edit_with_recomputed_hash_breaks_the_next_link(db: tuple[Store, sa.Engine]) -> None:
    store, engine = db
    _fill(store)
    with sa.orm.Session(engine) as session, session.begin():
        row = session.get_one(UseLog, 2)
        row.model = "gpt-4.1"
        row.hash = record_hash(row)
    assert store.verify_chain()[:2] == (False, 3)


def test_deleted_record_is_found(db: tuple[Store, sa.Engine]) -> None:
    store, engine = db
    _fill(store)
    _sql(engine, "DELETE FROM use_log WHERE id = 2")
    ok, bad, message = store.verify_chain()
    assert (ok, bad) == (False, 3) and "missing" in message


def test_deleted_tail_is_found(db: tuple[Store, sa.Engine]) -> None:
    store, engine = db
    _fill(store)
    _sql(engine, "DELETE FROM use_log WHERE id >= 4")
    assert store.verify_chain()[:2] == (False, 4)


def test_deleted_front_without_purge_is_found(db: tuple[Store, sa.Engine]) -> None:
    store, engine = db
    _fill(store)
    _sql(engine, "DELETE FROM use_log WHERE id = 1")
    assert store.verify_chain()[:2] == (False, 2)
    # Moving the chain's start past the deleted record needs a purge record too.
    _sql(engine, "UPDATE chain_head SET anchor_id = 1, anchor_hash = "
                 "(SELECT prev_hash FROM use_log WHERE id = 2)")
    ok, bad, message = store.verify_chain()
    assert (ok, bad) == (False, 2) and "purge" in message


def _forge(engine: sa.Engine, after: int, prev_hash: str | None = None) -> None:
    """Insert a well-formed record with id ``after + 1`` (hash computed like the gateway does)."""
    with sa.orm.Session(engine) as session, session.begin():
        previous = session.get_one(UseLog, after)
        forged = UseLog(**{c.key: getattr(previous, c.key) for c in UseLog.__mapper__.column_attrs})
        forged.id, forged.request_id = after + 1, "forged"
        forged.prev_hash = prev_hash or previous.hash
        forged.hash = record_hash(forged)
        session.add(forged)


def test_inserted_record_is_found(db: tuple[Store, sa.Engine]) -> None:
    store, engine = db
    _fill(store)
    _forge(engine, after=5)  # correctly linked, but not in the chain head
    assert store.verify_chain()[:2] == (False, 6)


def test_inserted_record_with_wrong_link_is_found(db: tuple[Store, sa.Engine]) -> None:
    store, engine = db
    _fill(store, 3)
    _sql(engine, "DELETE FROM use_log WHERE id = 3")
    _forge(engine, after=2, prev_hash="f" * 64)  # replaces record 3
    ok, bad, message = store.verify_chain()
    assert (ok, bad) == (False, 3) and "does not follow" in message


def test_purge_keeps_the_chain_verifiable(db: tuple[Store, sa.Engine],
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    store, _ = db
    real_now = store_module._now
    monkeypatch.setattr(store_module, "_now", lambda: real_now() - timedelta(days=40))
    _fill(store, 3)
    monkeypatch.setattr(store_module, "_now", real_now)
    _fill(store, 2)
    assert store.purge(timedelta(days=30)) == 3
    ok, bad, message = store.verify_chain()
    assert ok and bad is None and "from record 4" in message
    exported = list(store.export())
    assert [r["id"] for r in exported] == [4, 5, 6]
    assert exported[-1]["decision"] == "purge"
    assert exported[-1]["counts"] == {"purged_records": 3, "purged_through_id": 3}
    _fill(store, 2)
    assert store.purge(timedelta(days=30)) == 0
    assert store.verify_chain()[0] is True


def test_purge_then_tamper_is_still_found(db: tuple[Store, sa.Engine]) -> None:
    store, engine = db
    _fill(store, 3)
    store.purge(timedelta(0))
    _fill(store, 2)
    _sql(engine, "DELETE FROM use_log WHERE id = 4")  # the purge record itself
    assert store.verify_chain()[0] is False


def test_usage_and_export(db: tuple[Store, sa.Engine]) -> None:
    store, _ = db
    _fill(store, 3)
    store.record_use(_record(9, user="bob"))
    mine = store.usage_for("alice")
    assert [r["request_id"] for r in mine] == ["req-2", "req-1", "req-0"]
    assert all(r["user"] == "alice" for r in mine)
    assert len(store.usage_for("alice", limit=2)) == 2
    assert len(list(store.export())) == 4
    assert list(store.export(since=datetime.now().astimezone() + timedelta(hours=1))) == []
