"""Figures the console shows, computed from use-log records (dicts from ``Store.export``).

The log keeps counts per detected type, not which finding got which treatment, so
the treatment is read from the record: in a forwarded request, a category (Art. 9,
prohibited use, credential) can only have been passed on with a warning, and any other
type was replaced by a surrogate; in a blocked request, the categories are what the
provider did not receive.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from gateway.store.console import BOOKKEEPING

CATEGORY_PREFIXES = ("ART9_", "PROHIBITED_", "CREDENTIAL")
ENERGY_FIELD = "energy_wh"


def is_category(entity_type: str) -> bool:
    """A type that names a kind of content rather than a value a surrogate can replace."""
    return entity_type.upper().startswith(CATEGORY_PREFIXES)


def is_traffic(record: dict[str, Any]) -> bool:
    """A staff request, as opposed to the console's, the purge's and the reports' records."""
    return record["decision"] not in BOOKKEEPING


def pseudonymised(record: dict[str, Any]) -> Counter[str]:
    """Counts per type replaced by surrogates in one record."""
    if record["decision"] != "forwarded":
        return Counter()
    return Counter({t: n for t, n in record["counts"].items() if not is_category(t)})


def record_day(record: dict[str, Any]) -> date:
    return datetime.fromisoformat(record["time"].replace("Z", "+00:00")).date()


@dataclass
class Overview:
    """The overview page's figures for one period."""

    days: list[date]
    requests: Counter[date] = field(default_factory=Counter)
    blocks: Counter[date] = field(default_factory=Counter)
    pseudonymisations: Counter[date] = field(default_factory=Counter)
    block_categories: Counter[str] = field(default_factory=Counter)
    pseudonymised_types: Counter[str] = field(default_factory=Counter)
    rules: Counter[str] = field(default_factory=Counter)
    users: Counter[str] = field(default_factory=Counter)
    energy_wh: float | None = None

    def per_day(self, counter: Counter[date]) -> list[tuple[str, int]]:
        """One (day, count) pair for every day of the period, days without records included."""
        return [(day.isoformat(), counter[day]) for day in self.days]

    @property
    def totals(self) -> dict[str, int]:
        return {"requests": sum(self.requests.values()), "blocks": sum(self.blocks.values()),
                "pseudonymisations": sum(self.pseudonymisations.values())}


def overview(records: Iterable[dict[str, Any]], first: date, last: date) -> Overview:
    """Per-day and per-category figures for the days ``first``..``last`` (inclusive)."""
    out = Overview(days=[first + timedelta(days=i) for i in range((last - first).days + 1)])
    for record in filter(is_traffic, records):
        day = record_day(record)
        out.requests[day] += 1
        replaced = pseudonymised(record)
        out.pseudonymisations[day] += sum(replaced.values())
        out.pseudonymised_types.update(replaced)
        if record.get(ENERGY_FIELD) is not None:  # absent before migration 0003 and without tokens
            out.energy_wh = (out.energy_wh or 0.0) + record[ENERGY_FIELD]
        if record["decision"] == "blocked":
            _count_block(out, day, record)
    return out


def _count_block(out: Overview, day: date, record: dict[str, Any]) -> None:
    out.blocks[day] += 1
    out.block_categories[record["reason_code"] or "unknown"] += 1
    out.users[record["user"] or "-"] += 1
    reason = (record["reason_code"] or "").upper()
    out.rules.update(f["rule_id"] for f in record["findings"]
                     if f.get("rule_id") and (is_category(f.get("type", "")) or f.get("type") == reason))


@dataclass
class ProviderUse:
    """What one provider received (or was spared) in a period: the records-of-processing row."""

    provider: str
    profile: str
    requests: int = 0
    forwarded: int = 0
    pseudonymised: Counter[str] = field(default_factory=Counter)
    warned: Counter[str] = field(default_factory=Counter)
    blocked: Counter[str] = field(default_factory=Counter)


def processing(records: Iterable[dict[str, Any]], profiles: dict[str, str]) -> list[ProviderUse]:
    """Per provider: requests, types pseudonymised, categories forwarded with a warning or blocked."""
    uses: dict[str, ProviderUse] = {}
    for record in filter(is_traffic, records):
        name = record["provider"]
        if not name:
            continue
        use = uses.setdefault(name, ProviderUse(name, profiles.get(name, "default")))
        use.requests += 1
        if record["decision"] == "forwarded":
            use.forwarded += 1
            use.pseudonymised.update(pseudonymised(record))
            use.warned.update({t: n for t, n in record["counts"].items() if is_category(t)})
        elif record["decision"] == "blocked":
            use.blocked.update({t: n for t, n in record["counts"].items() if is_category(t)}
                               or {(record["reason_code"] or "unknown").upper(): 1})
    return sorted(uses.values(), key=lambda u: u.provider)
