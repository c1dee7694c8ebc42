"""Persistence: users, gateway keys and the tamper-evident use log."""

# The console's tables share the models' metadata: importing them here keeps Alembic's
# view of the schema complete wherever the store is used.
from gateway.store import console  # noqa: F401
from gateway.store.store import DATABASE_ENV, DEFAULT_DATABASE_URL, KeyInfo, Store

__all__ = ["DATABASE_ENV", "DEFAULT_DATABASE_URL", "KeyInfo", "Store"]
