"""The ``gateway`` command: run the proxy and administer keys, users, rules and the use log.

Every command that touches the database takes it from ``GATEWAY_DATABASE_URL`` (default
an SQLite file in the working directory) and migrates it first, so any command works
on a fresh machine in any order.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import sys
from collections.abc import Callable, Iterable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from gateway.affinity import MODES, pin_worker
from gateway.config import DEFAULT_RULES, Rules, RulesError, load_rules
from gateway.energy import load_energy
from gateway.store import Store

if TYPE_CHECKING:
    from fastapi import FastAPI

# `serve --workers N` hands the rules file and the CPU affinity mode to each worker process
# through these variables.
RULES_ENV = "GATEWAY_RULES"
AFFINITY_ENV = "GATEWAY_CPU_AFFINITY"

Handler = Callable[[argparse.Namespace], int]


def _open_store() -> Store:
    store = Store.from_env()
    store.upgrade()
    return store


# -- serve ---------------------------------------------------------------------------


def build_app(rules: Rules, store: Store) -> FastAPI:
    """The gateway app with the full protection engine (slow: loads the detectors).

    Imported here rather than at the top so that the admin commands start quickly.
    """
    from gateway.app import create_app
    from gateway.engine import build_engine

    return create_app(rules, store, build_engine(rules), build_engine=build_engine)


def worker_app() -> FastAPI:
    """App factory for ``serve --workers N``: every worker process takes a core of its own
    (gateway.affinity) and builds its own app."""
    pin_worker(os.environ.get(AFFINITY_ENV, "off"))
    return build_app(load_rules(os.environ[RULES_ENV]), Store.from_env())


def cmd_serve(args: argparse.Namespace) -> int:
    import uvicorn

    rules = load_rules(args.config)
    store = _open_store()  # migrate once, before any worker starts
    from gateway.serving import server_settings

    server = server_settings(args.host, args.port, args.log_level)
    if args.workers > 1:
        os.environ[RULES_ENV] = str(Path(rules.source).resolve())
        os.environ[AFFINITY_ENV] = args.cpu_affinity
        uvicorn.run("gateway.cli:worker_app", factory=True, workers=args.workers, **server)
    else:
        pin_worker(args.cpu_affinity)
        uvicorn.run(build_app(rules, store), **server)
    return 0


# -- keys and users ------------------------------------------------------------------


def cmd_keys_create(args: argparse.Namespace) -> int:
    key_id, raw = _open_store().create_key(args.user, args.group)
    group = f" (group {args.group})" if args.group else ""
    _print_new_key(f"created key {key_id} for user {args.user}{group}", raw)
    return 0


def _print_new_key(summary: str, raw: str) -> None:
    """Only the hash is stored, so this is the one time anyone sees the key; scripts read
    it from the last line."""
    print(summary)
    print("the key is shown only this once; it is on the next line:")
    print(raw)


def cmd_keys_list(args: argparse.Namespace) -> int:
    rows = [["KEY_ID", "USER", "GROUP", "PREFIX", "CREATED", "STATUS"]]
    for key in _open_store().list_keys():
        status = "revoked" if key.revoked_at else "suspended" if key.user_suspended else "active"
        rows.append([key.key_id, key.user, key.group or "-", key.prefix + "…",
                     key.created_at.strftime("%Y-%m-%d %H:%M"), status])
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    for row in rows:
        print("  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip())
    return 0


def cmd_keys_revoke(args: argparse.Namespace) -> int:
    if not _open_store().revoke_key(args.key_id):
        print(f"no active key {args.key_id}", file=sys.stderr)
        return 1
    print(f"revoked {args.key_id}")
    return 0


def _set_user(suspend: bool) -> Handler:
    def handler(args: argparse.Namespace) -> int:
        store = _open_store()
        done = store.suspend_user(args.name) if suspend else store.reinstate_user(args.name)
        if not done:
            print(f"no user {args.name}", file=sys.stderr)
            return 1
        print(f"{'suspended' if suspend else 'reinstated'} {args.name}")
        return 0

    return handler


def cmd_users_training(args: argparse.Namespace) -> int:
    """Record a user's AI-literacy training (``require_training: true`` in the rules)."""
    if not _open_store().record_training(args.name, args.until):
        print(f"no user {args.name} (create a key for them first)", file=sys.stderr)
        return 1
    print(f"recorded AI-literacy training for {args.name}, valid through {args.until.isoformat()}")
    return 0


def _day(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {value!r}") from exc


def cmd_admin_create(args: argparse.Namespace) -> int:
    from gateway.store.console import ConsoleStore

    key_id, raw = ConsoleStore(_open_store()).create_admin(args.name, args.role)
    _print_new_key(f"created {args.role} admin key {key_id} for {args.name} (console: /admin)", raw)
    return 0


# -- rules, database, scan -----------------------------------------------------------


def cmd_rules_check(args: argparse.Namespace) -> int:
    try:
        rules = load_rules(args.file)
        load_energy(rules)
    except RulesError as exc:
        print(exc, file=sys.stderr)
        return 1
    print(f"OK: {rules.source} ({len(rules.providers)} providers)")
    return 0


def cmd_db_upgrade(args: argparse.Namespace) -> int:
    _open_store()
    print("database is up to date")
    return 0


def cmd_scan(args: argparse.Namespace) -> int:
    from gateway.engine import scan_text

    result = scan_text(load_rules(args.config), sys.stdin.read())
    print(json.dumps(result, ensure_ascii=False, indent=2))
    return 0


# -- the use log ---------------------------------------------------------------------


def cmd_log_verify(args: argparse.Namespace) -> int:
    ok, first_bad, message = _open_store().verify_chain()
    if ok:
        print(message)
        return 0
    print(f"FAILED at record {first_bad}: {message}")
    return 1


def _since(value: str) -> datetime:
    """A date or date-time on the command line; naive values are UTC."""
    try:
        moment = datetime.fromisoformat(value)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"not an ISO date: {value!r}") from exc
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _write_csv(records: Iterable[dict[str, Any]], out: TextIO) -> None:
    writer: csv.DictWriter[str] | None = None
    for record in records:
        if writer is None:
            writer = csv.DictWriter(out, fieldnames=list(record))
            writer.writeheader()
        writer.writerow({k: json.dumps(v) if isinstance(v, dict | list) else v for k, v in record.items()})


def cmd_log_export(args: argparse.Namespace) -> int:
    records = _open_store().export(args.since)
    if args.format == "csv":
        _write_csv(records, sys.stdout)
    else:
        for record in records:
            print(json.dumps(record, ensure_ascii=False))
    return 0


def cmd_log_purge(args: argparse.Namespace) -> int:
    deleted = _open_store().purge(timedelta(days=args.older_than))
    print(f"purged {deleted} records older than {args.older_than:g} days; the purge is recorded in the log")
    return 0


# -- argument parsing ----------------------------------------------------------------


def _config_option(parser: argparse.ArgumentParser, help_text: str) -> None:
    parser.add_argument("--config", default=str(DEFAULT_RULES), metavar="FILE",
                        help=f"{help_text} (default: the shipped rules/gateway.yaml)")


def _add_serve(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    serve = commands.add_parser("serve", help="run the gateway")
    _config_option(serve, "rules file")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8080)
    serve.add_argument("--workers", type=int, default=1, help="worker processes (default 1)")
    serve.add_argument("--cpu-affinity", choices=MODES, default="auto",
                       help="auto (default): all threads of a worker on one core, a core per worker "
                            "(Linux); off: wherever the kernel puts them")
    serve.add_argument("--log-level", default="info",
                       choices=["critical", "error", "warning", "info", "debug"])
    serve.set_defaults(handler=cmd_serve)


def _add_keys_and_users(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    keys = commands.add_parser("keys", help="personal gateway keys").add_subparsers(required=True)
    create = keys.add_parser("create", help="create a key; the key is the last line of output")
    _config_option(create, "accepted like for serve; the database comes from GATEWAY_DATABASE_URL")
    create.add_argument("--user", required=True)
    create.add_argument("--group", help="the user's group (selects group policies)")
    create.set_defaults(handler=cmd_keys_create)
    keys.add_parser("list", help="list keys (never the keys themselves)").set_defaults(handler=cmd_keys_list)
    revoke = keys.add_parser("revoke", help="revoke a key at once")
    revoke.add_argument("key_id")
    revoke.set_defaults(handler=cmd_keys_revoke)

    users = commands.add_parser("users", help="staff using the gateway").add_subparsers(required=True)
    for name, suspend in (("suspend", True), ("reinstate", False)):
        sub = users.add_parser(name, help=f"{name} a user's access (keys stay as they are)")
        sub.add_argument("name")
        sub.set_defaults(handler=_set_user(suspend))
    training = users.add_parser("training", help="record a user's AI-literacy training and its expiry")
    training.add_argument("name")
    training.add_argument("--until", type=_day, required=True, metavar="YYYY-MM-DD",
                          help="last day the training is valid")
    training.set_defaults(handler=cmd_users_training)


def _add_admin(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    rules = commands.add_parser("rules", help="the rules file").add_subparsers(required=True)
    check = rules.add_parser("check", help="validate a rules file")
    check.add_argument("file", nargs="?", default=str(DEFAULT_RULES))
    check.set_defaults(handler=cmd_rules_check)

    admin = commands.add_parser("admin", help="console admin keys").add_subparsers(required=True)
    create_admin = admin.add_parser("create", help="create an admin key; the key is the last line of output")
    create_admin.add_argument("--role", required=True, choices=["dpo", "it"])
    create_admin.add_argument("--name", required=True, help="the admin's name, as the use log shows it")
    create_admin.set_defaults(handler=cmd_admin_create)

    db = commands.add_parser("db", help="the database").add_subparsers(required=True)
    db.add_parser("upgrade", help="apply migrations").set_defaults(handler=cmd_db_upgrade)

    scan = commands.add_parser("scan", help="show what the gateway would do with the text on stdin")
    _config_option(scan, "rules file")
    scan.set_defaults(handler=cmd_scan)

    log = commands.add_parser("log", help="the use log").add_subparsers(required=True)
    log.add_parser("verify", help="check the hash chain").set_defaults(handler=cmd_log_verify)
    export = log.add_parser("export", help="export records for an audit")
    export.add_argument("--since", type=_since, help="ISO date or date-time (UTC unless given)")
    export.add_argument("--format", choices=["csv", "jsonl"], default="jsonl")
    export.set_defaults(handler=cmd_log_export)
    purge = log.add_parser("purge", help="delete old records (the purge is recorded)")
    purge.add_argument("--older-than", type=float, required=True, metavar="DAYS")
    purge.set_defaults(handler=cmd_log_purge)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="gateway", description="AI privacy gateway")
    commands = parser.add_subparsers(required=True, metavar="COMMAND")
    _add_serve(commands)
    _add_keys_and_users(commands)
    _add_admin(commands)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return int(args.handler(args))
    except RulesError as exc:
        print(exc, file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
