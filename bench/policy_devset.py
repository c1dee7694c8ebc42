"""Measure the Art. 9 / prohibited-use / credential policy on the dev set.

    python3 bench/policy_devset.py [--cases ../shared/devset/cases.jsonl] [--crude] [-v]

Runs detection (gateway.detect.PiiDetector when it loads, else --crude: a stand-in that
marks capitalised non-initial tokens as PERSON, for this measurement only) plus the
SensitiveDetector, then the PolicyEngine with the default provider profile, and reports
block recall per category, false blocks on pass cases and blocks on pii cases.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from gateway.config import Contact  # noqa: E402
from gateway.core import Finding, Inspection, Segment  # noqa: E402
from gateway.policy import PolicyEngine  # noqa: E402
from gateway.sensitive import SensitiveDetector  # noqa: E402

_CAPITALISED = re.compile(r"(?<![.!?:\n]\s)(?<!^)\b[A-Z][a-zà-ÿ'-]+(?:\s+[A-Z][a-zà-ÿ'-]+)*")


class CrudePersons:
    """Stand-in PII detector: capitalised tokens not at a sentence start are PERSON."""

    def inspect(self, texts: list[str]) -> Inspection:
        findings = [
            Finding(i, m.start(), m.end(), "PERSON", 0.6, "crude.capitalised", m.group(0))
            for i, text in enumerate(texts)
            for m in _CAPITALISED.finditer(text)
        ]
        return Inspection(findings=findings, languages=["en"] * len(texts))


def _pii_detector(crude: bool) -> object:
    if not crude:
        try:
            from gateway.detect import PiiDetector

            return PiiDetector.from_rules()
        except Exception as exc:  # noqa: BLE001 - any failure falls back to the stand-in
            print(f"PiiDetector unavailable ({exc}); using the crude stand-in", file=sys.stderr)
    return CrudePersons()


def _expected_tags(case: dict) -> list[str]:
    return case.get("art9") or [case["category"]]


def run(cases_path: Path, crude: bool, verbose: bool) -> dict[str, object]:
    pii = _pii_detector(crude)
    sensitive = SensitiveDetector.from_rules(ROOT / "rules")
    policy = PolicyEngine.from_rules(ROOT / "rules" / "policy.yaml", Contact(name="DPO"))
    totals: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    timings: list[float] = []
    for line in cases_path.read_text(encoding="utf-8").splitlines():
        case = json.loads(line)
        segments = [
            Segment(("messages", i), m["content"], i, m["role"]) for i, m in enumerate(case["messages"])
        ]
        texts = [s.text for s in segments]
        base = pii.inspect(texts)
        languages = [
            case["lang"] if lang not in {"nl", "fr", "en", "de"} else lang for lang in base.languages
        ]
        started = time.perf_counter()
        extra = sensitive.inspect(texts, languages)
        timings.append((time.perf_counter() - started) * 1000)
        decision = policy.decide(Inspection(base.findings + extra, languages), segments, "default", None)
        _score(case, decision.blocked, decision.reason_code, totals, verbose)
    return {
        "totals": dict(totals),
        "sensitive_ms_max": max(timings),
        "sensitive_ms_mean": sum(timings) / len(timings),
    }


def _score(
    case: dict, blocked: bool, reason: str | None, totals: dict[str, list[int]], verbose: bool
) -> None:
    category = case["category"]
    if case["expect"] == "block":
        for tag in _expected_tags(case):
            key = f"{'art9:' if category == 'art9' else ''}{tag}"
            totals[key][0] += blocked
            totals[key][1] += 1
        if category == "art9":
            totals["art9 (all)"][0] += blocked
            totals["art9 (all)"][1] += 1
    elif case["expect"] == "pass":
        totals["false blocks on pass"][0] += blocked
        totals["false blocks on pass"][1] += 1
    else:
        totals["blocks on pseudonymise cases"][0] += blocked
        totals["blocks on pseudonymise cases"][1] += 1
    wrong = blocked != (case["expect"] == "block")
    if verbose and wrong:
        print(f"  MISS {case['id']} {category} expect={case['expect']} blocked={blocked} reason={reason}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=Path, default=ROOT.parent / "shared" / "devset" / "cases.jsonl")
    parser.add_argument("--crude", action="store_true", help="use the capitalised-token PERSON stand-in")
    parser.add_argument("-v", "--verbose", action="store_true", help="list the cases decided wrongly")
    args = parser.parse_args()
    result = run(args.cases, args.crude, args.verbose)
    for key, (hits, count) in sorted(result["totals"].items()):  # type: ignore[union-attr]
        print(f"{key:34s} {hits:3d}/{count:<3d} {100 * hits / count:5.1f} %")
    mean, worst = result["sensitive_ms_mean"], result["sensitive_ms_max"]
    print(f"sensitive detector: mean {mean:.2f} ms, max {worst:.2f} ms")


if __name__ == "__main__":
    main()
