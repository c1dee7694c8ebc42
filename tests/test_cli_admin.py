"""The `gateway` command, run as a subprocess exactly as IT and the eval harness run it."""

from __future__ import annotations

import csv
import io
import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from store_helpers import postgres_schema_url, sqlite_url

from gateway.config import DEFAULT_RULES
from gateway.core import UseRecord
from gateway.store import Store

ROOT = Path(__file__).resolve().parent.parent


def gateway(*args: str, db: str, cwd: Path, stdin: str = "") -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "GATEWAY_DATABASE_URL": db,
           "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])}
    return subprocess.run([sys.executable, "-m", "gateway.cli", *args], cwd=cwd, env=env, input=stdin,
                          capture_output=True, text=True, timeout=120)


def _create_key(db: str, cwd: Path, user: str = "eval") -> tuple[str, str]:
    """Returns (key id, raw key) as a script would read them: the key is the last line."""
    result = gateway("keys", "create", "--config", str(DEFAULT_RULES), "--user", user, db=db, cwd=cwd)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.strip().splitlines()
    key_id = lines[0].split()[2]
    return key_id, lines[-1]


def test_keys_create_list_revoke(tmp_path: Path) -> None:
    db = sqlite_url(tmp_path)
    key_id, raw = _create_key(db, tmp_path)
    assert raw.startswith("gw-") and key_id.startswith("key_")
    listing = gateway("keys", "list", db=db, cwd=tmp_path)
    assert listing.returncode == 0 and key_id in listing.stdout and "active" in listing.stdout
    assert raw not in listing.stdout and raw[:7] in listing.stdout
    assert gateway("keys", "revoke", key_id, db=db, cwd=tmp_path).returncode == 0
    assert "revoked" in gateway("keys", "list", db=db, cwd=tmp_path).stdout
    again = gateway("keys", "revoke", key_id, db=db, cwd=tmp_path)
    assert again.returncode == 1 and "no active key" in again.stderr


def test_default_database_is_a_file_in_the_working_directory(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k != "GATEWAY_DATABASE_URL"}
    env["PYTHONPATH"] = str(ROOT)
    result = subprocess.run([sys.executable, "-m", "gateway.cli", "db", "upgrade"], cwd=tmp_path, env=env,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    tables = sqlite3.connect(tmp_path / "gateway.db").execute(
        "SELECT name FROM sqlite_master WHERE type = 'table'").fetchall()
    assert {"users", "api_keys", "use_log", "chain_head", "alembic_version"} <= {t[0] for t in tables}


def test_users_suspend_and_reinstate(tmp_path: Path) -> None:
    db = sqlite_url(tmp_path)
    _create_key(db, tmp_path, user="bob")
    assert gateway("users", "suspend", "bob", db=db, cwd=tmp_path).returncode == 0
    assert "suspended" in gateway("keys", "list", db=db, cwd=tmp_path).stdout
    assert gateway("users", "reinstate", "bob", db=db, cwd=tmp_path).returncode == 0
    assert "active" in gateway("keys", "list", db=db, cwd=tmp_path).stdout
    unknown = gateway("users", "suspend", "nobody", db=db, cwd=tmp_path)
    assert unknown.returncode == 1 and "no user nobody" in unknown.stderr


def test_rules_check(tmp_path: Path) -> None:
    db = sqlite_url(tmp_path)
    shipped = gateway("rules", "check", db=db, cwd=tmp_path)
    assert shipped.returncode == 0 and shipped.stdout.startswith("OK")
    bad = tmp_path / "bad.yaml"
    bad.write_text("providers:\n  - name: openai\n    api: openai\n    base_url: https://x.example/v1\n"
                   "    api_key_env: K\n    modles: [gpt-4o]\n", encoding="utf-8")
    result = gateway("rules", "check", str(bad), db=db, cwd=tmp_path)
    assert result.returncode == 1
    assert "line 6" in result.stderr and "modles" in result.stderr


def _tamper(db_file: Path, statement: str) -> None:
    with sqlite3.connect(db_file) as conn:
        conn.execute(statement)


def _seed_log(tmp_path: Path, rows: int) -> str:
    """A database with ``rows`` use-log records, written through the store."""
    db = sqlite_url(tmp_path)
    store = Store(db)
    store.upgrade()
    for i in range(rows):
        store.record_use(UseRecord(request_id=f"r{i}", endpoint="/v1/chat/completions", decision="forwarded",
                                   user="alice", counts={"PERSON": i}, findings=[{"type": "PERSON"}]))
    store.close()
    return db


def test_log_verify_reports_the_first_bad_record(tmp_path: Path) -> None:
    db = _seed_log(tmp_path, 4)
    good = gateway("log", "verify", db=db, cwd=tmp_path)
    assert good.returncode == 0 and "OK: 4 records" in good.stdout
    _tamper(tmp_path / "gateway.db", "UPDATE use_log SET user_name = 'mallory' WHERE id = 2")
    bad = gateway("log", "verify", db=db, cwd=tmp_path)
    assert bad.returncode == 1 and "FAILED at record 2" in bad.stdout


def test_log_export_and_purge(tmp_path: Path) -> None:
    db = _seed_log(tmp_path, 3)
    jsonl = gateway("log", "export", "--since", "2000-01-01", "--format", "jsonl", db=db, cwd=tmp_path)
    records = [json.loads(line) for line in jsonl.stdout.splitlines()]
    assert [r["request_id"] for r in records] == ["r0", "r1", "r2"] and records[2]["counts"] == {"PERSON": 2}
    table = gateway("log", "export", "--format", "csv", db=db, cwd=tmp_path)
    rows = list(csv.DictReader(io.StringIO(table.stdout)))
    assert len(rows) == 3 and json.loads(rows[1]["findings"]) == [{"type": "PERSON"}] and rows[0]["hash"]
    future = gateway("log", "export", "--since", "2999-01-01", db=db, cwd=tmp_path)
    assert future.returncode == 0 and future.stdout == ""
    bad_date = gateway("log", "export", "--since", "last tuesday", db=db, cwd=tmp_path)
    assert bad_date.returncode == 2 and "not an ISO date" in bad_date.stderr

    purge = gateway("log", "purge", "--older-than", "0", db=db, cwd=tmp_path)
    assert purge.returncode == 0 and "purged 3 records" in purge.stdout
    verify = gateway("log", "verify", db=db, cwd=tmp_path)
    assert verify.returncode == 0 and "from record 4" in verify.stdout


def test_keys_and_verify_on_postgres(tmp_path: Path) -> None:
    with postgres_schema_url() as db:
        _, raw = _create_key(db, tmp_path)
        assert raw.startswith("gw-")
        store = Store(db)
        assert store.authenticate(raw) is not None
        store.close()
        verify = gateway("log", "verify", db=db, cwd=tmp_path)
        assert verify.returncode == 0 and "OK: 0 records" in verify.stdout


@pytest.mark.parametrize("args", [["keys"], ["log"], ["nonsense"]])
def test_incomplete_commands_are_usage_errors(args: list[str], tmp_path: Path) -> None:
    assert gateway(*args, db=sqlite_url(tmp_path), cwd=tmp_path).returncode == 2
