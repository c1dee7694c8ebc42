"""One read-only SELECT run on connections kept for it: the key lookup of every request.

Every proxied request asks the store whether its key is still valid (a key revoked or a
user suspended a moment ago, on any replica, is refused at once).  Through a SQLAlchemy
``Connection`` that lookup is a pool checkout (on PostgreSQL a ping round trip), ``BEGIN``,
the SELECT, ``ROLLBACK`` and Core's result handling: on a 2-core machine about 0.25 ms of
the 3 ms a 300-word pass-through request costs the gateway, where the statement itself
takes a few microseconds.

:class:`KeptQuery` runs the same statement on a few DBAPI connections of its own, in
autocommit mode: each execution is its own transaction and sees every commit made before
it, so nothing is cached and nothing is stale.  SQLAlchemy still does the dialect work:
it compiles the statement for the engine's dialect once, opens the connections (with the
engine's connect hooks) and converts the values with the column types' own result
processors, so the rows are the ones Core would give.
"""

from __future__ import annotations

import threading
from collections import namedtuple
from collections.abc import Callable, Mapping
from typing import Any, cast

from sqlalchemy import Engine
from sqlalchemy.engine.interfaces import DBAPIConnection
from sqlalchemy.pool import PoolProxiedConnection
from sqlalchemy.sql.selectable import SelectBase

# Idle connections kept; requests looking keys up at the same moment beyond these open
# (and close) one of their own.  Few, so that replicas x workers stay well within the
# database's connection limit.
MAX_KEPT = 4


class KeptQuery:
    """A SELECT compiled once, run on kept autocommit connections; thread-safe."""

    def __init__(self, engine: Engine, statement: SelectBase, max_kept: int = MAX_KEPT) -> None:
        compiled = statement.compile(dialect=engine.dialect)
        self._engine = engine
        self._sql = str(compiled)
        self._order = compiled.positiontup  # parameter names in order (qmark style), else None
        columns = list(statement.selected_columns)
        self._row = namedtuple("_Row", [column.key for column in columns])  # type: ignore[misc]
        self._convert: list[tuple[int, Callable[[Any], Any]]] = [
            (i, processor) for i, column in enumerate(columns)
            if (processor := column.type.dialect_impl(engine.dialect).result_processor(engine.dialect, None))
        ]
        self._max_kept = max_kept
        self._idle: list[PoolProxiedConnection] = []
        self._lock = threading.Lock()

    def first(self, params: Mapping[str, Any]) -> Any | None:
        """The first row (a named tuple of the selected columns), or None.

        A kept connection that fails (the database restarted meanwhile) is dropped and the
        statement runs once more on a new one; a failure there is raised.
        """
        bound = tuple(params[name] for name in self._order) if self._order else dict(params)
        connection = self._take()
        if connection is not None:
            try:
                return self._run(connection, bound)
            except self._engine.dialect.loaded_dbapi.Error:
                pass  # dropped by _run; a read is safe to repeat
        return self._run(self._open(), bound)

    def close(self) -> None:
        with self._lock:
            idle, self._idle = self._idle, []
        for connection in idle:
            connection.close()

    def _run(self, connection: PoolProxiedConnection, bound: Any) -> Any | None:
        try:
            cursor = connection.cursor()
            try:
                cursor.execute(self._sql, bound)
                row = cursor.fetchone()
            finally:
                cursor.close()
        except BaseException:
            connection.close()
            raise
        self._keep(connection)
        if row is None:
            return None
        values = list(row)
        for i, convert in self._convert:
            values[i] = convert(values[i])
        return self._row(*values)

    def _take(self) -> PoolProxiedConnection | None:
        with self._lock:
            return self._idle.pop() if self._idle else None

    def _keep(self, connection: PoolProxiedConnection) -> None:
        with self._lock:
            if len(self._idle) < self._max_kept:
                self._idle.append(connection)
                return
        connection.close()

    def _open(self) -> PoolProxiedConnection:
        """A new connection of the engine, out of its pool, in autocommit mode."""
        connection = self._engine.raw_connection()
        connection.detach()  # closed when dropped, never handed back to the pool
        try:
            # dbapi_connection is None only once closed; this one was just opened.
            dbapi = cast(DBAPIConnection, connection.dbapi_connection)
            self._engine.dialect.set_isolation_level(dbapi, "AUTOCOMMIT")
        except BaseException:
            connection.close()
            raise
        return connection
