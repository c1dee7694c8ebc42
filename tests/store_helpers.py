"""Databases for the store and CLI tests: a fresh SQLite file, or a fresh PostgreSQL schema.

PostgreSQL tests run against GATEWAY_TEST_POSTGRES_URL (default the local `test`
database) in a schema of their own, selected through libpq's ``options`` so that the
gateway code runs unchanged, and dropped afterwards: runs are isolated and repeatable.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg
import pytest
import sqlalchemy as sa

from gateway.store.store import normalise_url

POSTGRES_URL = os.environ.get("GATEWAY_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")
BACKENDS = ["sqlite", "postgresql"]


def sqlite_url(directory: Path) -> str:
    return f"sqlite:///{directory / 'gateway.db'}"


def missing_service(reason: str) -> None:
    """Skip on a developer's machine without the service; fail in CI, which must have it."""
    if os.environ.get("CI"):
        pytest.fail(reason)
    pytest.skip(reason)


@contextmanager
def postgres_schema_url() -> Iterator[str]:
    """A database URL whose search_path is a new, empty schema (dropped on exit)."""
    try:
        admin = psycopg.connect(POSTGRES_URL, autocommit=True, connect_timeout=3)
    except psycopg.OperationalError as exc:
        missing_service(f"PostgreSQL not reachable at {POSTGRES_URL}: {exc}")
    schema = "gw_test_" + uuid.uuid4().hex[:12]
    admin.execute(f'CREATE SCHEMA "{schema}"')
    separator = "&" if "?" in POSTGRES_URL else "?"
    try:
        yield f"{POSTGRES_URL}{separator}options=-csearch_path%3D{schema}"
    finally:
        admin.execute(f'DROP SCHEMA "{schema}" CASCADE')
        admin.close()


@contextmanager
def database_url(backend: str, directory: Path) -> Iterator[str]:
    if backend == "sqlite":
        yield sqlite_url(directory)
    else:
        with postgres_schema_url() as url:
            yield url


def raw_engine(url: str) -> sa.Engine:
    """A plain engine for tampering with the tables behind the gateway's back."""
    return sa.create_engine(normalise_url(url))
