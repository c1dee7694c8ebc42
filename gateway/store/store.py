"""The gateway's database: users, keys and the use log (SQLite or PostgreSQL).

The API is synchronous and thread-safe: the app calls it from worker threads, and
every method opens its own short transaction.  Appends to the use log are serialised
by locking the chain-head row (PostgreSQL: ``SELECT ... FOR UPDATE``; SQLite:
``BEGIN IMMEDIATE``), so several gateway processes sharing one database keep one
linear chain.
"""

from __future__ import annotations

import dataclasses
import hmac
import json
import os
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from types import SimpleNamespace
from typing import Any, cast

from sqlalchemy import Engine, Table, bindparam, create_engine, delete, event, func, insert, select, update
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from gateway import auth
from gateway.core import Finding, Principal, UseRecord
from gateway.store import chain
from gateway.store.kept import KeptConnections, Prepared
from gateway.store.migrate import upgrade
from gateway.store.models import ApiKey, ChainHead, UseLog, User

DATABASE_ENV = "GATEWAY_DATABASE_URL"
DEFAULT_DATABASE_URL = "sqlite:///./gateway.db"
CHAIN_HEAD_ID = 1
PURGE_DECISION = "purge"
# Only these keys of a finding reach the log: what Finding.public() produces (never a value).
FINDING_KEYS = frozenset(Finding(0, 0, 0, "", 0.0, "", "").public())
# The chain head, locked by every append (PostgreSQL: FOR UPDATE; SQLite: BEGIN IMMEDIATE).
LOCK_HEAD = (select(ChainHead.last_id, ChainHead.last_hash)
             .where(ChainHead.id == CHAIN_HEAD_ID).with_for_update())
# A log row's attribute (``user``) -> its table column (``user_name``), for Core inserts.
COLUMN_OF = {prop.key: prop.columns[0].key for prop in UseLog.__mapper__.column_attrs}
INSERT_LOG = insert(cast(Table, UseLog.__table__))
MOVE_HEAD = (update(ChainHead).where(ChainHead.id == CHAIN_HEAD_ID)
             .values(last_id=bindparam("new_last_id"), last_hash=bindparam("new_last_hash")))
# The key lookup of every request (Store.authenticate).
AUTHENTICATE = (select(ApiKey.id, ApiKey.key_hash, ApiKey.revoked_at, User.name,
                       User.group.label("group_name"), User.suspended, User.training_until)
                .join(User, ApiKey.user_id == User.id).where(ApiKey.key_hash == bindparam("digest")))


@dataclass(frozen=True)
class KeyInfo:
    """A key as IT sees it in a listing: never the key or its hash."""

    key_id: str
    user: str
    group: str | None
    prefix: str
    created_at: datetime
    revoked_at: datetime | None
    user_suspended: bool


def normalise_url(url: str) -> str:
    """Map plain ``postgresql://`` (and ``postgres://``) URLs to the psycopg 3 driver."""
    for scheme in ("postgresql://", "postgres://"):
        if url.startswith(scheme):
            return "postgresql+psycopg://" + url[len(scheme):]
    return url


def _now() -> datetime:
    return datetime.now(UTC)


def _aware(moment: datetime) -> datetime:
    """SQLite gives back naive datetimes; every time the store writes is UTC."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _sqlite_engine(url: str) -> Engine:
    """SQLite with real transactions: pysqlite's own BEGIN handling is switched off so
    that a writer can take the database lock up front with ``BEGIN IMMEDIATE``."""
    engine = create_engine(url, connect_args={"timeout": 30})

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        dbapi_connection.execute("PRAGMA journal_mode=WAL")
        # In WAL mode NORMAL cannot corrupt the database; it only lets a power cut undo the
        # last commits. That saves an fsync per request on the embedded default; production
        # uses PostgreSQL, whose own durability settings apply.
        dbapi_connection.execute("PRAGMA synchronous=NORMAL")
        dbapi_connection.execute("PRAGMA foreign_keys=ON")

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        immediate = conn.get_execution_options().get("sqlite_immediate", False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")

    return engine


class Store:
    """Users, keys and the use log behind one SQLAlchemy engine."""

    def __init__(self, database_url: str) -> None:
        url = normalise_url(database_url)
        self.dialect = make_url(url).get_backend_name()
        if self.dialect == "sqlite":
            self._engine = _sqlite_engine(url)
        else:
            self._engine = create_engine(url, pool_pre_ping=True)
        # Transactions that write take the database's write lock up front (SQLite: BEGIN
        # IMMEDIATE); made once, as every request's log append uses it.
        self._writing = self._engine.execution_options(sqlite_immediate=True)
        self._session = sessionmaker(self._engine, expire_on_commit=False)
        self._writer = sessionmaker(self._writing, expire_on_commit=False)
        # The statements of every request, on connections kept for them (gateway.store.kept).
        self._kept = KeptConnections(self._engine)
        dialect = self._engine.dialect
        self._sql_authenticate, self._sql_lock_head, self._sql_insert_log, self._sql_move_head = (
            Prepared(statement, dialect) for statement in (AUTHENTICATE, LOCK_HEAD, INSERT_LOG, MOVE_HEAD))
        # Appends take the database's write lock up front (SQLite; PostgreSQL locks the head row).
        self._begin_write = "BEGIN IMMEDIATE" if self.dialect == "sqlite" else "BEGIN"

    @classmethod
    def from_env(cls) -> Store:
        return cls(os.environ.get(DATABASE_ENV, DEFAULT_DATABASE_URL))

    def upgrade(self) -> None:
        """Apply the Alembic migrations (safe when several processes start at once)."""
        with self._writing.begin() as conn:
            upgrade(conn)

    def close(self) -> None:
        self._kept.close()
        self._engine.dispose()

    def ping(self) -> None:
        """Raise unless a use-log record could be written now (for ``/healthz``).

        Takes the chain-head lock exactly as an append does and rolls back, so the probe
        covers the connection, the tables and the write lock without adding a record.
        """
        with self._writer() as session:  # closing the session rolls the transaction back
            self._lock_head(session)

    def sessions(self) -> tuple[sessionmaker[Session], sessionmaker[Session]]:
        """(reader, writer) session factories, for modules that keep tables of their own
        in this database (:mod:`gateway.store.console`)."""
        return self._session, self._writer

    # -- users and keys ---------------------------------------------------------------

    def create_key(self, user: str, group: str | None = None) -> tuple[str, str]:
        """Create a key for ``user`` (created on first key); returns (key_id, raw key).

        The raw key is returned once and never stored.  A given ``group`` replaces the
        user's group.
        """
        raw = auth.new_key()
        with self._writer.begin() as session:
            owner = self._user(session, user) or User(name=user, created_at=_now())
            if group is not None:
                owner.group = group
            session.add(owner)
            key = ApiKey(id=auth.new_key_id(), user=owner, key_hash=auth.hash_key(raw),
                         prefix=auth.display_prefix(raw), created_at=_now())
            session.add(key)
        return key.id, raw

    def list_keys(self) -> list[KeyInfo]:
        query = select(ApiKey, User).join(User).order_by(User.name, ApiKey.created_at)
        with self._session() as session:
            return [KeyInfo(key.id, user.name, user.group, key.prefix, _aware(key.created_at),
                            key.revoked_at and _aware(key.revoked_at), user.suspended)
                    for key, user in session.execute(query)]

    def revoke_key(self, key_id: str) -> bool:
        """Revoke a key at once; False when there is no such active key."""
        with self._writer.begin() as session:
            key = session.get(ApiKey, key_id)
            if key is None or key.revoked_at is not None:
                return False
            key.revoked_at = _now()
        return True

    def authenticate(self, raw_key: str) -> Principal | None:
        """The principal behind a key, or None for an unknown or revoked key.

        A suspended user still authenticates (``suspended=True``) so that the caller can
        answer "suspended" rather than "bad key".
        """
        digest = auth.hash_key(raw_key)
        # Every request runs this: one SELECT on connections kept for it, a tenth of what
        # a pooled Connection costs (gateway.store.kept).
        found = self._kept.first(self._sql_authenticate, {"digest": digest})
        if found is None:
            return None
        # The index lookup already matched; the constant-time compare keeps the final
        # check free of timing differences whatever the database does.
        if not hmac.compare_digest(found.key_hash, digest) or found.revoked_at is not None:
            return None
        return Principal(user=found.name, key_id=found.id, group=found.group_name, suspended=found.suspended,
                         trained_until=found.training_until)

    def record_training(self, name: str, until: date) -> bool:
        """Record a user's AI-literacy training, valid through ``until``; False: no such user."""
        return self._update_user(name, training_until=until)

    def suspend_user(self, name: str) -> bool:
        return self._update_user(name, suspended=True)

    def reinstate_user(self, name: str) -> bool:
        return self._update_user(name, suspended=False)

    def _update_user(self, name: str, **columns: Any) -> bool:
        """Set columns of one user; False when there is no such user."""
        with self._writer.begin() as session:
            user = self._user(session, name)
            if user is None:
                return False
            for column, value in columns.items():
                setattr(user, column, value)
        return True

    @staticmethod
    def _user(session: Session, name: str) -> User | None:
        return session.scalars(select(User).where(User.name == name)).first()

    # -- the use log -----------------------------------------------------------------

    def record_use(self, record: UseRecord) -> None:
        """Append one record to the chained use log."""
        self.record_uses([record])

    def record_uses(self, records: list[UseRecord]) -> None:
        """Append records, in order, to the chained use log in one transaction.

        Every request writes one, so the statements (lock the head, insert, move the head)
        run on a kept connection (gateway.store.kept) rather than through a session or a
        pooled Connection, which cost several times as much CPU for the same statements.
        Records written together share the head's lock hold and the commit
        (gateway.log_writer).
        """
        if not records:
            return
        with self._kept.transaction(self._begin_write) as cursor:
            self._sql_lock_head.execute(cursor, {})
            head = self._sql_lock_head.row(cursor.fetchone())
            if head is None:
                raise RuntimeError("the use log has no chain head: run the migrations")
            last_id, last_hash = head.last_id, head.last_hash
            rows = []
            for record in records:
                row = _chained_row(last_id, last_hash, record)
                rows.append({COLUMN_OF[name]: value for name, value in row.items()})
                last_id, last_hash = row["id"], row["hash"]
            self._sql_insert_log.executemany(cursor, rows)
            self._sql_move_head.execute(cursor, {"new_last_id": last_id, "new_last_hash": last_hash})

    def _lock_head(self, session: Session) -> ChainHead:
        query = select(ChainHead).where(ChainHead.id == CHAIN_HEAD_ID).with_for_update()
        return session.scalars(query).one()

    @staticmethod
    def _append(session: Session, head: ChainHead, record: UseRecord) -> None:
        row = UseLog(**_chained_row(head.last_id, head.last_hash, record))
        session.add(row)
        head.last_id, head.last_hash = row.id, row.hash

    def verify_chain(self) -> tuple[bool, int | None, str]:
        """Check the whole chain: (ok, id of the first bad record or None, message)."""
        options = {"isolation_level": "REPEATABLE READ"} if self.dialect == "postgresql" else {}
        with self._engine.connect().execution_options(**options) as conn, Session(conn) as session:
            head = session.get_one(ChainHead, CHAIN_HEAD_ID)
            purge = session.scalars(select(UseLog).where(UseLog.decision == PURGE_DECISION)
                                    .order_by(UseLog.id.desc()).limit(1)).first()
            through = purge.counts.get("purged_through_id") if purge else None
            rows = session.scalars(select(UseLog).order_by(UseLog.id).execution_options(yield_per=1000))
            return chain.verify(head, rows, through).as_tuple()

    def purge(self, older_than: timedelta) -> int:
        """Delete records older than ``older_than`` and record the purge in the chain.

        The hash of the last deleted record becomes the chain's anchor, so the records
        that remain still verify.  Returns the number of records deleted.
        """
        with self._writer.begin() as session:
            head = self._lock_head(session)
            cutoff = _now() - older_than
            through = session.scalar(select(func.max(UseLog.id)).where(UseLog.time < cutoff))
            deleted = 0
            if through is not None and through > head.anchor_id:
                anchor = session.get_one(UseLog, through)
                head.anchor_id, head.anchor_hash = anchor.id, anchor.hash
                deleted = session.connection().execute(delete(UseLog).where(UseLog.id <= through)).rowcount
            self._append(session, head, UseRecord(
                request_id="purge-" + cutoff.strftime("%Y%m%dT%H%M%S"), endpoint="gateway log purge",
                decision=PURGE_DECISION, reason_code="retention",
                counts={"purged_records": deleted, "purged_through_id": head.anchor_id}))
        return deleted

    def usage_for(self, user: str, limit: int = 100) -> list[dict[str, Any]]:
        """A user's own records, newest first (for ``GET /v1/me/usage``)."""
        query = select(UseLog).where(UseLog.user == user).order_by(UseLog.id.desc()).limit(limit)
        with self._session() as session:
            return [as_dict(row) for row in session.scalars(query)]

    def export(self, since: datetime | None = None) -> Iterator[dict[str, Any]]:
        """Every record since ``since`` in chain order, hashes included (for audits)."""
        query = select(UseLog).order_by(UseLog.id).execution_options(yield_per=1000)
        if since is not None:  # in UTC: SQLite compares the stored times as text
            query = query.where(UseLog.time >= since.astimezone(UTC))
        with self._session() as session:
            for row in session.scalars(query):
                yield as_dict(row)


def _chained_row(last_id: int, last_hash: str, record: UseRecord) -> dict[str, Any]:
    """The attributes of the log row that follows ``last_id``, its hash included.

    A plain dict, not a ``UseLog``: the append of every request inserts it with Core, and
    an ORM instance would cost more to build than the insert itself.
    """
    row: dict[str, Any] = dict.fromkeys(COLUMN_OF)
    row.update(id=last_id + 1, time=_now(), prev_hash=last_hash, **_loggable(record))
    row["hash"] = chain.record_hash(SimpleNamespace(**row))
    return row


def _loggable(record: UseRecord) -> dict[str, Any]:
    """The record's fields in exactly the form the database gives back, so that the hash
    computed now matches the one recomputed from the stored row; findings are cut down
    to their public keys."""
    # A shallow copy: asdict() would deep-copy the findings that the JSON round trip below copies anyway.
    fields = {f.name: getattr(record, f.name) for f in dataclasses.fields(record)}
    findings = [{k: v for k, v in f.items() if k in FINDING_KEYS} for f in record.findings]
    fields["findings"] = json.loads(json.dumps(findings))
    fields["counts"] = json.loads(json.dumps(record.counts))
    if record.latency_ms is not None:
        fields["latency_ms"] = float(record.latency_ms)
    return fields


def as_dict(row: UseLog) -> dict[str, Any]:
    out = {name: getattr(row, name) for name in (*chain.HASHED_FIELDS, "hash")}
    out["time"] = chain.utc_iso(row.time)
    return out
