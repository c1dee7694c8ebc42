"""Pseudonymisation and restoration: realistic, keyed, format-preserving surrogates.

Entry points: :class:`Pseudonymiser` (``core.Transformer``) returns the new texts and a
:class:`Vault` (``core.Restorer``) whose ``stream()`` gives a ``core.StreamRestorer``.

Why realistic surrogates rather than tagged placeholders
--------------------------------------------------------
A model answers "Pieter Claes, Kerkstraat 12, BE71 0961 2345 6769" far better than
"<PERSON_1>, <ADDRESS_1>, <IBAN_1>": it writes salutations with the right gender,
checks IBANs, formats phone numbers and reasons about dates. Placeholders also invite
the model to rewrite them ("PERSON 1", "[Person_1]"), which then cannot be restored.
So every supported type gets a value of the same kind and layout: names from Faker's
lists (same number of words, initials stay initials, the name's locale and gender
kept), e-mail addresses built from the surrogate name at RFC 2606 domains, phone
numbers with the same prefix and spacing, IBANs, national numbers, BSNs and card
numbers with valid checksums, plates and ID documents in the same pattern, IP
addresses from the documentation ranges, another date in the same format, another
street of the same kind. Types without a generator get a tagged placeholder
(``LOCATION_K7QD``).

The trade-off is restoration safety: a realistic surrogate could in principle
coincide with text the model writes on its own. This is mitigated by construction:
a surrogate (and each surrogate name word) never occurs anywhere in the request, never
contains an original value, is unique in the request, and only surrogates introduced
in this request are restored, only on word boundaries, and a name word in lowercase
is not restored on its own.

Consistency without a shared store
----------------------------------
``HMAC-SHA256(secret, type + normalised value + attempt)`` seeds each surrogate, so
the same value gets the same surrogate in every message, in later turns and on every
replica that has the same ``GATEWAY_PSEUDONYM_SECRET`` (without it each process draws
a random secret and logs a warning). Normalisation ignores case, spacing and number
separators; the surrogate is then written in the layout of each spelling, so
"0476 13 58 42" and "0476135842" share their digits and each restores exactly.
Collisions are resolved by retrying with the next attempt number, in order of first
appearance, so values of earlier turns keep their surrogates.

Surrogates are plain printable ASCII without quotes, backslashes or ``<>&``: JSON
encoders never escape them, so they can be found verbatim in raw streamed JSON
(tool-call arguments, see :meth:`Vault.json_stream`).
"""

from gateway.pseudo.keyed import SECRET_ENV, load_secret
from gateway.pseudo.restore import Vault, VaultStream
from gateway.pseudo.transform import Pseudonymiser

__all__ = ["SECRET_ENV", "Pseudonymiser", "Vault", "VaultStream", "load_secret"]
