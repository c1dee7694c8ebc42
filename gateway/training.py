"""Optional policy ``require_training: true``: only staff with AI-literacy training may use AI.

The AI Act (Art. 4) asks deployers to ensure their staff's AI literacy; a company can
make the gateway enforce it.  IT records each person's training with its expiry
(``gateway users training NAME --until DATE``); when the rules require training, a
user without a valid record is refused with 403 ``training_required`` and told whom
to contact.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

from gateway.config import Contact, Rules
from gateway.core import Principal
from gateway.wire.errors import WireError

TRAINING_REQUIRED = "training_required"


def today() -> date:
    return datetime.now(UTC).date()


def is_trained(principal: Principal, on: date) -> bool:
    """Training recorded and valid on ``on`` (the expiry day itself still counts)."""
    return principal.trained_until is not None and principal.trained_until >= on


def check_training(principal: Principal, rules: Rules, on: date | None = None) -> None:
    """Raise WireError 403 when the rules require training and the user has none valid."""
    if not rules.require_training or is_trained(principal, on or today()):
        return
    until = principal.trained_until
    state = f"expired on {until.isoformat()}" if until is not None else "is not recorded"
    raise WireError(403, TRAINING_REQUIRED,
                    f"using AI through the gateway requires AI-literacy training, and yours {state}. "
                    f"To get access, follow the training and ask {how_to_reach(rules.contact)} "
                    "to record it")


def how_to_reach(contact: Contact) -> str:
    """The contact point as one phrase: name, then e-mail and intranet page when given."""
    ways = [w for w in (contact.email, contact.url) if w]
    return f"{contact.name} ({', '.join(ways)})" if ways else contact.name
