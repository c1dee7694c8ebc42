"""Checksum helpers to build valid (invented) identifiers."""
from stdnum import iban as ibanmod
from stdnum import luhn
from stdnum.be import bis as bbis
from stdnum.be import eid as beid
from stdnum.be import nn as bnn
from stdnum.nl import bsn as nbsn


def _nn_digits(yyyy, mm, dd, seq):
    base = f"{yyyy % 100:02d}{mm:02d}{dd:02d}{seq:03d}"
    n = int(("2" if yyyy >= 2000 else "") + base)
    return base + f"{97 - n % 97:02d}"


def fmt_nn(d, style):
    if style == "dots":
        return f"{d[0:2]}.{d[2:4]}.{d[4:6]}-{d[6:9]}.{d[9:11]}"
    if style == "compact":
        return d
    if style == "space":
        return f"{d[0:6]} {d[6:9]} {d[9:11]}"
    if style == "dash":
        return f"{d[0:6]}-{d[6:9]}-{d[9:11]}"
    raise ValueError(style)


def nn(yyyy, mm, dd, seq, style="dots"):
    d = _nn_digits(yyyy, mm, dd, seq)
    assert bnn.is_valid(d), d
    return fmt_nn(d, style)


def bis(yyyy, mm, dd, seq, style="dots"):
    d = _nn_digits(yyyy, mm + 40, dd, seq)
    assert bbis.is_valid(d), d
    return fmt_nn(d, style)


def eid(ten):
    c = int(ten) % 97 or 97
    s = f"{ten[:3]}-{ten[3:10]}-{c:02d}"
    assert beid.is_valid(s), s
    return s


def _iban(cc, bban):
    num = "".join(str(int(ch, 36)) for ch in bban + cc + "00")
    chk = 98 - int(num) % 97
    raw = f"{cc}{chk:02d}{bban}"
    assert ibanmod.is_valid(raw), raw
    return raw


def grp(raw, sep=" "):
    return sep.join(raw[i:i + 4] for i in range(0, len(raw), 4))


def be_iban(bank, acct, sep=" "):
    ten = f"{bank:03d}{acct:07d}"
    c = int(ten) % 97 or 97
    return grp(_iban("BE", f"{ten}{c:02d}"), sep)


def fr_iban(bank, guichet, account, sep=" "):
    key = 97 - ((89 * bank + 15 * guichet + 3 * int(account)) % 97)
    return grp(_iban("FR", f"{bank:05d}{guichet:05d}{account}{key:02d}"), sep)


def nl_iban(bank, acct, sep=" "):
    return grp(_iban("NL", f"{bank}{acct}"), sep)


def de_iban(blz, acct, sep=" "):
    return grp(_iban("DE", f"{blz}{acct}"), sep)


def lu_iban(bank, acct, sep=" "):
    return grp(_iban("LU", f"{bank}{acct}"), sep)


def card(prefix15, sep=" "):
    d = prefix15 + luhn.calc_check_digit(prefix15)
    assert luhn.is_valid(d)
    return sep.join(d[i:i + 4] for i in range(0, 16, 4)) if sep is not None else d


def bsn(first8):
    s = sum(int(c) * (9 - i) for i, c in enumerate(first8))
    last = s % 11
    assert last < 10, "pick other digits"
    d = first8 + str(last)
    assert nbsn.is_valid(d)
    return d
