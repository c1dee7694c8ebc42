import json, sys, difflib, re
out = sys.argv[1]
res = [json.loads(l) for l in open(f"{out}/results.jsonl")]
tr = {}
for l in open(f"{out}/traffic.jsonl"):
    t = json.loads(l); tr[(t["id"], t["api"], t["stream"])] = t
for r in res:
    if r["verdict"] == "pass" and not (r["expect"] == "pass" and r["altered"]):
        continue
    t = tr.get((r["id"], r["api"], r["stream"]), {})
    print("=" * 100); print(r["id"], r["api"], r["stream"], r["verdict"], r["reason"], "status", r["status"], r.get("error") and str(r["error"])[:300])
    up = " || ".join(c for u in t.get("upstream", []) for c in u.get("contents", []))
    sent = " || ".join(t.get("sent", []))
    for v in r.get("leaked") or []:
        val = v["value"] if isinstance(v, dict) else v
        i = up.lower().find(str(val).lower())
        print("  LEAK", v, "| ctx:", repr(up[max(0, i - 80): i + len(str(val)) + 60]) if i >= 0 else "(normalised match)")
    if r["expect"] == "pass" and r["altered"]:
        sm = difflib.SequenceMatcher(None, sent, up, autojunk=False)
        for op, a1, a2, b1, b2 in sm.get_opcodes():
            if op != "equal":
                print(f"  ALTER {op}: {sent[a1:a2]!r} -> {up[b1:b2]!r}   ctx: {sent[max(0,a1-40):a2+20]!r}")
