"""Write eval/holdout.jsonl from the per-language case files (run from this directory)."""

import json
from pathlib import Path

import cases_de
import cases_en
import cases_fr
import cases_nl

allc = cases_nl.C + cases_fr.C + cases_en.C + cases_de.C
with open(Path(__file__).resolve().parent.parent / "holdout.jsonl", "w", encoding="utf-8") as f:
    for c in allc:
        f.write(json.dumps(c, ensure_ascii=False) + "\n")
print(len(allc))
