"""The policy file (rules/policy.yaml), validated strictly like the main rules file."""

from __future__ import annotations

from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field

from gateway.core import Action

# Strictest first: when overrides disagree, the earlier action wins.
STRICTNESS = (Action.BLOCK, Action.PSEUDONYMISE, Action.WARN, Action.ALLOW)


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Identifiability(_Strict):
    """When an Art. 9 term is about an identifiable person (see gateway/policy/identify.py)."""

    topic_action: Action = Action.ALLOW
    identifying_types: frozenset[str]
    min_score: float = 0.5
    pronoun_lookback: int = 2
    short_message_words: int = 40
    subject_max_persons: int = 2
    generic_cues: tuple[str, ...] = ()
    pronouns: dict[str, frozenset[str]] = Field(default_factory=dict)


class PolicyRules(_Strict):
    """Actions per finding type, with per-profile and per-group overrides."""

    actions: dict[str, Action]
    internal_types: frozenset[str] = frozenset()
    identifiability: Identifiability
    profiles: dict[str, dict[str, Action]] = Field(default_factory=dict)
    groups: dict[str, dict[str, Action]] = Field(default_factory=dict)

    @classmethod
    def load(cls, path: str | Path) -> PolicyRules:
        data = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
        return cls.model_validate(data)

    def action(self, entity_type: str, profile: str | None, group: str | None) -> Action:
        """The action for one type: base, replaced by the profile's and the group's overrides.

        When the profile and the group both override the type, the stricter one applies.
        """
        base = self.actions.get(entity_type, self.actions.get("default", Action.PSEUDONYMISE))
        overrides = [
            table[entity_type]
            for table in (self.profiles.get(profile or "", {}), self.groups.get(group or "", {}))
            if entity_type in table
        ]
        if not overrides:
            return base
        return min(overrides, key=STRICTNESS.index)
