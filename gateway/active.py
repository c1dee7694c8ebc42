"""The version of the rules the gateway runs: rules, engine and energy factors, as one value.

A request reads the active version once, when it starts, and keeps it to the end, so a
reload (gateway.reload) that replaces it never mixes the allow-list of one rules file
with the detectors or policy of another: replacing one attribute is atomic.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from gateway.config import Rules
from gateway.energy import EnergyTable, load_energy
from gateway.engine import Engine

EngineBuilder = Callable[[Rules], Engine]


@dataclass(frozen=True)
class Active:
    """Everything the rules file decides, built and checked together."""

    rules: Rules
    engine: Engine
    energy: EnergyTable


def build_active(rules: Rules, build_engine: EngineBuilder, engine: Engine | None = None) -> Active:
    """Build (or take) the engine and load the energy factors; raises if either fails.

    Slow with the full engine: call it off the event loop.
    """
    return Active(rules=rules, engine=engine or build_engine(rules), energy=load_energy(rules))
