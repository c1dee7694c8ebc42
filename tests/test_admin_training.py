"""Optional policy require_training: only staff with valid AI-literacy training may use the gateway."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

import httpx
import pytest
from admin_helpers import AdminGateway, admin_gateway, rules_yaml
from fakeprovider import FakeProvider
from store_helpers import sqlite_url

from gateway import cli
from gateway.config import parse_rules
from gateway.core import Principal
from gateway.reload import WATCH_ENV
from gateway.training import check_training
from gateway.wire.errors import WireError


@pytest.fixture
def gw(tmp_path: Path, provider: FakeProvider, monkeypatch: pytest.MonkeyPatch) -> Iterator[AdminGateway]:
    monkeypatch.setenv(WATCH_ENV, "0")
    monkeypatch.setenv("GATEWAY_DATABASE_URL", sqlite_url(tmp_path))
    rules = rules_yaml(f"http://127.0.0.1:{provider.port}", extra="require_training: true\n")
    with admin_gateway(tmp_path, rules) as gateway:
        yield gateway


def test_untrained_users_are_told_how_to_get_access(gw: AdminGateway, provider: FakeProvider) -> None:
    answer = gw.chat()
    assert answer.status_code == 403
    error = answer.json()["error"]
    assert error["code"] == "training_required"
    assert "the AI desk" in error["message"] and "ai-desk@example.com" in error["message"]
    assert provider.posts == []
    [record] = [r for r in gw.store.export() if r["endpoint"] == "/v1/chat/completions"]
    assert (record["user"], record["decision"], record["reason_code"]) == ("alice", "refused",
                                                                            "training_required")


def test_training_recorded_with_the_cli_gives_access(gw: AdminGateway, capsys: pytest.CaptureFixture[str]
                                                     ) -> None:
    until = (date.today() + timedelta(days=365)).isoformat()
    assert cli.main(["users", "training", "alice", "--until", until]) == 0
    assert until in capsys.readouterr().out
    assert gw.chat().status_code == 200
    assert cli.main(["users", "training", "nobody", "--until", until]) == 1


def test_expired_training_is_refused_and_says_so(gw: AdminGateway) -> None:
    assert gw.store.record_training("alice", date.today() - timedelta(days=1))
    answer = gw.chat()
    assert answer.status_code == 403
    assert "expired" in answer.json()["error"]["message"]


def test_untrained_users_still_see_their_own_records(gw: AdminGateway) -> None:
    gw.chat()
    answer = httpx.get(f"{gw.url}/v1/me/usage", headers={"Authorization": f"Bearer {gw.key}"})
    assert answer.status_code == 200
    assert [r["reason_code"] for r in answer.json()["data"]] == ["training_required"]


def test_the_expiry_day_still_counts_and_the_policy_is_off_by_default() -> None:
    required = parse_rules("require_training: true\n")
    trained = Principal(user="a", key_id="k", trained_until=date(2030, 6, 30))
    check_training(trained, required, on=date(2030, 6, 30))
    with pytest.raises(WireError) as refused:
        check_training(trained, required, on=date(2030, 7, 1))
    assert refused.value.status == 403
    check_training(Principal(user="b", key_id="k"), parse_rules("providers: []\n"), on=date(2030, 7, 1))
