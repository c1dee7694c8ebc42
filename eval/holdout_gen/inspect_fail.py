"""Print every failed hold-out case of a harness run with its leaks and unwanted edits.

Usage: python inspect_fail.py RUN_DIR   (the directory holding results.jsonl and traffic.jsonl)
"""

import difflib
import json
import sys
from pathlib import Path


def _read_jsonl(path: Path) -> list[dict]:
    with path.open(encoding="utf-8") as f:
        return [json.loads(line) for line in f]


def _show_leaks(result: dict, upstream: str) -> None:
    for leak in result.get("leaked") or []:
        val = str(leak["value"] if isinstance(leak, dict) else leak)
        i = upstream.lower().find(val.lower())
        ctx = repr(upstream[max(0, i - 80): i + len(val) + 60]) if i >= 0 else "(normalised match)"
        print("  LEAK", leak, "| ctx:", ctx)


def _show_alterations(sent: str, upstream: str) -> None:
    matcher = difflib.SequenceMatcher(None, sent, upstream, autojunk=False)
    for op, a1, a2, b1, b2 in matcher.get_opcodes():
        if op != "equal":
            ctx = sent[max(0, a1 - 40): a2 + 20]
            print(f"  ALTER {op}: {sent[a1:a2]!r} -> {upstream[b1:b2]!r}   ctx: {ctx!r}")


def main(run_dir: Path) -> None:
    traffic = {(t["id"], t["api"], t["stream"]): t for t in _read_jsonl(run_dir / "traffic.jsonl")}
    for r in _read_jsonl(run_dir / "results.jsonl"):
        altered_pass = r["expect"] == "pass" and r["altered"]
        if r["verdict"] == "pass" and not altered_pass:
            continue
        t = traffic.get((r["id"], r["api"], r["stream"]), {})
        print("=" * 100)
        print(r["id"], r["api"], r["stream"], r["verdict"], r["reason"], "status", r["status"],
              r.get("error") and str(r["error"])[:300])
        upstream = " || ".join(c for u in t.get("upstream", []) for c in u.get("contents", []))
        _show_leaks(r, upstream)
        if altered_pass:
            _show_alterations(" || ".join(t.get("sent", [])), upstream)


if __name__ == "__main__":
    main(Path(sys.argv[1]))
