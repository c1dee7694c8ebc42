"""The policy engine: turns findings into one Decision per request (core.Policy).

Per finding: an action from rules/policy.yaml (block, pseudonymise, warn, allow), with
overrides per provider profile and per user group.  Art. 9 terms first go through the
identifiability test: without an identifiable person they are a topic and get the
topic action.  One blocking finding blocks the whole request, whatever else was found.
"""

from __future__ import annotations

from pathlib import Path

from gateway.config import Contact
from gateway.core import Action, Decision, Finding, Inspection, Segment
from gateway.policy.identify import Identification, SentenceMap
from gateway.policy.messages import BlockMessages
from gateway.policy.rules import PolicyRules

ART9_PREFIX = "ART9_"
# Types that name a category of content rather than a value the pseudonymiser can replace.
_CATEGORY_PREFIXES = (ART9_PREFIX, "PROHIBITED_", "CREDENTIAL")


class PolicyEngine:
    """core.Policy implementation; stateless per request, so thread-safe."""

    def __init__(
        self, rules: PolicyRules, messages: BlockMessages, provider_profiles: dict[str, str] | None = None
    ) -> None:
        self._rules = rules
        self._identification = Identification(rules.identifiability)
        self._messages = messages
        self._provider_profiles = provider_profiles or {}

    @classmethod
    def from_rules(
        cls, path: str | Path, contact: Contact, provider_profiles: dict[str, str] | None = None
    ) -> PolicyEngine:
        """Load policy.yaml and the messages.yaml next to it.

        ``provider_profiles`` maps provider names to their profile (config Provider.profile);
        a provider name that is itself a profile in policy.yaml also selects it.
        """
        policy_path = Path(path)
        return cls(
            PolicyRules.load(policy_path),
            BlockMessages.load(policy_path.parent / "messages.yaml", contact),
            provider_profiles,
        )

    def decide(
        self, inspection: Inspection, segments: list[Segment], provider: str, user_group: str | None
    ) -> Decision:
        """The decision for one request (see module docstring)."""
        profile = self._provider_profiles.get(provider, provider)
        decision = Decision(blocked=False)
        for finding, action in self._actions(inspection, segments, profile, user_group):
            _file(decision, finding, action)
        decision.block_findings.sort(key=lambda f: (f.segment, f.start))
        if decision.block_findings:
            first = decision.block_findings[0]
            decision.blocked = True
            decision.reason_code = first.entity_type.lower()
            decision.language = _language(inspection, first.segment)
            decision.block_messages = [_message_number(segments, f.segment) for f in decision.block_findings]
        return decision

    def block_message(self, decision: Decision) -> str:
        """The localised explanation for a blocked decision (never contains a value)."""
        categories = [f.entity_type for f in decision.block_findings]
        numbers = decision.block_messages or [f.segment + 1 for f in decision.block_findings]
        return self._messages.render(categories, numbers, decision.language)

    def _actions(
        self, inspection: Inspection, segments: list[Segment], profile: str, group: str | None
    ) -> list[tuple[Finding, Action]]:
        rules = self._rules
        identification = self._identification
        texts = [s.text for s in segments]
        identifiers = identification.identifiers(inspection.findings)
        # Only Art. 9 terms need the sentence map: most requests have none and skip it.
        has_art9 = any(f.entity_type.startswith(ART9_PREFIX) for f in inspection.findings)
        sentences = (SentenceMap(texts, inspection.languages, rules.identifiability)
                     if texts and has_art9 else None)
        out: list[tuple[Finding, Action]] = []
        for finding in inspection.findings:
            if finding.entity_type in rules.internal_types:
                continue
            if finding.entity_type.startswith(ART9_PREFIX) and not (
                sentences is not None and identification.identifiable(finding, identifiers, sentences)
            ):
                out.append((finding, rules.identifiability.topic_action))
                continue
            out.append((finding, rules.action(finding.entity_type, profile, group)))
        return out


def _file(decision: Decision, finding: Finding, action: Action) -> None:
    """Put one finding in the decision's list for its action."""
    if action is Action.BLOCK:
        decision.block_findings.append(finding)
    elif action is Action.PSEUDONYMISE and not finding.entity_type.startswith(_CATEGORY_PREFIXES):
        decision.pseudonymise.append(finding)
    elif action in (Action.PSEUDONYMISE, Action.WARN):
        # A category cannot be replaced by a surrogate: it is forwarded and reported.
        decision.warnings.append(finding)


def _language(inspection: Inspection, segment: int) -> str:
    return inspection.languages[segment] if segment < len(inspection.languages) else "en"


def _message_number(segments: list[Segment], segment: int) -> int:
    """1-based message number for humans (Segment.message_index counts from 0)."""
    return segments[segment].message_index + 1 if segment < len(segments) else segment + 1
