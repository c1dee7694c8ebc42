"""PII detection: finds personal data in prompt texts (nl/fr/en/de); see detector.py."""

from gateway.detect.detector import PiiDetector

__all__ = ["PiiDetector"]
