"""Persistence: users, gateway keys and the tamper-evident use log."""

from gateway.store.store import DATABASE_ENV, DEFAULT_DATABASE_URL, KeyInfo, Store

__all__ = ["DATABASE_ENV", "DEFAULT_DATABASE_URL", "KeyInfo", "Store"]
