"""The statements of every request on kept connections (gateway.store.kept): the key lookup
always current, the use-log append all or nothing, both self-healing, the connections few."""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from pathlib import Path

import psycopg
import pytest
from store_helpers import BACKENDS, POSTGRES_URL, database_url

from gateway import auth
from gateway.core import UseRecord
from gateway.store import Store
from gateway.store.kept import MAX_KEPT, KeptConnections, Prepared
from gateway.store.store import AUTHENTICATE


@pytest.fixture(params=BACKENDS)
def url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    with database_url(request.param, tmp_path) as url:
        store = Store(url)
        store.upgrade()
        store.close()
        yield url


@pytest.fixture
def replicas(url: str) -> Iterator[tuple[Store, Store]]:
    """Two stores on one database, as two gateway replicas have."""
    first, second = Store(url), Store(url)
    yield first, second
    first.close()
    second.close()


def test_a_key_revoked_on_another_replica_is_refused_on_the_next_request(
        replicas: tuple[Store, Store]) -> None:
    gateway, console = replicas
    key_id, raw = console.create_key("alice", group="hr")
    assert gateway.authenticate(raw) is not None  # the lookup's connection is kept from now on
    console.suspend_user("alice")
    principal = gateway.authenticate(raw)
    assert principal is not None and principal.suspended
    console.reinstate_user("alice")
    console.revoke_key(key_id)
    assert gateway.authenticate(raw) is None


def test_values_come_back_as_core_gives_them(replicas: tuple[Store, Store]) -> None:
    gateway, console = replicas
    _, raw = console.create_key("bob")
    console.record_training("bob", date(2027, 3, 31))
    principal = gateway.authenticate(raw)
    assert principal is not None
    assert principal.trained_until == date(2027, 3, 31) and principal.suspended is False
    assert principal.group is None


def _break_kept_connections(url: str, store: Store) -> None:
    """What a database restart does to the connections a replica keeps."""
    if url.startswith("sqlite"):
        for connection in store._kept._idle:
            connection.dbapi_connection.close()  # type: ignore[union-attr]
        return
    # The sessions whose last statement was a key lookup or an append's commit: the kept ones.
    with psycopg.connect(POSTGRES_URL, autocommit=True) as admin:
        ended = admin.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE state = 'idle' "
                              "AND (query LIKE 'SELECT api_keys.id, api_keys.key_hash%' OR query = 'COMMIT')"
                              ).fetchall()
    assert ended


def test_a_broken_kept_connection_is_replaced_without_failing_the_request(url: str) -> None:
    store = Store(url)
    _, raw = store.create_key("carol")
    assert store.authenticate(raw) is not None
    store.record_use(_record(1))
    _break_kept_connections(url, store)
    principal = store.authenticate(raw)
    assert principal is not None and principal.user == "carol"
    _break_kept_connections(url, store)
    store.record_use(_record(2))
    assert [r["request_id"] for r in store.export()] == ["req_1", "req_2"]
    assert store.verify_chain()[0]
    store.close()


def _record(n: int) -> UseRecord:
    return UseRecord(request_id=f"req_{n}", endpoint="/v1/chat/completions", decision="forwarded",
                     counts={"PERSON": 1}, findings=[{"type": "PERSON", "start": 0, "end": 3}])


def test_an_append_that_fails_midway_leaves_nothing_behind(url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    store = Store(url)
    store.record_use(_record(1))

    def fail(values: object) -> object:
        raise RuntimeError("after the insert, before the head moves")

    monkeypatch.setattr(store._sql_move_head, "params", fail)
    with pytest.raises(RuntimeError):
        store.record_uses([_record(2), _record(3)])
    monkeypatch.undo()
    store.record_uses([_record(4)])  # the failed transaction holds no lock
    assert [r["request_id"] for r in store.export()] == ["req_1", "req_4"]
    assert store.verify_chain()[0]
    store.close()


def test_an_unreachable_database_raises() -> None:
    store = Store("postgresql://postgres@127.0.0.1:1/test?connect_timeout=2")
    with pytest.raises(Exception, match="connect|refused|Connection"):
        store.authenticate("gw-anything")
    store.close()


def test_concurrent_lookups_agree_and_keep_few_connections(url: str) -> None:
    store = Store(url)
    keys = [store.create_key(f"user{i}")[1] for i in range(6)]
    kept = KeptConnections(store._engine)
    lookup = Prepared(AUTHENTICATE, store._engine.dialect)

    def user_of(i: int) -> str:
        row = kept.first(lookup, {"digest": auth.hash_key(keys[i % 6])})
        return str(row.name)

    with ThreadPoolExecutor(16) as pool:
        users = list(pool.map(user_of, range(400)))
    assert users == [f"user{i % 6}" for i in range(400)]
    assert 1 <= len(kept._idle) <= MAX_KEPT
    kept.close()
    assert kept._idle == []
    store.close()
