"""Prometheus metrics (``GET /metrics``), derived from the use records the pipeline writes.

Every proxied request ends in exactly one :class:`gateway.core.UseRecord`, so counting
records counts requests, blocks, latencies and upstream failures without another hook
in the pipeline.  Labels are endpoints, decisions, reason codes, providers and
detected types: bounded sets that name no user and no content.

Each app has its own registry (several apps in one process, as in the tests, do not
collide).  With ``gateway serve --workers N`` every worker counts its own requests and
a scrape reaches one of them; set ``PROMETHEUS_MULTIPROC_DIR`` to an empty directory
(before start, emptied at every start) and ``/metrics`` merges all workers' counts
through prometheus_client's multiprocess mode.
"""

from __future__ import annotations

import os

from fastapi import FastAPI
from fastapi.responses import Response
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
    multiprocess,
)

from gateway.core import UseRecord
from gateway.wire.errors import UPSTREAM_ERROR, UPSTREAM_TIMEOUT

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"
# Seconds: from a fast refusal to a long streamed answer.
LATENCY_BUCKETS = (0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300)
UPSTREAM_FAILURES = frozenset({UPSTREAM_ERROR, UPSTREAM_TIMEOUT})


class Metrics:
    """The gateway's counters and histograms, fed one use record at a time."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        r = self.registry
        self.requests = Counter("gateway_requests", "Requests by endpoint and decision",
                                ["endpoint", "decision"], registry=r)
        self.blocks = Counter("gateway_blocks", "Requests blocked by policy, by reason code",
                              ["reason"], registry=r)
        self.findings = Counter("gateway_findings", "Detected items by type (pseudonymised, "
                                "blocked or warned about)", ["type"], registry=r)
        self.latency = Histogram("gateway_request_duration_seconds", "Time from request to log record",
                                 ["endpoint"], buckets=LATENCY_BUCKETS, registry=r)
        self.upstream_errors = Counter("gateway_upstream_errors", "Provider failures (errors, timeouts, "
                                       "5xx answers) by provider", ["provider"], registry=r)
        self.energy = Counter("gateway_energy_wh", "Estimated energy use of answered requests (Wh)",
                              ["provider"], registry=r)
        self.reloads = Counter("gateway_rules_reloads", "Rules reload attempts by result",
                               ["result"], registry=r)

    def observe(self, record: UseRecord) -> None:
        """Count one request's record (administrative records are not traffic: skipped)."""
        if not record.endpoint.startswith("/v1/"):
            return
        self.requests.labels(record.endpoint, record.decision).inc()
        if record.decision == "blocked":
            self.blocks.labels(record.reason_code or "blocked").inc()
        for entity_type, count in record.counts.items():
            self.findings.labels(entity_type).inc(count)
        if record.latency_ms is not None:
            self.latency.labels(record.endpoint).observe(record.latency_ms / 1000)
        if record.reason_code in UPSTREAM_FAILURES or (record.upstream_status or 0) >= 500:
            self.upstream_errors.labels(record.provider or "unknown").inc()
        if record.energy_wh:
            self.energy.labels(record.provider or "unknown").inc(record.energy_wh)

    def render(self) -> tuple[bytes, str]:
        """The exposition text and its content type."""
        if os.environ.get(MULTIPROC_ENV):
            merged = CollectorRegistry()
            multiprocess.MultiProcessCollector(merged)
            return generate_latest(merged), CONTENT_TYPE_LATEST
        return generate_latest(self.registry), CONTENT_TYPE_LATEST


def add_routes(app: FastAPI, metrics: Metrics) -> None:
    """``GET /metrics`` for the monitoring system (no user names or content in any label)."""

    @app.get("/metrics", include_in_schema=False)
    async def metrics_text() -> Response:
        body, content_type = metrics.render()
        return Response(body, media_type=content_type)
