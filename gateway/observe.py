"""The use-log stage with the gateway's own bookkeeping: energy estimate and metrics.

The pipeline writes each request's :class:`gateway.core.UseRecord` through this
wrapper, which adds the estimated energy (from the active energy factors) before the
record is chained and counts it for ``/metrics`` afterwards, also when the write
failed (the request was still answered, with a 503).
"""

from __future__ import annotations

from collections.abc import Callable

from gateway.core import Principal, UseRecord
from gateway.energy import EnergyTable
from gateway.metrics import Metrics
from gateway.pipeline import Store


class ObservedStore:
    """A :class:`gateway.pipeline.Store` that estimates energy and feeds the metrics."""

    def __init__(self, store: Store, energy: Callable[[], EnergyTable], metrics: Metrics) -> None:
        self._store = store
        self._energy = energy
        self._metrics = metrics

    def authenticate(self, raw_key: str) -> Principal | None:
        return self._store.authenticate(raw_key)

    def record_use(self, record: UseRecord) -> None:
        self.record_uses([record])

    def record_uses(self, records: list[UseRecord]) -> None:
        energy = self._energy()
        for record in records:
            record.energy_wh = energy.estimate(record.model, record.prompt_tokens, record.completion_tokens)
        try:
            self._store.record_uses(records)
        finally:
            for record in records:
                self._metrics.observe(record)
