import json
import cases_nl, cases_fr, cases_en, cases_de
allc = cases_nl.C + cases_fr.C + cases_en.C + cases_de.C
with open("/work/main/eval/holdout.jsonl", "w", encoding="utf-8") as f:
    for c in allc:
        f.write(json.dumps(c, ensure_ascii=False) + "\n")
print(len(allc))
