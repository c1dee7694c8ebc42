"""The Alembic migrations build exactly the tables the models describe, on both databases."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from store_helpers import BACKENDS, database_url, raw_engine

from gateway.store import Store
from gateway.store.migrate import alembic_config
from gateway.store.models import Base


@pytest.mark.parametrize("backend", BACKENDS)
def test_migrations_match_the_models(backend: str, tmp_path: Path) -> None:
    with database_url(backend, tmp_path) as url:
        store = Store(url)
        store.upgrade()
        store.close()
        engine = raw_engine(url)
        with engine.connect() as conn:
            differences = compare_metadata(MigrationContext.configure(conn), Base.metadata)
            version = conn.exec_driver_sql("SELECT version_num FROM alembic_version").scalar()
            head = ScriptDirectory.from_config(alembic_config(conn)).get_current_head()
        engine.dispose()
        assert differences == []
        assert version == head
