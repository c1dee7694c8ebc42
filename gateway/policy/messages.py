"""Localised block messages (rules/messages.yaml): what was found, where, what to do, whom to ask.

A message names the kind of data and the message number, never the value, so it can be
shown, logged and forwarded to a helpdesk without copying the personal data again.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

import yaml

from gateway.config import Contact

LANGUAGES = ("nl", "fr", "en", "de")
_FALLBACK = "en"


class BlockMessages:
    """Message templates per language, category phrases and advice per category family."""

    def __init__(self, data: dict[str, Any], contact: Contact) -> None:
        self._template: dict[str, str] = data["template"]
        self._and: dict[str, str] = data["and"]
        self._categories: dict[str, dict[str, str]] = data["categories"]
        self._advice: dict[str, dict[str, str]] = data["advice"]
        self._contact = contact
        for name, table in [("template", self._template), ("and", self._and)]:
            missing = set(LANGUAGES) - set(table)
            if missing:
                raise ValueError(f"messages: {name} lacks {', '.join(sorted(missing))}")

    @classmethod
    def load(cls, path: str | Path, contact: Contact) -> BlockMessages:
        return cls(yaml.safe_load(Path(path).read_text(encoding="utf-8")), contact)

    def render(self, categories: list[str], message_numbers: list[int], language: str) -> str:
        """The block message for the given finding types and 1-based message numbers."""
        lang = language if language in self._template else _FALLBACK
        phrases = _unique(self._categories.get(c, {}).get(lang, c) for c in categories)
        advice = _unique(self._advice.get(_family(c), {}).get(lang, "") for c in categories)
        return self._template[lang].format(
            messages=self._join([str(n) for n in sorted(set(message_numbers))], lang),
            categories=self._join(phrases, lang),
            advice=" ".join(a for a in advice if a),
            contact=self._contact_text(),
        )

    def _join(self, items: list[str], lang: str) -> str:
        if len(items) <= 1:
            return "".join(items)
        return f"{', '.join(items[:-1])} {self._and[lang]} {items[-1]}"

    def _contact_text(self) -> str:
        details = ", ".join(d for d in (self._contact.email, self._contact.url) if d)
        return f"{self._contact.name} ({details})" if details else self._contact.name


def _family(category: str) -> str:
    """Advice is shared by all Art. 9 categories."""
    return "ART9" if category.startswith("ART9_") else category


def _unique(items: Iterable[str]) -> list[str]:
    out: list[str] = []
    for item in items:
        if item not in out:
            out.append(item)
    return out
