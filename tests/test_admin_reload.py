"""Rules changes without restart: POST /admin/rules/reload, the file watch, and what is logged."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from admin_helpers import AdminGateway, admin_gateway, rules_yaml
from fakeprovider import FakeProvider

from gateway.config import Rules, RulesError, parse_rules
from gateway.engine import Engine
from gateway.pipeline import core_engine
from gateway.reload import WATCH_ENV, diff_summary


@pytest.fixture
def provider_url(provider: FakeProvider) -> str:
    return f"http://127.0.0.1:{provider.port}"


@pytest.fixture
def gw(tmp_path: Path, provider_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[AdminGateway]:
    monkeypatch.setenv(WATCH_ENV, "0")  # these tests trigger reloads explicitly
    with admin_gateway(tmp_path, rules_yaml(provider_url)) as gateway:
        yield gateway


def _reload(gw: AdminGateway, key: str | None = None) -> httpx.Response:
    headers = {"Authorization": f"Bearer {key}"} if key else {}
    return httpx.post(f"{gw.url}/admin/rules/reload", headers=headers, timeout=30)


def test_a_good_file_applies_without_restart(gw: AdminGateway, provider_url: str) -> None:
    assert gw.chat("echo-2").json()["error"]["code"] == "model_not_allowed"
    gw.rules_file.write_text(rules_yaml(provider_url, models="[echo-1, echo-2]"))

    answer = _reload(gw, gw.it_key)

    assert answer.status_code == 200, answer.text
    result = answer.json()
    assert result["applied"] is True and result["who"] == "ivan-it"
    assert result["summary"]["+model echo/echo-2"] == 1
    assert result["summary"]["models_added"] == 1 and result["summary"]["models"] == 3
    assert gw.chat("echo-2").status_code == 200
    [record] = gw.admin_records()
    assert (record["user"], record["reason_code"]) == ("ivan-it", "rules_reloaded")
    assert record["counts"]["+model echo/echo-2"] == 1
    assert gw.store.verify_chain()[0]


def test_a_bad_file_keeps_the_old_rules_and_says_why(gw: AdminGateway, provider_url: str) -> None:
    gw.rules_file.write_text(rules_yaml(provider_url, models="[echo-1, echo-2]") + "modles: [x]\n")

    answer = _reload(gw, gw.it_key)

    assert answer.status_code == 422
    result = answer.json()
    assert result["applied"] is False
    assert "modles" in result["reason"] and "line" in result["reason"]
    assert gw.chat("echo-1").status_code == 200
    assert gw.chat("echo-2").status_code == 403
    [record] = gw.admin_records()
    assert (record["user"], record["reason_code"], record["counts"]) == ("ivan-it", "rules_rejected", {})


def test_a_file_whose_engine_fails_to_build_is_rejected(tmp_path: Path, provider_url: str,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(WATCH_ENV, "0")

    def broken_build(rules: Rules) -> Engine:
        raise ValueError("policy.yaml: unknown category 'art99'")

    with admin_gateway(tmp_path, rules_yaml(provider_url), broken_build, core_engine()) as gw:
        gw.rules_file.write_text(rules_yaml(provider_url, models="[echo-1, echo-2]"))
        result = _reload(gw, gw.it_key).json()
        assert result["applied"] is False
        assert "engine could not be built" in result["reason"] and "art99" in result["reason"]
        assert gw.chat("echo-1").status_code == 200
        assert gw.chat("echo-2").status_code == 403


def test_bad_energy_factors_are_rejected_like_a_bad_rules_file(gw: AdminGateway, provider_url: str) -> None:
    (gw.rules_file.parent / "energy.yaml").write_text("default: {prompt: -1, completion: 1}\n")
    result = _reload(gw, gw.it_key).json()
    assert result["applied"] is False and "energy.yaml" in result["reason"]
    assert gw.chat("echo-1").status_code == 200


def test_only_it_admins_may_reload(gw: AdminGateway) -> None:
    assert _reload(gw).status_code == 401
    assert _reload(gw, gw.key).status_code == 401  # a user's gateway key is not an admin key
    assert _reload(gw, gw.dpo_key).status_code == 403
    assert gw.admin_records() == []


def test_the_file_watch_applies_a_saved_file(tmp_path: Path, provider_url: str,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(WATCH_ENV, "0.1")
    with admin_gateway(tmp_path, rules_yaml(provider_url)) as gw:
        gw.rules_file.write_text(rules_yaml(provider_url, models="[echo-1, echo-3]"))
        deadline = time.monotonic() + 10
        while gw.chat("echo-3").status_code != 200:
            assert time.monotonic() < deadline, "the file watch did not apply the new rules"
            time.sleep(0.1)
        gw.rules_file.write_text("providers: [oops")  # a bad save: logged, old rules stay
        while len(gw.admin_records()) < 2:
            assert time.monotonic() < deadline, "the file watch did not report the bad file"
            time.sleep(0.1)
        assert gw.chat("echo-3").status_code == 200
        records = gw.admin_records()
        assert [(r["user"], r["reason_code"]) for r in records] == [
            ("file-watch", "rules_reloaded"), ("file-watch", "rules_rejected")]


def test_the_diff_summary_names_changes_without_secrets() -> None:
    old = parse_rules("providers:\n- {name: a, api: openai, base_url: https://a.example/v1, "
                      "api_key_env: A_KEY, models: [m1, m2]}\n")
    new = parse_rules("providers:\n- {name: a, api: openai, base_url: https://b.example/v1, "
                      "api_key_env: A_KEY, models: [m2, m3]}\n"
                      "- {name: b, api: anthropic, base_url: https://b.example, api_key_env: B_KEY, "
                      "models: [c1]}\nrequire_training: true\n")
    summary = diff_summary(old, new)
    assert {k: v for k, v in summary.items() if k[0] in "+-~"} == {
        "+provider b": 1, "~provider a": 1, "+model a/m3": 1, "+model b/c1": 1, "-model a/m1": 1,
        "~require_training": 1}
    assert (summary["providers"], summary["models"], summary["models_removed"]) == (2, 3, 1)
    assert not any("example" in key or "KEY" in key for key in summary)


def test_the_console_hook_reports_the_change_or_raises_the_reason(gw: AdminGateway,
                                                                 provider_url: str) -> None:
    gw.rules_file.write_text(rules_yaml(provider_url, models="[echo-1, echo-2]"))
    assert "+model echo/echo-2" in asyncio.run(gw.app.state.reload())
    gw.rules_file.write_text("providers: 3\n")
    with pytest.raises(RulesError, match="providers"):
        asyncio.run(gw.app.state.reload())
    assert [r["user"] for r in gw.admin_records()] == ["console", "console"]
