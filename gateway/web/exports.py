"""Downloads: the use log (CSV, JSONL) and the records of processing (Markdown, CSV).

Model and user names reach the log from requests, so a CSV cell that a spreadsheet
would run as a formula (``=``, ``+``, ``-``, ``@``...) is prefixed with a quote.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable
from datetime import date
from typing import Any

from gateway.web.stats import ProviderUse

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _cell(value: Any) -> Any:
    if isinstance(value, dict | list):
        value = json.dumps(value, ensure_ascii=False, sort_keys=True)
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def log_csv(records: Iterable[dict[str, Any]]) -> str:
    out = io.StringIO()
    writer: csv.DictWriter[str] | None = None
    for record in records:
        if writer is None:
            writer = csv.DictWriter(out, fieldnames=list(record))
            writer.writeheader()
        writer.writerow({k: _cell(v) for k, v in record.items()})
    return out.getvalue()


def log_jsonl(records: Iterable[dict[str, Any]]) -> str:
    return "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records)


def _treatments(use: ProviderUse) -> list[tuple[str, str, int]]:
    groups = (("pseudonymised", use.pseudonymised), ("forwarded_with_warning", use.warned),
              ("blocked", use.blocked))
    return [(treatment, entity_type, count)
            for treatment, counter in groups for entity_type, count in sorted(counter.items())]


def processing_csv(uses: list[ProviderUse], first: date, last: date) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["period_start", "period_end", "provider", "profile", "requests", "forwarded",
                     "treatment", "data_type", "count"])
    for use in uses:
        for treatment, entity_type, count in _treatments(use) or [("", "", 0)]:
            row = (first.isoformat(), last.isoformat(), use.provider, use.profile, use.requests,
                   use.forwarded, treatment, entity_type, count)
            writer.writerow([_cell(v) for v in row])
    return out.getvalue()


def _md(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def processing_markdown(uses: list[ProviderUse], first: date, last: date) -> str:
    """A section for the GDPR records of processing and the DPIA, one table per provider."""
    lines = [f"# AI gateway: records of processing, {first.isoformat()} to {last.isoformat()}", "",
             "Personal data types are replaced by surrogates before the provider receives the request; "
             "blocked categories never reach the provider. Counts are detections in the period.", ""]
    if not uses:
        lines.append("No requests reached a provider in this period.")
    for use in uses:
        lines += [f"## Provider `{_md(use.provider)}` (policy profile `{_md(use.profile)}`)", "",
                  f"Requests: {use.requests}; forwarded: {use.forwarded}.", "",
                  "| Treatment | Data type | Count |", "|---|---|---:|"]
        lines += [f"| {t} | {_md(e)} | {c} |" for t, e, c in _treatments(use)] or ["| - | - | 0 |"]
        lines.append("")
    return "\n".join(lines)
