"""The shipped detectors, built once per test session and shared by every test module.

Building the PII detector takes about 1.5 s (gazetteers, Presidio registry); each module
building its own copy added seconds to every run for no extra coverage.  Both detectors
are thread-safe by contract (gateway.core.Inspector), so sharing them is what the
gateway itself does.
"""

from __future__ import annotations

import functools
from pathlib import Path

from gateway.detect import PiiDetector
from gateway.sensitive import SensitiveDetector

RULES_DIR = Path(__file__).resolve().parent.parent / "rules"


@functools.cache
def pii_detector() -> PiiDetector:
    return PiiDetector.from_rules()


@functools.cache
def sensitive_detector() -> SensitiveDetector:
    return SensitiveDetector.from_rules(RULES_DIR)
