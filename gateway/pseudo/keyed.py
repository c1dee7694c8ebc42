"""The keyed randomness that makes surrogates deterministic without a shared store.

Every surrogate is drawn from a byte stream seeded by ``HMAC-SHA256(secret, label)``,
where the label is the entity type plus the normalised value (plus a retry counter).
Replicas started with the same ``GATEWAY_PSEUDONYM_SECRET`` therefore pick the same
surrogate for the same value, in every turn, and nobody without the secret can
recompute the mapping from a surrogate (a plain hash of a phone number could be
brute-forced in seconds).

The stream is our own SHAKE-256 expansion rather than ``random.Random``: Python only
guarantees ``random()`` to be reproducible across versions, not ``randrange`` or
``choice``, and replicas may run different patch releases during an upgrade.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import os
import secrets
from collections.abc import Mapping, Sequence
from typing import TypeVar

log = logging.getLogger(__name__)

SECRET_ENV = "GATEWAY_PSEUDONYM_SECRET"
_MIN_SECRET_BYTES = 16
_BLOCK = 64

T = TypeVar("T")


def load_secret(environ: Mapping[str, str] = os.environ) -> bytes:
    """The pseudonym secret from the environment, or a random one for this process.

    A random secret keeps surrogates consistent inside one process only: replicas
    behind a load balancer (and a restarted gateway) would then give the same person
    different surrogates in later turns. The secret is deliberately not persisted to
    disk by the gateway: a secret file next to the code is easy to leak and does not
    reach other hosts anyway; operators set the variable from their secret store.
    """
    value = environ.get(SECRET_ENV, "")
    if value:
        secret = value.encode("utf-8")
        if len(secret) < _MIN_SECRET_BYTES:
            raise ValueError(f"{SECRET_ENV} must be at least {_MIN_SECRET_BYTES} bytes long")
        return secret
    log.warning(
        "%s is not set: using a random per-process secret. Surrogates will differ between "
        "replicas and after a restart; set the same secret on every replica.", SECRET_ENV,
    )
    return secrets.token_bytes(32)


class Keyed:
    """Derives independent deterministic draws from one secret."""

    def __init__(self, secret: bytes) -> None:
        if not secret:
            raise ValueError("the pseudonym secret must not be empty")
        self._secret = secret

    def draw(self, *parts: str) -> Draw:
        """A fresh stream for the label made of ``parts`` (joined unambiguously)."""
        label = "\x1f".join(parts).encode("utf-8")
        return Draw(hmac.new(self._secret, label, hashlib.sha256).digest())


class Draw:
    """A finite-looking, endless stream of keyed random choices."""

    def __init__(self, seed: bytes) -> None:
        self._seed = seed
        self._buffer = b""
        self._blocks = 0

    def _take(self, n: int) -> bytes:
        while len(self._buffer) < n:
            counter = self._blocks.to_bytes(4, "big")
            self._buffer += hashlib.shake_256(self._seed + counter).digest(_BLOCK)
            self._blocks += 1
        out, self._buffer = self._buffer[:n], self._buffer[n:]
        return out

    def below(self, n: int) -> int:
        """An integer in ``range(n)``; 16 bytes make the modulo bias negligible."""
        if n <= 0:
            raise ValueError("n must be positive")
        return int.from_bytes(self._take(16), "big") % n

    def between(self, low: int, high: int) -> int:
        """An integer in ``[low, high]``."""
        return low + self.below(high - low + 1)

    def choice(self, items: Sequence[T]) -> T:
        return items[self.below(len(items))]

    def digit(self) -> str:
        return str(self.below(10))

    def letter(self) -> str:
        return chr(ord("A") + self.below(26))
