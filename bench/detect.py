"""The protection stages alone, in process, no HTTP: what they cost per prompt (not a test).

    python bench/detect.py [--n 50] [--config rules/gateway.yaml]

Builds the engine with ``gateway.engine.build_engine`` (reporting its load time and the
memory it adds), then times inspect + decide + transform, the work the gateway does
for every prompt before forwarding, per language for 300- and 2,000-word prompts with
6 personal values and for 300-word prompts without any, with and without numbers that are
not personal data (bench/prompts.py).  Prints
Markdown tables.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import procinfo
from prompts import prompt

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from gateway.config import load_rules  # noqa: E402
from gateway.core import Segment  # noqa: E402
from gateway.engine import Engine, build_engine  # noqa: E402

LANGUAGES = ("nl", "fr", "en", "de")
SECRET_ENV = "GATEWAY_PSEUDONYM_SECRET"
CELLS = ((300, True, False), (2000, True, False), (300, False, False), (300, False, True))


def protect(engine: Engine, text: str) -> dict[str, int]:
    """What the pipeline does before forwarding one message; returns the counts it decided."""
    segments = [Segment(path=("messages", 0, "content"), text=text, message_index=0, role="user")]
    inspection = engine.inspector.inspect([text])
    decision = engine.policy.decide(inspection, segments, "openai", None)
    if not decision.blocked and decision.pseudonymise:
        engine.transformer.transform([text], decision.pseudonymise)
    return decision.counts()


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return 1000 * ordered[min(len(ordered) - 1, round((len(ordered) - 1) * q / 100))]


def measure(engine: Engine, language: str, words: int, pii: bool, numbers: bool, n: int) -> list[str]:
    text = prompt(language, words, pii, numbers)
    counts = protect(engine, text)  # warm-up, and what was found
    times = []
    for _ in range(n):
        started = time.perf_counter()
        protect(engine, text)
        times.append(time.perf_counter() - started)
    found = ", ".join(f"{k}={v}" for k, v in sorted(counts.items())) or "-"
    label = f"{words} words, " + ("6 personal values" if pii else
                                  "numbers, pass-through" if numbers else "pass-through")
    return [language, label, f"{percentile(times, 50):.1f}", f"{percentile(times, 95):.1f}", found]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=50, help="runs per prompt (default 50)")
    parser.add_argument("--config", help="rules file (default: the shipped rules/gateway.yaml)")
    args = parser.parse_args(argv)
    os.environ.setdefault(SECRET_ENV, "bench-only-pseudonym-secret-0123456789")
    rules = load_rules(args.config)
    before = procinfo.status_kib(os.getpid(), "VmRSS")
    started = time.perf_counter()
    engine = build_engine(rules)
    load_s = time.perf_counter() - started
    added = procinfo.status_kib(os.getpid(), "VmRSS") - before
    rows = [measure(engine, language, words, pii, numbers, args.n)
            for language in LANGUAGES for words, pii, numbers in CELLS]
    rss, peak = (procinfo.mib(procinfo.status_kib(os.getpid(), f)) for f in ("VmRSS", "VmHWM"))
    print(f"Engine: build_engine in {load_s:.1f} s, +{procinfo.mib(added):.0f} MiB; "
          f"process RSS {rss:.0f} MiB after the runs (peak {peak:.0f} MiB). "
          f"{args.n} runs per prompt, one thread, {procinfo.cpu_count()} cores.\n")
    print("| lang | prompt | p50 (ms) | p95 (ms) | decided (types=count) |\n|---|---|---|---|---|")
    for row in rows:
        print("| " + " | ".join(row) + " |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
