"""The contract between the pipeline stages.

A request flows through small stages, each a module with a narrow interface:

    parse (gateway.wire.*)      wire JSON  -> ParsedRequest (list of Segment)
    inspect (gateway.detect)    texts      -> list[Finding]
    decide (gateway.policy)     findings   -> Decision
    transform (gateway.pseudo)  texts + Decision -> new texts + Vault
    forward (gateway.upstream)  body       -> provider answer (JSON or SSE)
    restore (gateway.pseudo)    answer text -> answer text with real values
    log (gateway.store)         UseRecord  -> one row in the use log

Only this module is imported by every stage, so the wire formats never see policy
internals and the detectors never see JSON.  Nothing here holds a personal value
longer than one request, and nothing here is ever logged as-is: log records carry
types, counts, rule ids and offsets (see ``Finding.public``).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Protocol


@dataclass(frozen=True)
class Segment:
    """One piece of text a request carries to the provider.

    ``path`` locates the string inside the JSON body (keys and list indexes), so the
    wire format can put a transformed text back exactly where it came from.
    ``message_index`` is the index the user sees (the system prompt is message 0 in
    the Anthropic format when present), used in block messages and the DPO log.
    """

    path: tuple[str | int, ...]
    text: str
    message_index: int
    role: str  # system | user | assistant | tool | developer | input


class Action(enum.StrEnum):
    """What the policy does with a finding (rules/policy.yaml names these)."""

    BLOCK = "block"
    PSEUDONYMISE = "pseudonymise"
    WARN = "warn"  # forward unchanged, tell the user in a header
    ALLOW = "allow"


@dataclass(frozen=True)
class Finding:
    """A detected span in one segment's text.

    ``entity_type`` is a PII type (PERSON, EMAIL_ADDRESS, ...) or a category that is
    blocked rather than replaced (ART9_HEALTH, PROHIBITED_DECISION, CREDENTIAL, ...).
    ``value`` is the original text of the span: it lives in memory for the request
    only and is never written anywhere; use :meth:`public` for logs.
    """

    segment: int
    start: int
    end: int
    entity_type: str
    score: float
    rule_id: str
    value: str = field(repr=False)
    language: str = "en"

    def public(self, message_index: int | None = None) -> dict[str, Any]:
        """The finding without its value: safe for logs, headers and the scan API.

        ``message_index`` (the Segment's) tells the DPO which message it was in.
        """
        return {
            "segment": self.segment,
            "message": message_index,
            "start": self.start,
            "end": self.end,
            "type": self.entity_type,
            "score": round(self.score, 3),
            "rule_id": self.rule_id,
            "language": self.language,
        }


@dataclass
class Inspection:
    """Everything the inspect stage learnt about a request's texts."""

    findings: list[Finding]
    languages: list[str]  # detected language per text (nl | fr | en | de)


class Inspector(Protocol):
    """Stage 'inspect': finds personal data and forbidden content in texts."""

    def inspect(self, texts: list[str]) -> Inspection:
        """Return findings for every text; ``Finding.segment`` indexes ``texts``.

        Must be thread-safe: it runs in a worker thread, off the event loop.
        """
        ...


class NullInspector:
    """An inspector that finds nothing (the core gateway without detection)."""

    def inspect(self, texts: list[str]) -> Inspection:
        return Inspection(findings=[], languages=["en"] * len(texts))


@dataclass
class Decision:
    """Stage 'decide': what happens to the request as a whole."""

    blocked: bool
    reason_code: str | None = None  # e.g. "art9_health", "credential", None when forwarded
    language: str = "en"  # language of the block message
    block_findings: list[Finding] = field(default_factory=list)
    pseudonymise: list[Finding] = field(default_factory=list)
    warnings: list[Finding] = field(default_factory=list)
    # 1-based numbers of the messages that caused the block, as users count them.
    block_messages: list[int] = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        """Counts per detected type over everything the policy saw (for the use log)."""
        out: dict[str, int] = {}
        for f in [*self.block_findings, *self.pseudonymise, *self.warnings]:
            out[f.entity_type] = out.get(f.entity_type, 0) + 1
        return out


class Policy(Protocol):
    """Stage 'decide': turns findings into a Decision for one provider and user."""

    def decide(self, inspection: Inspection, segments: list[Segment], provider: str,
               user_group: str | None) -> Decision: ...


class Transformer(Protocol):
    """Stage 'transform': replaces the findings to pseudonymise by surrogates.

    Returns the new texts (same order and count as ``texts``) and the restorer that
    maps every surrogate it introduced back to the real value.
    """

    def transform(self, texts: list[str], findings: list[Finding]) -> tuple[list[str], Restorer]: ...


class Restorer(Protocol):
    """Stage 'restore': puts the real values back into the provider's answer."""

    def restore(self, text: str) -> str: ...

    def stream(self) -> StreamRestorer: ...

    def json_stream(self) -> StreamRestorer:
        """For raw JSON text in pieces (streamed tool-call arguments): real values are
        inserted JSON-escaped, so a quote in a value cannot break the document."""
        ...


class StreamRestorer(Protocol):
    """Restores a text that arrives in chunks; holds back only a possible surrogate prefix."""

    def feed(self, chunk: str) -> str: ...

    def flush(self) -> str: ...


class IdentityRestorer:
    """Restorer used when nothing was pseudonymised."""

    def restore(self, text: str) -> str:
        return text

    def stream(self) -> IdentityStreamRestorer:
        return IdentityStreamRestorer()

    def json_stream(self) -> IdentityStreamRestorer:
        return IdentityStreamRestorer()


class IdentityStreamRestorer:
    def feed(self, chunk: str) -> str:
        return chunk

    def flush(self) -> str:
        return ""


@dataclass(frozen=True)
class Principal:
    """The staff member behind a gateway key (never the key itself)."""

    user: str
    key_id: str
    group: str | None = None
    suspended: bool = False
    # Last day of valid AI-literacy training (None: not recorded); see gateway.training.
    trained_until: date | None = None


@dataclass
class UseRecord:
    """One row of the use log: what happened to one request, without any content.

    ``decision`` is forwarded | blocked | refused (allowlist, auth, bad input) | error.
    ``findings`` holds ``Finding.public()`` dicts (type, rule id, segment, offsets): the
    DPO can see why without the log becoming a second copy of the personal data.
    """

    request_id: str
    endpoint: str
    decision: str
    user: str | None = None
    key_id: str | None = None
    provider: str | None = None
    model: str | None = None
    reason_code: str | None = None
    counts: dict[str, int] = field(default_factory=dict)
    findings: list[dict[str, Any]] = field(default_factory=list)
    upstream_status: int | None = None
    prompt_tokens: int | None = None
    completion_tokens: int | None = None
    latency_ms: float | None = None
    stream: bool = False
    language: str | None = None
    # Estimated energy use in Wh from the token counts (gateway.energy); None without tokens.
    energy_wh: float | None = None
