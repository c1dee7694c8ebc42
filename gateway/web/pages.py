"""The DPO's pages: overview, block log, record detail (review, proposals), exports."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse
from starlette.responses import Response

from gateway.store.console import PROPOSAL_KINDS, LogFilter, Page
from gateway.web import exports, stats
from gateway.web.session import SignedIn, console_store, posted, role
from gateway.web.views import bounds, period, render, secure

router = APIRouter(prefix="/admin")
Dpo = Annotated[SignedIn, role("dpo")]
DpoPost = Annotated[SignedIn, posted("dpo")]
PER_PAGE = 50
DECISIONS = ("blocked", "forwarded", "refused", "error", "scanned", "admin", "report", "purge")
TOP = 10


def _profiles(request: Request) -> dict[str, str]:
    return {p.name: p.profile for p in request.app.state.rules.providers}


@router.get("/overview")
def overview(request: Request, me: Dpo, since: str | None = None, until: str | None = None) -> Response:
    first, last = period(since, until)
    figures = stats.overview(console_store(request).period(*bounds(first, last)), first, last)
    return render(request, "overview.html",
                  {"me": me, "first": first, "last": last, "o": figures, "top": TOP})


def _filters(request: Request) -> tuple[LogFilter, date, date]:
    query = request.query_params
    first, last = period(query.get("since"), query.get("until"))
    since, until = bounds(first, last)
    values = {name: query.get(name, "").strip()[:200]
              for name in ("user", "provider", "model", "category", "rule")}
    decision = query.get("decision", "blocked")
    return LogFilter(since, until, decision=decision if decision in DECISIONS else "", **values), first, last


@router.get("/blocks")
def blocks(request: Request, me: Dpo, page: int = 1) -> Response:
    filters, first, last = _filters(request)
    store = console_store(request)
    found: Page = store.search(filters, max(1, page), PER_PAGE)
    reviewed = store.reviewed(r["id"] for r in found.records)
    links = {n: str(request.url.include_query_params(page=n)) for n in (found.page - 1, found.page + 1)}
    return render(request, "blocks.html", {
        "me": me, "f": filters, "first": first, "last": last, "result": found, "reviewed": reviewed,
        "links": links, "decisions": DECISIONS, "providers": store.distinct_values("provider")})


@router.get("/records/{log_id}")
def detail(request: Request, me: Dpo, log_id: int) -> Response:
    store = console_store(request)
    record = store.record(log_id)
    if record is None:
        return render(request, "error.html", {"me": me, "message": "error_no_record"}, 404)
    return render(request, "detail.html", {
        "me": me, "r": record, "reviews": store.reviews(log_id), "kinds": PROPOSAL_KINDS,
        "profile": _profiles(request).get(record["provider"] or "", "")})


@router.post("/records/{log_id}/review")
def review(request: Request, me: DpoPost, log_id: int, comment: Annotated[str, Form()] = "") -> Response:
    store = console_store(request)
    if store.record(log_id) is None:
        return render(request, "error.html", {"me": me, "message": "error_no_record"}, 404)
    store.add_review(me.admin, log_id, comment.strip())
    return secure(RedirectResponse(f"/admin/records/{log_id}?done=reviewed", 303))


@router.post("/records/{log_id}/proposals")
def propose(request: Request, me: DpoPost, log_id: int, kind: Annotated[str, Form()] = "",
            text: Annotated[str, Form()] = "") -> Response:
    store = console_store(request)
    if store.record(log_id) is None:
        return render(request, "error.html", {"me": me, "message": "error_no_record"}, 404)
    if kind not in PROPOSAL_KINDS or not text.strip():
        return render(request, "error.html", {"me": me, "message": "error_proposal"}, 400)
    store.propose(me.admin, log_id, kind, text.strip())
    return secure(RedirectResponse(f"/admin/records/{log_id}?done=proposed", 303))


def _download(body: str, media_type: str, filename: str) -> Response:
    return secure(Response(body, media_type=media_type,
                           headers={"content-disposition": f'attachment; filename="{filename}"'}))


@router.get("/export")
def export(request: Request, me: Dpo, since: str | None = None, until: str | None = None,
           format: str = "csv") -> Response:
    """The whole use log of a period, hashes included, for an audit (the export is chained)."""
    first, last = period(since, until)
    store = console_store(request)
    records = store.period(*bounds(first, last))
    kind = "jsonl" if format == "jsonl" else "csv"
    store.log_action(me.admin, "export_" + kind, {"records": len(records)})
    name = f"use-log-{first.isoformat()}-{last.isoformat()}.{kind}"
    if kind == "jsonl":
        return _download(exports.log_jsonl(records), "application/x-ndjson", name)
    return _download(exports.log_csv(records), "text/csv; charset=utf-8", name)


@router.get("/processing")
def processing(request: Request, me: Dpo, since: str | None = None, until: str | None = None,
               format: str = "html") -> Response:
    """Records of processing: which provider received which data, under which profile."""
    first, last = period(since, until)
    uses = stats.processing(console_store(request).period(*bounds(first, last)), _profiles(request))
    stem = f"records-of-processing-{first.isoformat()}-{last.isoformat()}"
    if format == "md":
        return _download(exports.processing_markdown(uses, first, last), "text/markdown; charset=utf-8",
                         stem + ".md")
    if format == "csv":
        return _download(exports.processing_csv(uses, first, last), "text/csv; charset=utf-8", stem + ".csv")
    return render(request, "processing.html", {"me": me, "uses": uses, "first": first, "last": last})
