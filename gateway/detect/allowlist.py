"""Terms never reported: the company's own name, products, office data, role mailboxes.

Organisation data is not personal data, and replacing it only makes the answer worse.
"""

from __future__ import annotations

from gateway.detect.lexicon import fold
from gateway.detect.rules import Allowlist


class AllowList:
    def __init__(self, allowlist: Allowlist, role_mailboxes: list[str]) -> None:
        self._terms = {fold(t) for t in allowlist.terms}
        self._contains = [fold(t) for t in allowlist.contains]
        self._roles = {fold(r) for r in role_mailboxes}

    def allows(self, entity_type: str, value: str) -> bool:
        """True when a finding with this value must be dropped."""
        key = fold(" ".join(value.split()))
        if key in self._terms or any(term in key for term in self._contains):
            return True
        if entity_type == "EMAIL_ADDRESS":
            local = key.replace("%40", "@").split("@")[0]
            return local in self._roles
        return False
