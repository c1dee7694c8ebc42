"""Rules changes without restart: file watch, SIGHUP and ``POST /admin/rules/reload``.

A new rules file is applied only when everything it decides can be built: the file
passes the same checks as ``gateway rules check`` (:func:`gateway.config.load_rules`),
the engine (detection and policy data) builds and the energy factors load.  Otherwise
the running version stays and the reason is logged and returned.  The new version
replaces the old one in a single assignment (:mod:`gateway.active`), so requests in
flight finish with the version they started with.

Every attempt, applied or rejected, is chained in the use log like the console's other
administrative actions (decision ``admin``): who (the admin's name, ``file-watch`` or
``sighup``) and a summary of the change (providers and models added, removed or
changed, and the new totals), never a key or a provider URL.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
import threading
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import anyio
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response

from gateway.active import Active, EngineBuilder, build_active
from gateway.config import Rules, RulesError, load_rules
from gateway.core import UseRecord
from gateway.energy import DEFAULT_FILE as ENERGY_FILE
from gateway.pipeline import Store

log = logging.getLogger(__name__)

WATCH_ENV = "GATEWAY_RULES_WATCH_S"
DEFAULT_WATCH_S = 2.0
ADMIN_DECISION = "admin"  # as gateway.store.console: the console lists these as admin actions
ENDPOINT = "/admin/rules/reload"
APPLIED, REJECTED = "rules_reloaded", "rules_rejected"
FILE_WATCH, SIGHUP = "file-watch", "sighup"
RELOAD_ROLE = "it"
MAX_NAMED_CHANGES = 40  # a summary, not a copy of the file


@dataclass(frozen=True)
class ReloadResult:
    """What a reload did: applied, or rejected with the reason (the old rules still run)."""

    applied: bool
    who: str
    source: str
    reason: str | None = None
    summary: dict[str, int] = field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        return {"applied": self.applied, "who": self.who, "source": self.source, "reason": self.reason,
                "summary": self.summary}


def diff_summary(old: Rules, new: Rules) -> dict[str, int]:
    """Totals of the new rules and what changed, by provider and model name.

    Names are keys (``+model openai/gpt-5``: 1) so the summary fits the log's counts
    column; settings other than the providers are named by their key (``~contact``).
    """
    before, after = {p.name: p for p in old.providers}, {p.name: p for p in new.providers}
    old_models = {(p.name, m) for p in old.providers for m in p.models}
    new_models = {(p.name, m) for p in new.providers for m in p.models}
    changed = [n for n in before.keys() & after.keys()
               if before[n].model_dump(exclude={"models"}) != after[n].model_dump(exclude={"models"})]
    settings_old, settings_new = (r.model_dump(exclude={"providers", "source"}) for r in (old, new))
    named = [*(f"+provider {n}" for n in sorted(after.keys() - before.keys())),
             *(f"-provider {n}" for n in sorted(before.keys() - after.keys())),
             *(f"~provider {n}" for n in sorted(changed)),
             *(f"+model {p}/{m}" for p, m in sorted(new_models - old_models)),
             *(f"-model {p}/{m}" for p, m in sorted(old_models - new_models)),
             *(f"~{k}" for k in sorted(settings_new) if settings_new[k] != settings_old.get(k))]
    return {"providers": len(after), "models": len(new_models),
            "providers_added": len(after.keys() - before.keys()),
            "providers_removed": len(before.keys() - after.keys()), "providers_changed": len(changed),
            "models_added": len(new_models - old_models), "models_removed": len(old_models - new_models),
            **dict.fromkeys(named[:MAX_NAMED_CHANGES], 1)}


def watched_paths(rules: Rules) -> list[Path]:
    """The rules file and the data files it names directly (policy, detection, energy)."""
    paths = [Path(rules.source), rules.resolve(rules.policy, "policy.yaml"),
             rules.resolve(rules.detection, "detection.yaml"), rules.resolve(rules.energy, ENERGY_FILE)]
    return list(dict.fromkeys(paths))


def _stamp(paths: list[Path]) -> tuple[tuple[int, int] | None, ...]:
    """Modification time and size of each file (None while it does not exist)."""
    stamps: list[tuple[int, int] | None] = []
    for path in paths:
        try:
            info = path.stat()
            stamps.append((info.st_mtime_ns, info.st_size))
        except OSError:
            stamps.append(None)
    return tuple(stamps)


class Reloader:
    """Loads, checks, builds and swaps the app's active rules; one reload at a time."""

    def __init__(self, app: FastAPI, store: Store, build_engine: EngineBuilder) -> None:
        self._app = app
        self._store = store
        self._build = build_engine
        self._lock = asyncio.Lock()
        self._tasks: set[asyncio.Task[Any]] = set()

    @property
    def active(self) -> Active:
        active: Active = self._app.state.active
        return active

    async def reload(self, who: str, key_id: str | None = None) -> ReloadResult:
        """Reload the file the running rules came from; applied only if it fully builds."""
        async with self._lock:
            old = self.active.rules
            try:
                new = await anyio.to_thread.run_sync(self._load, old.source)
            except Exception as exc:  # any failure: keep the running version
                result = ReloadResult(False, who, old.source, reason=_reason(exc))
                log.warning("rules reload by %s rejected, the previous rules stay active: %s",
                            who, result.reason)
            else:
                activate(self._app, new)
                result = ReloadResult(True, who, old.source, summary=diff_summary(old, new.rules))
                log.info("rules reloaded by %s from %s: %s", who, old.source, result.summary)
            await anyio.to_thread.run_sync(self._record, result, key_id)
            metrics = getattr(self._app.state, "metrics", None)
            if metrics is not None:
                metrics.reloads.labels("applied" if result.applied else "rejected").inc()
            return result

    async def console_hook(self) -> str:
        """The console's reload button (``app.state.reload``): the outcome as text.

        The console chains the admin's action itself; a rejected file raises, with the
        reason, as the console expects.
        """
        result = await self.reload("console")
        if not result.applied:
            raise RulesError(result.reason or "rejected")
        return describe(result)

    def _load(self, source: str) -> Active:
        if not source or not Path(source).is_file():
            raise RulesError(f"the running rules were not loaded from a file ({source or 'no source'})")
        return build_active(load_rules(source), self._build)

    def _record(self, result: ReloadResult, key_id: str | None) -> None:
        self._store.record_use(UseRecord(
            request_id="rules_" + uuid.uuid4().hex, endpoint=ENDPOINT, decision=ADMIN_DECISION,
            user=result.who, key_id=key_id, reason_code=APPLIED if result.applied else REJECTED,
            counts=result.summary))

    # -- triggers ------------------------------------------------------------------------

    def start(self) -> None:
        """Start the file watch (unless disabled) and listen for SIGHUP (main thread only)."""
        interval = float(os.environ.get(WATCH_ENV, DEFAULT_WATCH_S))
        if interval > 0:
            self._spawn(self.watch(interval))
        if hasattr(signal, "SIGHUP") and threading.current_thread() is threading.main_thread():
            asyncio.get_running_loop().add_signal_handler(signal.SIGHUP, self._on_sighup)

    async def stop(self) -> None:
        if hasattr(signal, "SIGHUP") and threading.current_thread() is threading.main_thread():
            asyncio.get_running_loop().remove_signal_handler(signal.SIGHUP)
        for task in list(self._tasks):
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    def _on_sighup(self) -> None:
        self._spawn(self.reload(SIGHUP))

    def _spawn(self, work: Any) -> None:
        task = asyncio.ensure_future(work)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def watch(self, interval: float) -> None:
        """Poll the files' modification times; reload when one changed."""
        paths = watched_paths(self.active.rules)
        stamps = _stamp(paths)
        while True:
            await asyncio.sleep(interval)
            if _stamp(paths) == stamps:
                continue
            await self.reload(FILE_WATCH)
            paths = watched_paths(self.active.rules)  # the new rules may name other files
            stamps = _stamp(paths)


def describe(result: ReloadResult) -> str:
    """One line for people: what changed."""
    changes = ", ".join(k for k in result.summary if k[0] in "+-~") or "no provider or model changed"
    return (f"rules reloaded from {result.source}: {result.summary.get('providers', 0)} providers, "
            f"{result.summary.get('models', 0)} models; {changes}")


def _reason(exc: Exception) -> str:
    if isinstance(exc, RulesError):
        return str(exc)
    return f"the rules' engine could not be built: {type(exc).__name__}: {str(exc)[:500]}"


def activate(app: FastAPI, active: Active) -> None:
    """Make ``active`` the running version (one assignment: atomic for every reader).

    ``state.rules`` and ``state.engine`` mirror it for readers that need only one part.
    """
    app.state.active = active
    app.state.rules, app.state.engine = active.rules, active.engine


async def reload_from_file(app: FastAPI, who: str = "admin", key_id: str | None = None) -> ReloadResult:
    """Reload the app's rules from their file now (the console and the tests call this)."""
    reloader: Reloader = app.state.reloader
    return await reloader.reload(who, key_id)


# -- POST /admin/rules/reload --------------------------------------------------------------


def add_routes(app: FastAPI) -> None:
    """``POST /admin/rules/reload`` for IT: an admin key of role ``it`` as Bearer token."""

    @app.post(ENDPOINT, include_in_schema=False)
    async def rules_reload(request: Request) -> Response:
        admin = await _it_admin(request)
        if isinstance(admin, Response):
            return admin
        result = await reload_from_file(request.app, admin.name, admin.key_id)
        return JSONResponse(result.as_json(), 200 if result.applied else 422)


async def _it_admin(request: Request) -> Any:
    """The admin behind the Bearer admin key, or the refusal to answer with."""
    console = getattr(request.app.state, "console_store", None)
    scheme, _, key = request.headers.get("authorization", "").partition(" ")
    if console is None or scheme.lower() != "bearer" or not key.strip():
        return _refusal(401, "an admin key is required (Authorization: Bearer)")
    admin = await anyio.to_thread.run_sync(console.admin_for_key, key.strip())
    if admin is None:
        return _refusal(401, "the admin key is invalid or has been revoked")
    if admin.role != RELOAD_ROLE:
        return _refusal(403, "only IT admins may reload the rules")
    return admin


def _refusal(status: int, message: str) -> Response:
    return JSONResponse({"error": {"message": message, "code": "admin_required"}}, status)
