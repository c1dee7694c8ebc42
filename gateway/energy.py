"""Estimated energy use of a request from its token counts (factors in rules/energy.yaml).

Providers do not report energy, so the gateway estimates it: watt-hours per 1000
prompt and completion tokens, per model (shell-style globs, first match wins).  The
estimate goes into every use record (``energy_wh``) so the console can sum it; the
factors and their sources are documented in the shipped rules/energy.yaml.
"""

from __future__ import annotations

import fnmatch
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from gateway.config import Rules, RulesError

DEFAULT_FILE = "energy.yaml"


class Factors(BaseModel):
    """Watt-hours per 1000 tokens, for the prompt and for the completion."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    prompt: float = Field(ge=0)
    completion: float = Field(ge=0)


class EnergyTable(BaseModel):
    """The energy file: a default and per-model factors (order matters: first match wins)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    default: Factors
    models: dict[str, Factors] = Field(default_factory=dict)

    def factors(self, model: str | None) -> Factors:
        for pattern, factors in self.models.items():
            if model and fnmatch.fnmatchcase(model, pattern):
                return factors
        return self.default

    def estimate(self, model: str | None, prompt_tokens: int | None,
                 completion_tokens: int | None) -> float | None:
        """Estimated Wh, or None when the provider reported no token counts."""
        if prompt_tokens is None and completion_tokens is None:
            return None
        factors = self.factors(model)
        wh = ((prompt_tokens or 0) * factors.prompt + (completion_tokens or 0) * factors.completion) / 1000
        return round(wh, 6)


def load_energy(rules: Rules) -> EnergyTable:
    """The energy factors the rules name (default the shipped file); RulesError if invalid."""
    path = rules.resolve(rules.energy, DEFAULT_FILE)
    return parse_energy(path)


def parse_energy(path: Path) -> EnergyTable:
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise RulesError(f"{path}: cannot read the energy factors: {exc}") from exc
    try:
        return EnergyTable.model_validate(raw)
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
        raise RulesError(f"{path}: {problems}") from exc
