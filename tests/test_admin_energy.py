"""Estimated energy per use record: factors from rules/, stored in the chained log."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa
from admin_helpers import admin_gateway, rules_yaml
from fakeprovider import FakeProvider
from store_helpers import raw_engine, sqlite_url

from gateway.config import load_rules
from gateway.core import UseRecord
from gateway.energy import load_energy
from gateway.reload import WATCH_ENV
from gateway.store import Store


def test_each_answered_request_stores_its_estimated_energy(tmp_path: Path, provider: FakeProvider,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(WATCH_ENV, "0")
    rules = rules_yaml(f"http://127.0.0.1:{provider.port}", models="[echo-1, echo-small-1]")
    with admin_gateway(tmp_path, rules) as gw:
        gw.chat("echo-1")
        gw.chat("echo-small-1")
        gw.chat("not-allowed")
        records = [r for r in gw.store.export() if r["endpoint"] == "/v1/chat/completions"]
    # The fake provider reports 7 prompt and 3 completion tokens.
    assert [r["energy_wh"] for r in records] == [
        pytest.approx((7 * 1.0 + 3 * 10.0) / 1000), pytest.approx((7 * 0.1 + 3 * 1.0) / 1000), None]


def test_the_shipped_factors_load_and_first_match_wins() -> None:
    table = load_energy(load_rules())
    default = table.estimate("gpt-4o", 1000, 1000)
    assert table.estimate("gpt-4o-mini", 1000, 1000) < default < table.estimate("claude-opus-4-1", 1000, 1000)
    assert table.factors("o3-mini") == table.factors("gpt-4o-mini")  # small before reasoning
    assert table.estimate("gpt-4o", None, None) is None


def test_the_chain_verifies_old_records_without_energy_and_detects_edits(tmp_path: Path) -> None:
    url = sqlite_url(tmp_path)
    store = Store(url)
    store.upgrade()
    store.record_use(UseRecord(request_id="r1", endpoint="/v1/chat/completions", decision="forwarded"))
    store.record_use(UseRecord(request_id="r2", endpoint="/v1/chat/completions", decision="forwarded",
                               prompt_tokens=10, energy_wh=0.25))
    assert store.verify_chain()[0]
    engine = raw_engine(url)
    for record_id, value in ((2, 0.01), (2, None), (1, 0.5)):
        with engine.begin() as conn:
            original = conn.execute(sa.text("SELECT energy_wh FROM use_log WHERE id = :i"), {"i": record_id}
                                    ).scalar()
            conn.execute(sa.text("UPDATE use_log SET energy_wh = :v WHERE id = :i"),
                         {"v": value, "i": record_id})
        assert store.verify_chain()[:2] == (False, record_id)
        with engine.begin() as conn:
            conn.execute(sa.text("UPDATE use_log SET energy_wh = :v WHERE id = :i"),
                         {"v": original, "i": record_id})
    assert store.verify_chain()[0]
    engine.dispose()
    store.close()
