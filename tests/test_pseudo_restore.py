"""Restoration: exact, partial name reuse, never touching other text, chunk-invariant streams."""

from __future__ import annotations

import json

from hypothesis import given, settings
from hypothesis import strategies as st

from gateway.core import Finding
from gateway.pseudo import Pseudonymiser, Vault

SECRET = b"restore-test-secret-012345"
TEXT = ("Schrijf aan Jan Peeters (jan.peeters@telenet.be), gsm 0476 13 58 42, "
        "rekening BE91 8504 5942 8976, nn 55.06.27-820.52.")
VALUES = [("Jan Peeters", "PERSON"), ("jan.peeters@telenet.be", "EMAIL_ADDRESS"),
          ("0476 13 58 42", "PHONE_NUMBER"), ("BE91 8504 5942 8976", "IBAN_CODE"),
          ("55.06.27-820.52", "BE_NATIONAL_NUMBER")]


def pseudonymised() -> tuple[str, Vault]:
    findings = []
    for value, entity_type in VALUES:
        start = TEXT.index(value)
        findings.append(Finding(0, start, start + len(value), entity_type, 0.9, "t", value, "nl"))
    (out,), vault = Pseudonymiser(SECRET).transform([TEXT], findings)
    return out, vault


OUT, VAULT = pseudonymised()
FIRST, LAST = next(f for f in VAULT.forms if VAULT.forms[f] == "Jan Peeters").split()
PHONE = next(f for f, o in VAULT.forms.items() if o == "0476 13 58 42")
IBAN = next(f for f, o in VAULT.forms.items() if o == "BE91 8504 5942 8976")


def test_exact_restoration() -> None:
    assert VAULT.restore(OUT) == TEXT


def test_partial_and_case_variants_of_names() -> None:
    assert VAULT.restore(f"Beste {FIRST},") == "Beste Jan,"
    assert VAULT.restore(f"Dhr. {LAST} schreef") == "Dhr. Peeters schreef"
    assert VAULT.restore(f"{FIRST.upper()} {LAST.upper()}") == "JAN PEETERS"
    assert VAULT.restore(f"{FIRST.lower()} {LAST.lower()}") == "jan peeters"
    assert VAULT.restore(f"{FIRST}'s dossier") == "Jan's dossier"


def test_lowercase_name_word_alone_is_not_restored() -> None:
    assert VAULT.restore(f"een {LAST.lower()} hier") == f"een {LAST.lower()} hier"


def test_glued_words_are_not_touched() -> None:
    for text in (f"{FIRST}s", f"x{FIRST}", f"{LAST}2", f"{PHONE}1"):
        assert VAULT.restore(text) == text


def test_numbers_in_other_spacing() -> None:
    assert VAULT.restore(PHONE.replace(" ", "")) == "0476135842"
    assert VAULT.restore("+32 " + PHONE[1:]) == "+32 476 13 58 42"
    assert VAULT.restore(IBAN.replace(" ", "")) == "BE91850459428976"


def test_restored_text_is_not_restored_again() -> None:
    vault = Vault({"Karel": "Lotte", "Lotte": "Jan"})
    assert vault.restore("Karel en Lotte") == "Lotte en Jan"


def test_tool_call_json_restoration() -> None:
    arguments = json.dumps({"to": OUT, "names": [FIRST]})
    assert VAULT.restore_json(json.loads(arguments)) == {"to": TEXT, "names": ["Jan"]}
    vault = Vault({"Karel Maes": 'Jan "JP" Peeters\n'})
    stream = vault.json_stream()
    raw = json.dumps({"name": "Karel Maes"})
    restored = "".join(stream.feed(c) for c in raw) + stream.flush()
    assert json.loads(restored) == {"name": 'Jan "JP" Peeters\n'}


def test_one_character_chunks() -> None:
    stream = VAULT.stream()
    assert "".join(stream.feed(c) for c in OUT) + stream.flush() == TEXT


def test_holds_back_only_a_possible_surrogate_prefix() -> None:
    stream = VAULT.stream()
    assert stream.feed("Hallo daar, ") == "Hallo daar, "
    assert stream.feed(FIRST[:2]) == ""
    assert stream.feed(FIRST[2:] + " ") == ""  # "<first> " may still become "<first> <last>"
    assert stream.feed("en") == "Jan en"
    assert stream.flush() == ""


def test_no_surrogates_stream_passes_through() -> None:
    stream = Vault({}).stream()
    assert stream.feed("abc") == "abc" and stream.flush() == ""


FORMS = sorted(VAULT.forms)
pieces = st.one_of(st.sampled_from(FORMS), st.text(alphabet="aAbz 0.-,'\n+é", max_size=6))


@settings(max_examples=300, deadline=None)
@given(parts=st.lists(pieces, max_size=12), cuts=st.lists(st.integers(0, 400), max_size=20))
def test_stream_output_is_independent_of_chunking(parts: list[str], cuts: list[int]) -> None:
    text = "".join(parts)
    bounds = sorted({0, len(text), *(c % (len(text) + 1) for c in cuts)})
    chunks = [text[a:b] for a, b in zip(bounds, bounds[1:], strict=False)]
    stream = VAULT.stream()
    assert "".join(stream.feed(c) for c in chunks) + stream.flush() == VAULT.restore(text)
