"""The DPO console over HTTP (in-process): sign-in, roles, CSRF, log pages, chained actions."""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from console_seed import Seeded, rules, seed
from fastapi.testclient import TestClient
from store_helpers import sqlite_url

from gateway.app import create_app
from gateway.web.session import SESSION_COOKIE


@pytest.fixture
def seeded(tmp_path: Path) -> Iterator[Seeded]:
    data = seed(sqlite_url(tmp_path))
    yield data
    data.store.close()


@pytest.fixture
def client(seeded: Seeded) -> Iterator[TestClient]:
    with TestClient(create_app(rules(), seeded.store), base_url="http://testserver") as test_client:
        yield test_client


def csrf_of(html: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', html)
    assert found, "the form has no CSRF field"
    return found.group(1)


def sign_in(client: TestClient, key: str) -> str:
    """Sign in; returns the session's CSRF token (from the landing page)."""
    token = csrf_of(client.get("/admin/login").text)
    answer = client.post("/admin/login", data={"key": key, "csrf": token})
    assert answer.status_code == 200, answer.text
    return csrf_of(answer.text)


def admin_records(seeded: Seeded) -> list[dict[str, object]]:
    return [r for r in seeded.store.export() if r["decision"] == "admin"]


def test_session_cookie_is_httponly_strict_and_scoped(client: TestClient, seeded: Seeded) -> None:
    token = csrf_of(client.get("/admin/login").text)
    answer = client.post("/admin/login", data={"key": seeded.dpo_key, "csrf": token}, follow_redirects=False)
    assert answer.status_code == 303 and answer.headers["location"] == "/admin/overview"
    cookie = [c for c in answer.headers.get_list("set-cookie") if c.startswith(SESSION_COOKIE)][0]
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie and "Path=/admin" in cookie
    assert "Secure" not in cookie  # plain http in this test; see the https test below
    session_id = cookie.split(";")[0].split("=", 1)[1]
    assert session_id not in json.dumps(list(seeded.store.export()))


def test_cookie_is_secure_over_https(seeded: Seeded) -> None:
    with TestClient(create_app(rules(), seeded.store), base_url="https://testserver") as https:
        token = csrf_of(https.get("/admin/login").text)
        answer = https.post("/admin/login", data={"key": seeded.it_key, "csrf": token},
                            follow_redirects=False)
    assert any(c.startswith(SESSION_COOKIE) and "Secure" in c for c in answer.headers.get_list("set-cookie"))


def test_user_key_and_unknown_key_cannot_sign_in(client: TestClient, seeded: Seeded) -> None:
    token = csrf_of(client.get("/admin/login").text)
    user = client.post("/admin/login", data={"key": seeded.user_key, "csrf": token})
    assert user.status_code == 403 and "not an admin key" in user.text
    unknown = client.post("/admin/login", data={"key": "gwa-nope", "csrf": token})
    assert unknown.status_code == 401
    assert client.get("/admin/overview", follow_redirects=False).headers["location"] == "/admin/login"
    # A bearer user key on a console page is no way in either.
    bearer = client.get("/admin/blocks", headers={"authorization": f"Bearer {seeded.user_key}"},
                        follow_redirects=False)
    assert bearer.status_code == 303


def test_login_without_csrf_token_is_refused(client: TestClient, seeded: Seeded) -> None:
    client.get("/admin/login")
    answer = client.post("/admin/login", data={"key": seeded.dpo_key, "csrf": "forged"})
    assert answer.status_code == 403
    assert SESSION_COOKIE not in client.cookies


def test_post_without_session_csrf_token_is_refused(client: TestClient, seeded: Seeded) -> None:
    sign_in(client, seeded.dpo_key)
    before = len(admin_records(seeded))
    answer = client.post("/admin/records/2/review", data={"comment": "ok"})
    assert answer.status_code == 403 and "did not come from this console" in answer.text
    assert seeded.console.reviews(2) == [] and len(admin_records(seeded)) == before


def test_roles_are_enforced(client: TestClient, seeded: Seeded) -> None:
    csrf = sign_in(client, seeded.dpo_key)
    assert client.get("/admin/keys").status_code == 403
    assert client.post("/admin/keys", data={"user": "eve", "csrf": csrf}).status_code == 403
    assert all(k.user != "eve" for k in seeded.store.list_keys())
    client.cookies.clear()
    sign_in(client, seeded.it_key)
    for page in ("/admin/overview", "/admin/blocks", "/admin/records/2", "/admin/export",
                 "/admin/processing"):
        assert client.get(page).status_code == 403, page


def test_block_log_filters(client: TestClient, seeded: Seeded) -> None:
    sign_in(client, seeded.dpo_key)

    def ids(query: str) -> set[str]:
        html = client.get("/admin/blocks" + query).text
        return set(re.findall(r'href="/admin/records/(\d+)"', html))

    assert ids("") == {"2", "3"}  # blocked, by default
    assert ids("?decision=") == {"1", "2", "3", "4", "5"}  # 5: the sign-in itself
    assert ids("?user=bob") == {"2"}
    assert ids("?provider=in-house") == {"3"}
    assert ids("?category=art9_health") == {"2"}
    assert ids("?category=PERSON&decision=") == {"1", "2"}
    assert ids("?rule=secrets.aws_key") == {"3"}
    assert ids("?decision=forwarded&model=gpt-4o") == {"1"}
    assert ids("?since=2000-01-01&until=2000-01-31") == set()


def test_detail_shows_positions_and_types_never_values(client: TestClient, seeded: Seeded) -> None:
    sign_in(client, seeded.dpo_key)
    page = client.get("/admin/records/2").text
    for expected in ("art9_health", "art9.health.diagnosis", "ART9_HEALTH", "12–20", "bob"):
        assert expected in page
    assert client.get("/admin/records/999").status_code == 404


def test_review_is_stored_and_chained_without_the_comment(client: TestClient, seeded: Seeded) -> None:
    csrf = sign_in(client, seeded.dpo_key)
    comment = "False positive: the diagnosis was about a fictional character"
    answer = client.post("/admin/records/2/review", data={"comment": comment, "csrf": csrf})
    assert answer.status_code == 200 and "recorded in the log" in answer.text
    [review] = seeded.console.reviews(2)
    assert review.comment == comment and review.reviewer == "Dana DPO" and review.chained
    chained = admin_records(seeded)[-1]
    assert chained["reason_code"] == "review" and chained["user"] == "Dana DPO"
    assert chained["counts"] == {"record": 2} and str(chained["request_id"]).startswith("sha256-")
    assert "fictional" not in json.dumps(list(seeded.store.export()))
    assert seeded.store.verify_chain()[0]
    listing = client.get("/admin/blocks").text
    assert re.search(r'records/2".*?</tr>', listing, re.S).group(0).count("Yes") == 1


def test_proposal_is_applied_by_it(client: TestClient, seeded: Seeded) -> None:
    csrf = sign_in(client, seeded.dpo_key)
    client.post("/admin/records/2/proposals", data={"kind": "allowlist", "text": "allow 'diabetes' in HR FAQ",
                                                   "csrf": csrf})
    [proposal] = seeded.console.proposals()
    assert proposal.kind == "allowlist" and proposal.applied_at is None
    page = client.get("/admin/proposals").text
    assert "allow &#39;diabetes&#39; in HR FAQ" in page and "Mark applied" not in page
    client.cookies.clear()
    it_csrf = sign_in(client, seeded.it_key)
    assert client.post(f"/admin/proposals/{proposal.id}/applied", data={"csrf": it_csrf}).status_code == 200
    [applied] = seeded.console.proposals()
    assert applied.applied_by == "Ivo IT" and applied.applied_at is not None
    assert [r["reason_code"] for r in admin_records(seeded)][-2:] == ["signin", "apply_proposal"]


def test_log_export_csv_and_jsonl(client: TestClient, seeded: Seeded) -> None:
    sign_in(client, seeded.dpo_key)
    answer = client.get("/admin/export?format=csv")
    assert answer.status_code == 200 and "attachment" in answer.headers["content-disposition"]
    rows = list(csv.DictReader(io.StringIO(answer.text)))
    assert [r["request_id"] for r in rows[:4]] == ["r1", "r2", "r3", "r4"]
    assert rows[3]["model"].startswith("'=")  # not a spreadsheet formula
    lines = client.get("/admin/export?format=jsonl").text.splitlines()
    assert json.loads(lines[1])["reason_code"] == "art9_health"
    assert "export_csv" in [r["reason_code"] for r in admin_records(seeded)]


def test_records_of_processing(client: TestClient, seeded: Seeded) -> None:
    sign_in(client, seeded.dpo_key)
    markdown = client.get("/admin/processing?format=md").text
    assert "## Provider `openai` (policy profile `default`)" in markdown
    assert "| pseudonymised | PERSON | 2 |" in markdown and "| blocked | ART9_HEALTH | 1 |" in markdown
    assert "policy profile `in_house`" in markdown and "| blocked | CREDENTIAL | 1 |" in markdown
    rows = list(csv.DictReader(io.StringIO(client.get("/admin/processing?format=csv").text)))
    assert {(r["provider"], r["treatment"], r["data_type"], r["count"]) for r in rows} >= {
        ("openai", "pseudonymised", "EMAIL_ADDRESS", "1"), ("in-house", "blocked", "CREDENTIAL", "1")}


def test_overview_charts(client: TestClient, seeded: Seeded) -> None:
    sign_in(client, seeded.dpo_key)
    page = client.get("/admin/overview").text
    assert page.count("<svg") == 7 and 'role="img"' in page
    assert re.search(r"<dt>Requests</dt><dd>4</dd>", page)
    assert re.search(r"<dt>Blocked requests</dt><dd>2</dd>", page)
    assert re.search(r"<dt>Values pseudonymised</dt><dd>3</dd>", page)
    top_rules = page.split('id="rules-title"')[1].split('id="users-title"')[0]
    assert "art9.health.diagnosis" in top_rules and "secrets.aws_key" in top_rules
    assert "names.gazetteer" not in top_rules  # it matched, but did not cause the block


def test_localised_pages(client: TestClient, seeded: Seeded) -> None:
    assert "Aanmelden bij de console" in client.get("/admin/login", headers={"accept-language": "nl-BE"}).text
    assert "Connexion à la console" in client.get("/admin/login?lang=fr").text
    # ?lang= is remembered in a cookie.
    assert "Connexion à la console" in client.get("/admin/login").text


def test_it_manages_keys_and_users(client: TestClient, seeded: Seeded) -> None:
    csrf = sign_in(client, seeded.it_key)
    created = client.post("/admin/keys", data={"user": "dave", "group": "hr", "csrf": csrf})
    raw = re.search(r'<code class="secret">([^<]+)</code>', created.text).group(1)
    assert seeded.store.authenticate(raw).user == "dave"
    key_id = seeded.store.authenticate(raw).key_id
    client.post(f"/admin/keys/{key_id}/revoke", data={"csrf": csrf})
    assert seeded.store.authenticate(raw) is None
    client.post("/admin/users/alice/suspend", data={"csrf": csrf})
    assert seeded.store.authenticate(seeded.user_key).suspended
    actions = [r["reason_code"] for r in admin_records(seeded)]
    assert actions[-3:] == ["key_create", "key_revoke", "user_suspend"]
    assert raw not in json.dumps(list(seeded.store.export()))


def test_rules_reload_hook(client: TestClient, seeded: Seeded) -> None:
    csrf = sign_in(client, seeded.it_key)
    calls: list[int] = []
    client.app.state.reload = lambda: calls.append(1) or "reloaded: 2 providers"
    answer = client.post("/admin/rules", data={"csrf": csrf})
    assert answer.status_code == 200 and "reloaded: 2 providers" in answer.text and calls == [1]

    def refuse() -> None:
        raise ValueError("rules.yaml (line 3): modles: extra inputs are not permitted")

    client.app.state.reload = refuse
    failed = client.post("/admin/rules", data={"csrf": csrf})
    assert failed.status_code == 409 and "line 3" in failed.text
    assert [r["reason_code"] for r in admin_records(seeded)][-2:] == ["rules_reload", "rules_reload_failed"]


def test_staff_reports_api_and_page(client: TestClient, seeded: Seeded) -> None:
    report = {"kind": "compromised", "description": "my laptop was stolen with the key on it"}
    assert client.post("/v1/reports", json=report).status_code == 401
    assert client.post("/v1/reports", json={"kind": "x", "description": "y"},
                       headers={"authorization": f"Bearer {seeded.user_key}"}).status_code == 400
    made = client.post("/v1/reports", json=report, headers={"authorization": f"Bearer {seeded.user_key}"})
    assert made.status_code == 201 and made.json()["status"] == "received"
    token = csrf_of(client.get("/report").text)
    page = client.post("/report", data={"key": seeded.user_key, "kind": "misuse",
                                        "description": "a colleague pastes CVs", "csrf": token})
    assert page.status_code == 200 and "Your report was received" in page.text
    assert client.post("/report", data={"key": seeded.user_key, "kind": "misuse", "description": "x",
                                        "csrf": "forged"}).status_code == 403
    logged = [r for r in seeded.store.export() if r["decision"] == "report"]
    assert [(r["user"], r["reason_code"]) for r in logged] == [("alice", "compromised"), ("alice", "misuse")]
    assert "stolen" not in json.dumps(logged)
    sign_in(client, seeded.dpo_key)
    listing = client.get("/admin/reports").text
    assert "my laptop was stolen" in listing and "a colleague pastes CVs" in listing


def test_sign_out_ends_the_session(client: TestClient, seeded: Seeded) -> None:
    csrf = sign_in(client, seeded.dpo_key)
    session_id = client.cookies[SESSION_COOKIE]
    client.post("/admin/logout", data={"csrf": csrf})
    client.cookies.set(SESSION_COOKIE, session_id, path="/admin")
    assert client.get("/admin/overview", follow_redirects=False).status_code == 303
