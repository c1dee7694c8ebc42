"""Quick measurement of the detector on the dev set (tuning aid, not a test).

    python bench/detect_devset.py [--cases ../shared/devset/cases.jsonl] [--show-leaks] [--show-alterations]

For every case, the detector runs over all message texts of the case; each finding's span is
replaced by a placeholder, and the harness's own leak test (../shared/eval/harness/textnorm.py)
decides whether a must_not_leak value is still there.  Reports, per type, the values left
uncovered on `pseudonymise` cases (and on `block` cases, for information), the share of
`pass` cases with may_alter=false that got any finding (unnecessary alteration), ms per case,
and the detector's latency on the harness's 300-word PII prompt.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import statistics
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from gateway.detect import PiiDetector  # noqa: E402

SHARED = ROOT.parent / "shared"


def _load_module(name: str, path: Path):  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _masked(texts: list[str], findings: list) -> list[str]:  # type: ignore[type-arg]
    out = list(texts)
    for f in sorted(findings, key=lambda f: (f.segment, -f.start)):
        t = out[f.segment]
        out[f.segment] = t[:f.start] + "\u2063PII\u2063" + t[f.end:]
    return out


def _pii_prompt() -> str:
    """The 300-word prompt of the harness benchmark, read without importing openai."""
    source = (SHARED / "eval" / "harness" / "bench.py").read_text()
    namespace: dict = {}
    start = source.index("_FILLER = [")
    end = source.index("def _pct")
    exec(source[start:end], namespace)  # noqa: S102 - our own shared harness file
    return namespace["PII_PROMPT"]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cases", default=str(SHARED / "devset" / "cases.jsonl"))
    parser.add_argument("--show-leaks", action="store_true")
    parser.add_argument("--show-alterations", action="store_true")
    args = parser.parse_args()
    textnorm = _load_module("textnorm", SHARED / "eval" / "harness" / "textnorm.py")

    t0 = time.perf_counter()
    detector = PiiDetector.from_rules()
    print(f"load: {time.perf_counter() - t0:.2f} s")
    lines = Path(args.cases).read_text(encoding="utf-8").splitlines()
    cases = [json.loads(line) for line in lines if line.strip()]

    totals: dict[str, Counter] = defaultdict(Counter)
    altered: Counter = Counter()
    pass_cases: Counter = Counter()
    timings = []
    for case in cases:
        texts = [m["content"] for m in case["messages"]]
        t = time.perf_counter()
        inspection = detector.inspect(texts)
        timings.append((time.perf_counter() - t) * 1000)
        if case["expect"] == "pass":
            key = f"{case['category']}/{case['lang']}"
            if not case["may_alter"]:
                pass_cases[key] += 1
                if inspection.findings:
                    altered[key] += 1
                    if args.show_alterations:
                        print(f"ALTERED {case['id']}: " + ", ".join(
                            f"{f.entity_type}={f.value!r}" for f in inspection.findings))
            continue
        hay = textnorm.Haystack(_masked(texts, inspection.findings))
        for item in case["must_not_leak"]:
            bucket = totals[f"{case['expect']}:{item['type']}"]
            bucket["n"] += 1
            totals[f"{case['expect']}:ALL"]["n"] += 1
            if hay.contains(item["value"]):
                bucket["leaked"] += 1
                totals[f"{case['expect']}:ALL"]["leaked"] += 1
                if args.show_leaks:
                    print(f"LEAK {case['id']} {item['type']}: {item['value']!r}")

    print("\nmust_not_leak values left uncovered (leaked / listed):")
    for key in sorted(totals):
        c = totals[key]
        print(f"  {key:32s} {c['leaked']:3d} / {c['n']:3d}  ({100 * c['leaked'] / c['n']:.1f}%)")
    print("\npass cases (may_alter=false) with any finding:")
    for key in sorted(pass_cases):
        print(f"  {key:32s} {altered[key]:3d} / {pass_cases[key]:3d}")
    total_pass = sum(pass_cases.values())
    print(f"  {'ALL':32s} {sum(altered.values()):3d} / {total_pass:3d} "
          f"({100 * sum(altered.values()) / max(total_pass, 1):.1f}%)")
    print(f"\nms per case: p50 {statistics.median(timings):.2f}  max {max(timings):.2f}")

    prompt = _pii_prompt()
    runs = []
    for _ in range(50):
        t = time.perf_counter()
        detector.inspect([prompt])
        runs.append((time.perf_counter() - t) * 1000)
    found = sorted({f.entity_type for f in detector.inspect([prompt]).findings})
    print(f"300-word PII prompt: p50 {statistics.median(runs):.2f} ms, p95 "
          f"{sorted(runs)[int(len(runs) * 0.95)]:.2f} ms; types found: {', '.join(found)}")


if __name__ == "__main__":
    main()
