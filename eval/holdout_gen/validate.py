"""Check that every identifier in a hold-out file passes its checksum (or, for may_leak values, does not).

Usage: python validate.py HOLDOUT.jsonl
"""

import json
import re
import sys
import unicodedata

import phonenumbers
from stdnum import iban, luhn
from stdnum.be import bis, eid, nn
from stdnum.nl import bsn

CYR = str.maketrans("АаЕеРрОоСсВМНКТХху", "AaEePpOoCcBMHKTXxy")


def clean(v):
    v = unicodedata.normalize("NFKC", v)
    v = "".join(ch for ch in v if unicodedata.category(ch) != "Cf")
    return v.translate(CYR)


def digits(v):
    return re.sub(r"\D", "", v)


bad = 0
with open(sys.argv[1], encoding="utf-8") as f:
    rows = [json.loads(line) for line in f]
for c in rows:
    for e in c["must_not_leak"]:
        t, v = e["type"], clean(e["value"])
        ok = None
        if t == "BE_NATIONAL_NUMBER":
            ok = nn.is_valid(digits(v)) or bis.is_valid(digits(v))
        elif t == "IBAN_CODE":
            ok = iban.is_valid(v.replace("-", ""))
        elif t == "CREDIT_CARD":
            ok = luhn.is_valid(digits(v)) and len(digits(v)) == 16
        elif t == "NL_BSN":
            ok = bsn.is_valid(v)
        elif t == "ID_DOCUMENT" and len(digits(v)) == 12:
            ok = eid.is_valid(v)
        elif t == "PHONE_NUMBER" and any(ch.isdigit() for ch in v):
            d = v.replace(" ", "") if re.fullmatch(r"[\d ]+", v) else v
            region = "NL" if d.startswith("06-") else "BE"
            ok = phonenumbers.is_valid_number(phonenumbers.parse(d, region))
        if ok is not None:
            print(("OK  " if ok else "BAD ") + c["id"], t, repr(e["value"]))
            bad += not ok
    for e in c["may_leak"]:
        v = clean(e["value"])
        d = digits(v)
        checks = {"nn": nn.is_valid(d) or bis.is_valid(d), "iban": iban.is_valid(v), "luhn16": len(d) == 16 and luhn.is_valid(d),
                  "bsn": len(d) == 9 and bsn.is_valid(d)}
        hit = [k for k, x in checks.items() if x]
        if hit:
            print("NOTE", c["id"], e["type"], v, "passes", hit)
mt = sum(1 for c in rows if len(c["messages"]) > 1)
print("multi-turn:", mt, f"{mt/len(rows):.0%}", "| bad:", bad)
long_ = sum(1 for c in rows if len(" ".join(m["content"] for m in c["messages"]).split()) >= 200)
print("prompts with 200+ words:", long_)
