"""Sensitive-content detection: GDPR Art. 9 data, prohibited uses, credentials."""

from gateway.sensitive.detector import SensitiveDetector

__all__ = ["SensitiveDetector"]
