"""Gateway keys and users: hashed storage, constant-time check, revoke, suspend."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from store_helpers import BACKENDS, database_url, raw_engine

from gateway.store import Store
from gateway.store import store as store_module


@pytest.fixture(params=BACKENDS)
def db(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[Store, str]]:
    with database_url(request.param, tmp_path) as url:
        store = Store(url)
        store.upgrade()
        yield store, url
        store.close()


def _all_cells(url: str) -> str:
    """Every value in every table, as one string."""
    engine = raw_engine(url)
    with engine.connect() as conn:
        cells = [repr(tuple(row)) for table in ("users", "api_keys", "use_log", "chain_head")
                 for row in conn.execute(sa.text(f"SELECT * FROM {table}"))]
    engine.dispose()
    return "\n".join(cells)


def test_key_authenticates_its_user(db: tuple[Store, str]) -> None:
    store, _ = db
    key_id, raw = store.create_key("alice", group="hr")
    principal = store.authenticate(raw)
    assert principal is not None
    assert (principal.user, principal.key_id, principal.group, principal.suspended) == (
        "alice", key_id, "hr", False)
    assert raw.startswith("gw-") and len(raw) > 40


def test_unknown_or_altered_key_is_refused(db: tuple[Store, str]) -> None:
    store, _ = db
    _, raw = store.create_key("alice")
    assert store.authenticate(raw[:-1] + ("A" if raw[-1] != "A" else "B")) is None
    assert store.authenticate("gw-nonsense") is None
    assert store.authenticate("") is None


def test_raw_key_is_stored_nowhere(db: tuple[Store, str], tmp_path: Path) -> None:
    store, url = db
    _, raw = store.create_key("alice")
    store.authenticate(raw)
    cells = _all_cells(url)
    assert raw not in cells and raw[8:] not in cells
    assert store_module.auth.hash_key(raw) in cells
    store.close()
    for path in tmp_path.glob("gateway.db*"):  # SQLite only: the file and its WAL
        assert raw.encode() not in path.read_bytes()


def test_hash_is_checked_in_constant_time(db: tuple[Store, str], monkeypatch: pytest.MonkeyPatch) -> None:
    store, _ = db
    _, raw = store.create_key("alice")
    calls: list[tuple[str, str]] = []
    real = store_module.hmac.compare_digest

    def spy(a: str, b: str) -> bool:
        calls.append((a, b))
        return real(a, b)

    monkeypatch.setattr(store_module.hmac, "compare_digest", spy)
    assert store.authenticate(raw) is not None
    assert calls == [(store_module.auth.hash_key(raw),) * 2]


def test_revoked_key_is_refused_and_listed_without_secrets(db: tuple[Store, str]) -> None:
    store, _ = db
    key_id, raw = store.create_key("alice")
    other_id, other = store.create_key("alice")
    assert store.revoke_key(key_id) is True
    assert store.revoke_key(key_id) is False
    assert store.revoke_key("key_unknown") is False
    assert store.authenticate(raw) is None
    assert store.authenticate(other) is not None
    listed = {k.key_id: k for k in store.list_keys()}
    assert listed[key_id].revoked_at is not None and listed[other_id].revoked_at is None
    assert listed[key_id].prefix == raw[:7]
    assert all(raw not in repr(k) and other not in repr(k) for k in listed.values())


def test_suspend_and_reinstate_without_touching_keys(db: tuple[Store, str]) -> None:
    store, _ = db
    _, raw = store.create_key("bob", group="sales")
    assert store.suspend_user("bob") is True
    principal = store.authenticate(raw)
    assert principal is not None and principal.suspended is True
    assert store.reinstate_user("bob") is True
    principal = store.authenticate(raw)
    assert principal is not None and principal.suspended is False
    assert store.suspend_user("nobody") is False
    assert store.reinstate_user("nobody") is False


def test_user_is_created_once_and_group_updated(db: tuple[Store, str]) -> None:
    store, _ = db
    store.create_key("carol", group="hr")
    _, raw = store.create_key("carol")  # no group given: keeps hr
    principal = store.authenticate(raw)
    assert principal is not None and principal.group == "hr"
    _, raw = store.create_key("carol", group="legal")
    principal = store.authenticate(raw)
    assert principal is not None and principal.group == "legal"
    assert {k.user for k in store.list_keys()} == {"carol"}


def test_upgrade_is_idempotent(db: tuple[Store, str]) -> None:
    store, _ = db
    store.upgrade()
    _, raw = store.create_key("dave")
    store.upgrade()
    assert store.authenticate(raw) is not None


def test_postgres_urls_use_psycopg3() -> None:
    assert store_module.normalise_url("postgresql://u@h/db") == "postgresql+psycopg://u@h/db"
    assert store_module.normalise_url("postgres://u@h/db") == "postgresql+psycopg://u@h/db"
    assert store_module.normalise_url("sqlite:///x.db") == "sqlite:///x.db"
