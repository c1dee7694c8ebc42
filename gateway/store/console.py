"""What the DPO console keeps besides the use log: admin keys, sessions, reviews,
rule proposals and staff reports, plus the read queries the console runs on the log.

Free text (a review comment, a proposal, a staff report) lives in these tables only,
never in the use log: the log is exported to auditors and must stay free of content.
Each admin action is still chained in the log (decision ``admin``) and, when it
carries text, the record's ``request_id`` is a salted SHA-256 digest of that text, so
the chain proves the stored text was not changed afterwards without making short
texts guessable from an exported log.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import DateTime, ForeignKey, Integer, String, Text, delete, func, select
from sqlalchemy.orm import Mapped, Session, mapped_column, sessionmaker

from gateway import auth
from gateway.core import Principal, UseRecord
from gateway.store.models import HASH_LEN, Base, UseLog
from gateway.store.store import Store, as_dict

ROLES = ("dpo", "it")
ADMIN_KEY_PREFIX = "gwa-"
ADMIN_DECISION = "admin"
REPORT_DECISION = "report"
REPORT_KINDS = ("misuse", "compromised", "other")
PROPOSAL_KINDS = ("allowlist", "rule_change")
# Records the console does not count as traffic: its own actions, purges and reports.
BOOKKEEPING = frozenset({ADMIN_DECISION, REPORT_DECISION, "purge"})
MAX_TEXT = 4000


def _now() -> datetime:
    return datetime.now(UTC)


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def text_digest(salt: str, text: str) -> str:
    """The chained fingerprint of a free text: SHA-256 over a per-row salt and the text."""
    return "sha256-" + hashlib.sha256(f"{salt}\n{text}".encode()).hexdigest()


# -- tables ---------------------------------------------------------------------------


class AdminKey(Base):
    """A console key: role ``dpo`` or ``it``.  Only the hash is stored, as for user keys."""

    __tablename__ = "admin_keys"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(10))
    key_hash: Mapped[str] = mapped_column(String(HASH_LEN), unique=True)
    prefix: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class AdminSession(Base):
    """A signed-in console session; the cookie holds the id, the table its hash."""

    __tablename__ = "admin_sessions"

    id_hash: Mapped[str] = mapped_column(String(HASH_LEN), primary_key=True)
    admin_key_id: Mapped[str] = mapped_column(ForeignKey("admin_keys.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)


class LogReview(Base):
    """The DPO's review of one use-log record (the record id is kept after a purge)."""

    __tablename__ = "log_reviews"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    log_id: Mapped[int] = mapped_column(Integer, index=True)
    reviewer: Mapped[str] = mapped_column(String(200))
    comment: Mapped[str] = mapped_column(Text)
    salt: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class RuleProposal(Base):
    """A false-positive fix the DPO proposes and IT applies in the rules file."""

    __tablename__ = "rule_proposals"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    log_id: Mapped[int | None] = mapped_column(Integer, index=True)
    kind: Mapped[str] = mapped_column(String(20))
    text: Mapped[str] = mapped_column(Text)
    salt: Mapped[str] = mapped_column(String(32))
    proposed_by: Mapped[str] = mapped_column(String(200))
    proposed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    applied_by: Mapped[str | None] = mapped_column(String(200))
    applied_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class StaffReport(Base):
    """A member of staff reporting a suspected misuse or a compromised system."""

    __tablename__ = "staff_reports"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    description: Mapped[str] = mapped_column(Text)
    reporter: Mapped[str] = mapped_column(String(200))
    salt: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)


# -- values the console works with --------------------------------------------------------


@dataclass(frozen=True)
class Admin:
    """The person behind a console session (never their key)."""

    key_id: str
    name: str
    role: str


@dataclass(frozen=True)
class LogFilter:
    """The block-log filters; empty strings mean "any".  Times are UTC, ``until`` exclusive."""

    since: datetime
    until: datetime
    user: str = ""
    provider: str = ""
    model: str = ""
    category: str = ""
    rule: str = ""
    decision: str = "blocked"

    def matches_content(self, record: dict[str, Any]) -> bool:
        """The filters SQL cannot express portably: they look inside the JSON columns."""
        if self.category and not _has_category(record, self.category):
            return False
        return not self.rule or any(f.get("rule_id") == self.rule for f in record["findings"])


def _has_category(record: dict[str, Any], category: str) -> bool:
    wanted = category.upper()
    return (record.get("reason_code") or "").upper() == wanted or wanted in (
        key.upper() for key in record["counts"])


@dataclass
class Page:
    records: list[dict[str, Any]]
    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))


@dataclass(frozen=True)
class Review:
    id: int
    log_id: int
    reviewer: str
    comment: str
    created_at: datetime
    chained: bool


@dataclass(frozen=True)
class Proposal:
    id: int
    log_id: int | None
    kind: str
    text: str
    proposed_by: str
    proposed_at: datetime
    applied_by: str | None
    applied_at: datetime | None


@dataclass(frozen=True)
class Report:
    id: int
    kind: str
    description: str
    reporter: str
    created_at: datetime


# -- the store ------------------------------------------------------------------------


class ConsoleStore:
    """The console's tables and log queries, on the gateway store's database."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self._read: sessionmaker[Session]
        self._write: sessionmaker[Session]
        self._read, self._write = store.sessions()

    # -- admin keys and sessions ---------------------------------------------------------

    def create_admin(self, name: str, role: str) -> tuple[str, str]:
        """A new admin key; returns (key id, raw key).  The raw key is never stored."""
        if role not in ROLES:
            raise ValueError(f"role must be one of {', '.join(ROLES)}")
        raw = ADMIN_KEY_PREFIX + secrets.token_urlsafe(32)
        key = AdminKey(id="adm_" + secrets.token_hex(8), name=name, role=role, key_hash=auth.hash_key(raw),
                       prefix=raw[:8], created_at=_now())
        with self._write.begin() as session:
            session.add(key)
        return key.id, raw

    def admin_for_key(self, raw_key: str) -> Admin | None:
        digest = auth.hash_key(raw_key)
        with self._read() as session:
            key = session.scalars(select(AdminKey).where(AdminKey.key_hash == digest)).first()
        if key is None or key.revoked_at is not None or not hmac.compare_digest(key.key_hash, digest):
            return None
        return Admin(key.id, key.name, key.role)

    def open_session(self, admin: Admin, ttl: timedelta) -> str:
        """Start a session; returns its random id (for the cookie).  Expired ones are dropped."""
        raw = secrets.token_urlsafe(32)
        now = _now()
        with self._write.begin() as session:
            session.execute(delete(AdminSession).where(AdminSession.expires_at < now))
            session.add(AdminSession(id_hash=auth.hash_key(raw), admin_key_id=admin.key_id, created_at=now,
                                     expires_at=now + ttl))
        return raw

    def session_admin(self, raw_session: str) -> Admin | None:
        """The admin of a live session whose key is still valid, else None."""
        query = (select(AdminSession, AdminKey).join(AdminKey)
                 .where(AdminSession.id_hash == auth.hash_key(raw_session)))
        with self._read() as session:
            found = session.execute(query).first()
        if found is None:
            return None
        live, key = found
        if _aware(live.expires_at) <= _now() or key.revoked_at is not None:
            return None
        return Admin(key.id, key.name, key.role)

    def close_session(self, raw_session: str) -> None:
        with self._write.begin() as session:
            session.execute(delete(AdminSession).where(AdminSession.id_hash == auth.hash_key(raw_session)))

    # -- the chain ------------------------------------------------------------------------

    def log_action(self, admin: Admin, action: str, counts: dict[str, int] | None = None,
                   digest: str | None = None) -> None:
        """Chain one admin action: who (name, key id), what (``reason_code``), on what (``counts``)."""
        self.store.record_use(UseRecord(
            request_id=digest or "adm_" + uuid.uuid4().hex, endpoint="/admin/" + action,
            decision=ADMIN_DECISION, user=admin.name, key_id=admin.key_id, reason_code=action,
            counts=counts or {}))

    def _chained(self, digest: str) -> bool:
        with self._read() as session:
            return session.scalar(select(func.count()).select_from(UseLog)
                                  .where(UseLog.request_id == digest)) == 1

    # -- the use log ----------------------------------------------------------------------

    def search(self, filters: LogFilter, page: int, per_page: int) -> Page:
        """One page of matching records, newest first."""
        start = (page - 1) * per_page
        matches, total = [], 0
        for record in self._filtered(filters):
            if start <= total < start + per_page:
                matches.append(record)
            total += 1
        return Page(matches, total, page, per_page)

    def _filtered(self, filters: LogFilter) -> Iterator[dict[str, Any]]:
        query = select(UseLog).where(UseLog.time >= filters.since, UseLog.time < filters.until)
        for column, value in ((UseLog.user, filters.user), (UseLog.provider, filters.provider),
                              (UseLog.model, filters.model), (UseLog.decision, filters.decision)):
            if value:
                query = query.where(column == value)
        query = query.order_by(UseLog.id.desc()).execution_options(yield_per=500)
        with self._read() as session:
            for row in session.scalars(query):
                record = as_dict(row)
                if filters.matches_content(record):
                    yield record

    def record(self, log_id: int) -> dict[str, Any] | None:
        with self._read() as session:
            row = session.get(UseLog, log_id)
            return as_dict(row) if row is not None else None

    def period(self, since: datetime, until: datetime) -> list[dict[str, Any]]:
        """Every record of a period in chain order (for the overview and exports)."""
        query = (select(UseLog).where(UseLog.time >= since, UseLog.time < until).order_by(UseLog.id)
                 .execution_options(yield_per=1000))
        with self._read() as session:
            return [as_dict(row) for row in session.scalars(query)]

    def distinct_values(self, column: str) -> list[str]:
        """The values seen in a column (for the filter drop-downs)."""
        attribute = getattr(UseLog, column)
        with self._read() as session:
            return sorted(v for v in session.scalars(select(attribute).distinct()) if v)

    # -- reviews --------------------------------------------------------------------------

    def add_review(self, admin: Admin, log_id: int, comment: str) -> None:
        """Mark a record reviewed; the comment stays here, its digest goes to the chain."""
        salt, text = secrets.token_hex(16), comment[:MAX_TEXT]
        self.log_action(admin, "review", {"record": log_id}, text_digest(salt, text))
        with self._write.begin() as session:
            session.add(LogReview(log_id=log_id, reviewer=admin.name, comment=text, salt=salt,
                                  created_at=_now()))

    def reviews(self, log_id: int) -> list[Review]:
        query = select(LogReview).where(LogReview.log_id == log_id).order_by(LogReview.id)
        with self._read() as session:
            rows = list(session.scalars(query))
        return [Review(r.id, r.log_id, r.reviewer, r.comment, _aware(r.created_at),
                       self._chained(text_digest(r.salt, r.comment))) for r in rows]

    def reviewed(self, log_ids: Iterable[int]) -> set[int]:
        ids = list(log_ids)
        if not ids:
            return set()
        with self._read() as session:
            return set(session.scalars(select(LogReview.log_id).where(LogReview.log_id.in_(ids))))

    # -- proposals ------------------------------------------------------------------------

    def propose(self, admin: Admin, log_id: int | None, kind: str, text: str) -> None:
        if kind not in PROPOSAL_KINDS:
            raise ValueError(f"kind must be one of {', '.join(PROPOSAL_KINDS)}")
        salt = secrets.token_hex(16)
        counts = {"record": log_id} if log_id is not None else {}
        self.log_action(admin, "propose_" + kind, counts, text_digest(salt, text[:MAX_TEXT]))
        with self._write.begin() as session:
            session.add(RuleProposal(log_id=log_id, kind=kind, text=text[:MAX_TEXT], salt=salt,
                                     proposed_by=admin.name, proposed_at=_now()))

    def proposals(self) -> list[Proposal]:
        with self._read() as session:
            rows = list(session.scalars(select(RuleProposal).order_by(RuleProposal.id.desc())))
        return [Proposal(r.id, r.log_id, r.kind, r.text, r.proposed_by, _aware(r.proposed_at), r.applied_by,
                         r.applied_at and _aware(r.applied_at)) for r in rows]

    def apply_proposal(self, admin: Admin, proposal_id: int) -> bool:
        """Record that IT applied a proposal in the rules file; False if unknown or done."""
        with self._write.begin() as session:
            proposal = session.get(RuleProposal, proposal_id)
            if proposal is None or proposal.applied_at is not None:
                return False
            proposal.applied_by, proposal.applied_at = admin.name, _now()
        self.log_action(admin, "apply_proposal", {"proposal": proposal_id})
        return True

    # -- staff reports --------------------------------------------------------------------

    def add_report(self, principal: Principal, kind: str, description: str) -> int:
        """Store a staff report and chain its arrival (kind and digest, not the text)."""
        if kind not in REPORT_KINDS:
            raise ValueError(f"kind must be one of {', '.join(REPORT_KINDS)}")
        salt = secrets.token_hex(16)
        text = description[:MAX_TEXT]
        self.store.record_use(UseRecord(
            request_id=text_digest(salt, text), endpoint="/v1/reports", decision=REPORT_DECISION,
            user=principal.user, key_id=principal.key_id, reason_code=kind))
        report = StaffReport(kind=kind, description=text, reporter=principal.user, salt=salt,
                             created_at=_now())
        with self._write.begin() as session:
            session.add(report)
        return report.id

    def reports(self) -> list[Report]:
        with self._read() as session:
            rows = list(session.scalars(select(StaffReport).order_by(StaffReport.id.desc())))
        return [Report(r.id, r.kind, r.description, r.reporter, _aware(r.created_at)) for r in rows]
