"""The key lookup on kept connections (gateway.store.lookup): always current, self-healing, bounded."""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from pathlib import Path

import psycopg
import pytest
from store_helpers import BACKENDS, POSTGRES_URL, database_url

from gateway.store import Store
from gateway.store.lookup import MAX_KEPT, KeptQuery
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
        for connection in store._key_lookup._idle:
            connection.dbapi_connection.close()  # type: ignore[union-attr]
        return
    # The sessions whose last query was a key lookup: the kept ones.
    with psycopg.connect(POSTGRES_URL, autocommit=True) as admin:
        ended = admin.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE state = 'idle' "
                              "AND query LIKE 'SELECT api_keys.id, api_keys.key_hash%'").fetchall()
    assert ended


def test_a_broken_kept_connection_is_replaced_without_failing_the_request(url: str) -> None:
    store = Store(url)
    _, raw = store.create_key("carol")
    assert store.authenticate(raw) is not None
    _break_kept_connections(url, store)
    principal = store.authenticate(raw)
    assert principal is not None and principal.user == "carol"
    store.close()


def test_an_unreachable_database_raises() -> None:
    store = Store("postgresql://postgres@127.0.0.1:1/test?connect_timeout=2")
    with pytest.raises(Exception, match="connect|refused|Connection"):
        store.authenticate("gw-anything")
    store.close()


def test_concurrent_lookups_agree_and_keep_few_connections(url: str) -> None:
    store = Store(url)
    keys = [store.create_key(f"user{i}")[1] for i in range(6)]
    lookup = KeptQuery(store._engine, AUTHENTICATE)
    store.close()  # the query's connections are its own

    def user_of(i: int) -> str:
        from gateway import auth
        row = lookup.first({"digest": auth.hash_key(keys[i % 6])})
        return str(row.name)

    with ThreadPoolExecutor(16) as pool:
        users = list(pool.map(user_of, range(400)))
    assert users == [f"user{i % 6}" for i in range(400)]
    assert 1 <= len(lookup._idle) <= MAX_KEPT
    lookup.close()
    assert lookup._idle == []
