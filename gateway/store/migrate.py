"""Alembic, configured in code: the migrations ship inside the package (no alembic.ini)."""

from __future__ import annotations

from alembic import command
from alembic.config import Config
from sqlalchemy import Connection, text

SCRIPT_LOCATION = "gateway:migrations"
# Any constant works; it only has to be the same in every gateway process.
_MIGRATION_LOCK = 0x6761_7465_7761_79  # "gateway"


def alembic_config(connection: Connection) -> Config:
    config = Config()
    config.set_main_option("script_location", SCRIPT_LOCATION)
    config.attributes["connection"] = connection
    return config


def upgrade(connection: Connection, revision: str = "head") -> None:
    """Migrate the database behind ``connection`` (inside its open transaction).

    Several gateway workers may start at once: on PostgreSQL a transaction-scoped
    advisory lock makes the others wait and then find nothing left to do; on SQLite the
    caller's ``BEGIN IMMEDIATE`` does the same.
    """
    if connection.dialect.name == "postgresql":
        connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _MIGRATION_LOCK})
    command.upgrade(alembic_config(connection), revision)
