"""Keys that were valid on their last request: one trip to a worker thread per request, not two.

Every proxied request needs two pieces of blocking work before anything is forwarded:
the store checks its key (a revoked key or a suspended user is refused at once, on
every replica), and the inspector reads its prompt.  Both run in worker threads, and
each trip to a thread and back costs about 0.1-0.2 ms on a busy 2-core machine, as much
as the key lookup itself.

So a key that passed on its previous request goes through the cheap checks on the event
loop (rate limit, body, allow-list) with the principal it had then, and the store
confirms it in the same worker-thread trip as the inspection, before the prompt leaves.
Nothing is forwarded on the strength of this table: it only decides *where* the store
is asked.  A key the store no longer accepts is forgotten, so its next request is
checked first again and refused before any inspection.

The rate limit counts the request against the user the key had on its last request
(a key never changes hands; a user's group may, and then one request is counted in the
old group's budget).  The policy decides with the principal the store gives now.

Holds SHA-256 digests of keys (as the database does), never keys; bounded in size.
"""

from __future__ import annotations

from gateway.auth import hash_key
from gateway.core import Principal

# Far more keys than staff; beyond it the oldest entry goes (its next request takes
# the two-trip path once).
MAX_KNOWN_KEYS = 50_000


class KnownKeys:
    """Digest of a key -> the principal the store last gave for it (event loop only)."""

    def __init__(self, max_keys: int = MAX_KNOWN_KEYS) -> None:
        self._principals: dict[str, Principal] = {}
        self._max_keys = max_keys

    def get(self, raw_key: str) -> Principal | None:
        return self._principals.get(hash_key(raw_key))

    def remember(self, raw_key: str, principal: Principal) -> None:
        """Record a principal the store has just accepted, with every check passed."""
        digest = hash_key(raw_key)
        self._principals.pop(digest, None)  # re-insert: dicts keep insertion order, oldest first
        if len(self._principals) >= self._max_keys:
            del self._principals[next(iter(self._principals))]
        self._principals[digest] = principal

    def forget(self, raw_key: str) -> None:
        self._principals.pop(hash_key(raw_key), None)

    def __len__(self) -> int:
        return len(self._principals)
