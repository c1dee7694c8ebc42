"""The statements of every request, run on DBAPI connections kept for them.

Every proxied request reads its key from the store (a key revoked or a user suspended a
moment ago, on any replica, is refused at once) and appends one record to the use log.
Through SQLAlchemy, each is a pool checkout (on PostgreSQL a ping round trip), ``BEGIN``,
the statements, ``COMMIT`` or ``ROLLBACK``, and Core's per-execution work: measured inside
the gateway on a 2-core machine, 0.25 ms for the key lookup and 0.6 ms of CPU for a
one-record append, where the statements themselves take microseconds (the code paths are
long, and between two requests they drop out of the CPU's caches).

:class:`KeptConnections` holds a few of the engine's connections, out of its pool, in
autocommit mode: a read is its own transaction and sees every commit made before it (so
nothing is cached and nothing is stale), and a write opens its transaction explicitly.
:class:`Prepared` is a Core statement compiled once for the engine's dialect; values go in
and come out through the column types' own bind and result processors, so what is
stored and read back is exactly what Core would store and read.
"""

from __future__ import annotations

import threading
from collections import namedtuple
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any, cast

from sqlalchemy import Engine
from sqlalchemy.engine.interfaces import DBAPIConnection, DBAPICursor, Dialect
from sqlalchemy.pool import PoolProxiedConnection
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.expression import ClauseElement, SelectBase

# Idle connections kept; statements running at the same moment beyond these open (and
# close) one of their own.  Few, so that replicas x workers stay well within the
# database's connection limit.
MAX_KEPT = 4

Converter = Callable[[Any], Any]


class Prepared:
    """A Core statement compiled once for a dialect: its SQL, and how values go in and out."""

    def __init__(self, statement: ClauseElement, dialect: Dialect) -> None:
        compiled = cast(SQLCompiler, statement.compile(dialect=dialect))
        self.sql = str(compiled)
        self._order = compiled.positiontup  # parameter names in order (qmark style), else None
        # Values bound in the statement itself (``ChainHead.id == 1``).
        names = compiled.bind_names  # parameter -> its name in the SQL
        self._given = {name: bind.value for bind, name in names.items() if not bind.required}
        self._bind: list[tuple[str, Converter]] = [
            (name, processor) for bind, name in names.items()
            if (processor := bind.type.dialect_impl(dialect).bind_processor(dialect))
        ]
        columns = list(statement.selected_columns) if isinstance(statement, SelectBase) else []
        self._row = namedtuple("_Row", [column.key for column in columns])  # type: ignore[misc]
        self._result: list[tuple[int, Converter]] = [
            (i, processor) for i, column in enumerate(columns)
            if (processor := column.type.dialect_impl(dialect).result_processor(dialect, None))
        ]

    def params(self, values: Mapping[str, Any]) -> Any:
        """The DBAPI parameters for ``values`` (by parameter name), converted for the database."""
        converted = {**self._given, **values}
        for name, convert in self._bind:
            converted[name] = convert(converted[name])
        return tuple(converted[name] for name in self._order) if self._order else converted

    def execute(self, cursor: DBAPICursor, values: Mapping[str, Any]) -> None:
        cursor.execute(self.sql, self.params(values))

    def executemany(self, cursor: DBAPICursor, rows: Sequence[Mapping[str, Any]]) -> None:
        cursor.executemany(self.sql, [self.params(values) for values in rows])

    def row(self, raw: Any) -> Any | None:
        """A named tuple of the selected columns from a DBAPI row (None stays None)."""
        if raw is None:
            return None
        values = list(raw)
        for i, convert in self._result:
            values[i] = convert(values[i])
        return self._row(*values)


class KeptConnections:
    """A few connections of an engine, out of its pool, in autocommit mode; thread-safe.

    A kept connection that fails the first statement it is given (the database restarted
    meanwhile) is dropped and the statement runs once more on a new connection: nothing
    had run on it.  A failure after that is raised, and the connection dropped.
    """

    def __init__(self, engine: Engine, max_kept: int = MAX_KEPT) -> None:
        self._engine = engine
        self._max_kept = max_kept
        self._idle: list[PoolProxiedConnection] = []
        self._lock = threading.Lock()

    def first(self, statement: Prepared, values: Mapping[str, Any]) -> Any | None:
        """The first row of a read, or None."""
        with self._cursor(statement.sql, statement.params(values)) as cursor:
            return statement.row(cursor.fetchone())

    @contextmanager
    def transaction(self, begin: str = "BEGIN") -> Iterator[DBAPICursor]:
        """A cursor inside a transaction opened by ``begin`` (SQLite: ``BEGIN IMMEDIATE`` to
        take the write lock first), committed when the block ends, rolled back (by dropping
        the connection) if it raises."""
        with self._cursor(begin, None) as cursor:
            yield cursor
            cursor.execute("COMMIT")

    @contextmanager
    def _cursor(self, sql: str, params: Any) -> Iterator[DBAPICursor]:
        """A cursor that has run ``sql``; its connection is kept again when the block ends,
        and dropped if the block raises."""
        connection, cursor = self._started(sql, params)
        with self._dropped_on_error(connection):
            try:
                yield cursor
            finally:
                cursor.close()
        self._keep(connection)

    def close(self) -> None:
        with self._lock:
            idle, self._idle = self._idle, []
        for connection in idle:
            connection.close()

    def _started(self, sql: str, params: Any) -> tuple[PoolProxiedConnection, DBAPICursor]:
        """A connection and a cursor that has run ``sql``: on a kept connection if one is
        idle and works, else on a new one."""
        with self._lock:
            kept = self._idle.pop() if self._idle else None
        if kept is not None:
            try:
                return kept, self._execute(kept, sql, params)
            except self._engine.dialect.loaded_dbapi.Error:
                kept.close()
        fresh = self._open()
        with self._dropped_on_error(fresh):
            return fresh, self._execute(fresh, sql, params)

    @staticmethod
    def _execute(connection: PoolProxiedConnection, sql: str, params: Any) -> DBAPICursor:
        cursor = connection.cursor()
        try:
            cursor.execute(sql, params) if params is not None else cursor.execute(sql)
        except BaseException:
            cursor.close()
            raise
        return cursor

    @staticmethod
    @contextmanager
    def _dropped_on_error(connection: PoolProxiedConnection) -> Iterator[None]:
        """Close ``connection`` if the block raises: it may be broken, or in a transaction
        that closing rolls back."""
        try:
            yield
        except BaseException:
            connection.close()
            raise

    def _keep(self, connection: PoolProxiedConnection) -> None:
        with self._lock:
            if len(self._idle) < self._max_kept:
                self._idle.append(connection)
                return
        connection.close()

    def _open(self) -> PoolProxiedConnection:
        """A new connection of the engine (its connect hooks run), out of its pool, in
        autocommit mode."""
        connection = self._engine.raw_connection()
        connection.detach()  # closed when dropped, never handed back to the pool
        with self._dropped_on_error(connection):
            # dbapi_connection is None only once closed; this one was just opened.
            dbapi = cast(DBAPIConnection, connection.dbapi_connection)
            self._engine.dialect.set_isolation_level(dbapi, "AUTOCOMMIT")
        return connection
