"""Gateway keys: generation and hashing.

A gateway key is a personal bearer secret (``gw-`` + 256 random bits).  The database
keeps only its hash and a short display prefix, so a copy of the database does not
give access to the gateway.
"""

from __future__ import annotations

import hashlib
import secrets

KEY_PREFIX = "gw-"
# Enough to tell keys apart in a listing ("gw-AbCd…"), far too little to guess the rest.
DISPLAY_CHARS = 7


def new_key() -> str:
    """A fresh random gateway key."""
    return KEY_PREFIX + secrets.token_urlsafe(32)


def new_key_id() -> str:
    """A public identifier for a key (shown in listings and the use log)."""
    return "key_" + secrets.token_hex(8)


def hash_key(raw_key: str) -> str:
    """The stored form of a key: SHA-256, hex.

    A fast unsalted hash is the right tool here, unlike for passwords: the keys are
    256-bit random values, so neither a dictionary nor brute force can invert the hash,
    and a deterministic hash lets :meth:`gateway.store.Store.authenticate` find the key
    through an index instead of trying a slow KDF against every stored key.
    """
    return hashlib.sha256(raw_key.encode("utf-8")).hexdigest()


def display_prefix(raw_key: str) -> str:
    """The first few characters of a key, safe to show to IT and to the user."""
    return raw_key[:DISPLAY_CHARS]
