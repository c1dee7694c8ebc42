"""Case constructors shared by the per-language files."""


def U(t):
    return {"role": "user", "content": t}


def S(t):
    return {"role": "system", "content": t}


def A(t):
    return {"role": "assistant", "content": t}


def case(cid, lang, cat, msgs, expect, mnl=(), ml=(), art9=(), may_alter=None, note=""):
    if may_alter is None:
        may_alter = expect == "pseudonymise"
    return {
        "id": cid, "lang": lang, "category": cat, "messages": list(msgs), "expect": expect,
        "must_not_leak": [{"type": t, "value": v} for t, v in mnl],
        "may_leak": [{"type": t, "value": v} for t, v in ml],
        "art9": list(art9), "may_alter": may_alter, "note": note,
    }
