"""The policy stage: findings -> Decision, and the localised block message."""

from gateway.policy.engine import PolicyEngine

__all__ = ["PolicyEngine"]
