"""Builds the protection engine from the rules: which inspector, policy and transformer run.

This is the one place that knows the concrete stage implementations; the pipeline and
the wire formats only see the protocols of :mod:`gateway.core`.  Everything heavy
(gazetteers, Presidio registries, lexicons) is loaded here once, at start-up.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from gateway.config import Rules
from gateway.core import Finding, Inspection, Inspector, Policy, Segment, Transformer

if TYPE_CHECKING:
    from gateway.sensitive import SensitiveDetector


class CompositeInspector:
    """Personal-data detection first, then the sensitive-content detectors.

    The sensitive detectors (Art. 9, prohibited uses, credentials) need the language of
    each text, which the personal-data detector has already worked out.
    """

    def __init__(self, pii: Inspector, sensitive: SensitiveDetector) -> None:
        self._pii = pii
        self._sensitive = sensitive

    def inspect(self, texts: list[str]) -> Inspection:
        inspection = self._pii.inspect(texts)
        extra: list[Finding] = self._sensitive.inspect(texts, inspection.languages)
        return Inspection(findings=[*inspection.findings, *extra], languages=inspection.languages)


@dataclass
class Engine:
    """The stages the pipeline runs for every request."""

    inspector: Inspector
    policy: Policy
    transformer: Transformer


def build_engine(rules: Rules) -> Engine:
    """Load every stage named by the rules (slow: call once at start-up)."""
    from gateway.detect import PiiDetector
    from gateway.policy import PolicyEngine
    from gateway.pseudo import Pseudonymiser
    from gateway.sensitive import SensitiveDetector

    detection_file = rules.resolve(rules.detection, "detection.yaml")
    pii = PiiDetector.from_rules(detection_file)
    # The sensitive detectors' data (lexicons/, sensitive/) sits beside the detection rules.
    sensitive = SensitiveDetector.from_rules(detection_file.parent)
    policy = PolicyEngine.from_rules(
        rules.resolve(rules.policy, "policy.yaml"),
        rules.contact,
        provider_profiles={p.name: p.profile for p in rules.providers},
    )
    return Engine(
        inspector=CompositeInspector(pii, sensitive),
        policy=policy,
        transformer=Pseudonymiser(),  # secret from GATEWAY_PSEUDONYM_SECRET
    )


def scan_texts(engine: Engine, texts: list[str], provider: str = "", user_group: str | None = None
               ) -> dict[str, Any]:
    """What the gateway would do with these texts, without forwarding anything.

    Used by ``gateway scan`` and ``POST /v1/scan``.  The answer shows types, rule ids,
    offsets and the pseudonymised text (the user's own text, shown back to the user),
    never a log entry.
    """
    segments = [Segment(path=(i,), text=t, message_index=i, role="user") for i, t in enumerate(texts)]
    inspection = engine.inspector.inspect(texts)
    decision = engine.policy.decide(inspection, segments, provider, user_group)
    result: dict[str, Any] = {
        "decision": "blocked" if decision.blocked else "forwarded",
        "reason_code": decision.reason_code,
        "languages": inspection.languages,
        "counts": decision.counts(),
        "findings": [f.public() for f in inspection.findings],
    }
    if decision.blocked:
        message = getattr(engine.policy, "block_message", None)
        result["message"] = message(decision) if message else "blocked by policy"
    else:
        transformed, _ = engine.transformer.transform(texts, decision.pseudonymise)
        result["pseudonymised"] = transformed
    return result


def scan_text(rules: Rules, text: str) -> dict[str, Any]:
    """`gateway scan`: build the engine and scan one text read from stdin."""
    return scan_texts(build_engine(rules), [text])
