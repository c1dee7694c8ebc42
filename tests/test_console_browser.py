"""The console in a real headless Chromium (Debian's, driven by Playwright): what a DPO
and IT actually click.  One browser for the module; each test gets a fresh context
(no shared cookies).  With GATEWAY_SCREENSHOTS=1 it also refreshes the README screenshots in
docs/screenshots/; otherwise they go to a temporary folder, so a test run leaves the tree clean.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from console_seed import Seeded, rules, seed
from fakeprovider import ServerThread
from store_helpers import sqlite_url

from gateway.app import create_app

sync_api = pytest.importorskip("playwright.sync_api")
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run"]
README_SCREENSHOTS = Path(__file__).resolve().parent.parent / "docs" / "screenshots"
SCREENSHOTS = README_SCREENSHOTS if os.environ.get("GATEWAY_SCREENSHOTS") else Path(tempfile.mkdtemp())

# CI installs Debian's chromium (.ci/run), so there a missing browser is a failure, not a skip.
pytestmark = pytest.mark.skipif(not Path(CHROMIUM).exists() and not os.environ.get("CI"),
                                reason="Debian chromium is not installed")


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Seeded]]:
    data = seed(sqlite_url(tmp_path_factory.mktemp("console")))
    with ServerThread(create_app(rules(), data.store)) as server:
        yield server.url, data
    data.store.close()


@pytest.fixture(scope="module")
def browser() -> Iterator[sync_api.Browser]:
    with sync_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser: sync_api.Browser, served: tuple[str, Seeded]) -> Iterator[sync_api.Page]:
    context = browser.new_context(base_url=served[0], viewport={"width": 1366, "height": 900},
                                  accept_downloads=True, locale="en-GB")
    yield context.new_page()
    context.close()


def sign_in(page: sync_api.Page, key: str) -> None:
    page.goto("/admin")
    page.get_by_label("Admin key").fill(key)
    page.get_by_role("button", name="Sign in").click()


def test_dpo_signs_in_filters_and_reviews(page: sync_api.Page, served: tuple[str, Seeded]) -> None:
    _, data = served
    sign_in(page, data.dpo_key)
    assert page.get_by_role("heading", level=1).inner_text() == "Overview"
    week_ago = (datetime.now(UTC).date() - timedelta(days=6)).isoformat()
    page.goto(f"/admin/overview?since={week_ago}")
    page.screenshot(path=str(SCREENSHOTS / "console-overview.png"), full_page=True)

    page.get_by_role("link", name="Block log").click()
    rows = page.locator("table.log tbody tr")
    assert rows.count() == 2
    page.get_by_label("User").fill("bob")
    page.get_by_role("button", name="Filter").click()
    assert rows.count() == 1 and "art9_health" in rows.first.inner_text()
    page.get_by_label("User").fill("")
    page.get_by_role("button", name="Filter").click()
    page.screenshot(path=str(SCREENSHOTS / "console-block-log.png"), full_page=True)

    page.get_by_role("link", name="Details of record 2").click()
    assert "art9.health.diagnosis" in page.locator("table.findings").inner_text()
    page.get_by_label("Comment (optional)").fill("Checked with HR: a real case, block was right")
    page.get_by_role("button", name="Mark as reviewed").click()
    assert "marked as reviewed" in page.get_by_role("status").inner_text()
    assert "recorded in the log" in page.locator(".review").inner_text()
    page.screenshot(path=str(SCREENSHOTS / "console-detail.png"), full_page=True)
    assert [r.reviewer for r in data.console.reviews(2)] == ["Dana DPO"]


def test_export_download(page: sync_api.Page, served: tuple[str, Seeded]) -> None:
    sign_in(page, served[1].dpo_key)
    page.get_by_role("link", name="Block log").click()
    with page.expect_download() as info:
        page.get_by_role("link", name="JSONL").click()
    download = info.value
    name = download.suggested_filename
    assert name.startswith("use-log-") and name.endswith(".jsonl")
    assert '"request_id": "r2"' in Path(download.path()).read_text(encoding="utf-8")


def test_user_key_cannot_sign_in(page: sync_api.Page, served: tuple[str, Seeded]) -> None:
    sign_in(page, served[1].user_key)
    assert "not an admin key" in page.get_by_role("alert").inner_text()
    page.goto("/admin/blocks")
    assert page.url.endswith("/admin/login")


def test_dpo_cannot_manage_keys(page: sync_api.Page, served: tuple[str, Seeded]) -> None:
    sign_in(page, served[1].dpo_key)
    assert page.get_by_role("link", name="Keys and users").count() == 0
    response = page.goto("/admin/keys")
    assert response is not None and response.status == 403
    assert "does not allow" in page.get_by_role("alert").inner_text()


def test_it_creates_a_key_and_cannot_read_the_log(page: sync_api.Page, served: tuple[str, Seeded]) -> None:
    sign_in(page, served[1].it_key)
    assert page.get_by_role("heading", level=1).inner_text() == "Keys and users"
    page.get_by_label("User").fill("erin")
    page.get_by_role("button", name="Create a key").click()
    raw = page.locator("code.secret").inner_text()
    assert served[1].store.authenticate(raw).user == "erin"
    response = page.goto("/admin/blocks")
    assert response is not None and response.status == 403


def test_form_without_csrf_token_is_rejected(page: sync_api.Page, served: tuple[str, Seeded]) -> None:
    sign_in(page, served[1].dpo_key)
    page.goto("/admin/records/3")
    page.locator('form[action$="/review"] input[name="csrf"]').evaluate("field => field.remove()")
    page.get_by_role("button", name="Mark as reviewed").click()
    assert "did not come from this console" in page.get_by_role("alert").inner_text()
    assert served[1].console.reviews(3) == []


def test_language_switch(page: sync_api.Page) -> None:
    page.goto("/admin/login")
    page.get_by_role("link", name="NL").click()
    assert page.get_by_role("heading", level=1).inner_text() == "Aanmelden bij de console"
    assert page.locator("html").get_attribute("lang") == "nl"
