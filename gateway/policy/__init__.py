"""The policy stage: findings -> Decision, and the localised block message."""

from gateway.policy.engine import PolicyDecision, PolicyEngine

__all__ = ["PolicyDecision", "PolicyEngine"]
