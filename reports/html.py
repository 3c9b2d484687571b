"""report.html: one self-contained, offline HTML file (inline CSS and JS, no external resources)."""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined
from markupsafe import Markup

from reports.summary import SEVERITY_ORDER, STATUS_ORDER, ScanMeta, ScanSummary
from reports.text import evidence_json, safe_url, truncate
from scanner.atomic import write_text_atomic
from scanner.findings import Finding
from scanner.model import Resource, Status

TEMPLATE = "report.html.j2"
#: Above this many PASS findings, they are listed in a collapsed section of their own.
PASS_GROUP_THRESHOLD = 2000
#: Evidence longer than this (pretty-printed chars) is cut in the HTML; findings.json has it all.
MAX_EVIDENCE_CHARS = 50_000
MAX_ROW_REASON = 300
MAX_ROW_RESOURCE = 160


@dataclass(frozen=True)
class Row:
    """What the template shows for one finding (all text; the template escapes it)."""

    index: int
    finding: Finding
    status_rank: int
    severity_rank: int
    label: str
    check_anchor: str
    short_reason: str
    reason_cut: bool
    short_resource: str
    resource_cut: bool
    evidence: str
    evidence_truncated: bool
    related: tuple[Resource, ...]
    remediation_url: str | None


@cache
def _environment() -> Environment:
    env = Environment(
        loader=PackageLoader("templates", "."),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["ts"] = _timestamp
    return env


@cache
def _asset(name: str) -> str:
    return resources.files("templates").joinpath(name).read_text(encoding="utf-8")


def _csp_hash(text: str) -> str:
    digest = hashlib.sha256(text.encode("utf-8")).digest()
    return "'sha256-" + base64.b64encode(digest).decode("ascii") + "'"


def _timestamp(moment: datetime | None) -> str:
    if moment is None:
        return "-"
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def _pretty(evidence: dict[str, Any]) -> tuple[str, bool]:
    if not evidence:
        return "", False
    text = evidence_json(evidence, indent=2)
    if len(text) <= MAX_EVIDENCE_CHARS:
        return text, False
    return truncate(text, MAX_EVIDENCE_CHARS), True


def _anchor(check_id: str) -> str:
    """A stable, HTML-id-safe anchor for a check."""
    safe = "".join(ch if ch.isascii() and (ch.isalnum() or ch in "-_") else "-" for ch in check_id)
    digest = hashlib.sha256(check_id.encode("utf-8")).hexdigest()[:8]
    return f"check-{safe}-{digest}"


def _row(index: int, f: Finding, anchors: dict[str, str]) -> Row:
    evidence, cut = _pretty(f.evidence)
    reason = f.reason.strip()
    return Row(
        index=index,
        finding=f,
        status_rank=STATUS_ORDER.index(f.status),
        severity_rank=SEVERITY_ORDER.index(f.severity),
        label=f.control_id or f.check_id,
        check_anchor=anchors[f.check_id],
        short_reason=truncate(reason, MAX_ROW_REASON),
        reason_cut=len(reason) > MAX_ROW_REASON,
        short_resource=truncate(f.resource.id, MAX_ROW_RESOURCE),
        resource_cut=len(f.resource.id) > MAX_ROW_RESOURCE,
        evidence=evidence,
        evidence_truncated=cut,
        related=f.related_resources,
        remediation_url=safe_url(f.remediation_url),
    )


def _sort_key(f: Finding) -> tuple[int, int, str, str, str, str]:
    return (
        STATUS_ORDER.index(f.status),
        SEVERITY_ORDER.index(f.severity),
        f.control_id or f.check_id,
        f.account_id,
        f.region,
        f.resource.id,
    )


def _script_data(meta: ScanMeta, summary: ScanSummary) -> dict[str, Any]:
    """The data the page script needs (filter choices); everything else is in the markup."""
    return {
        "scan_id": meta.scan_id,
        "complete": meta.complete,
        "statuses": [s.value for s in STATUS_ORDER],
        "severities": [s.value for s in SEVERITY_ORDER],
        "accounts": [{"id": a.account_id, "name": a.name} for a in summary.accounts],
        "regions": [r.region for r in summary.regions],
        "total": summary.total,
    }


def render_html(
    findings: Sequence[Finding],
    meta: ScanMeta,
    summary: ScanSummary,
    generated_at: datetime | None = None,
) -> str:
    """The report as one HTML string."""
    ordered = sorted(findings, key=_sort_key)
    check_info: dict[str, Finding] = {}
    for f in ordered:
        check_info.setdefault(f.check_id, f)
    check_ids = dict.fromkeys([*check_info, *(c.check_id for c in summary.checks)])
    anchors = {check_id: _anchor(check_id) for check_id in check_ids}
    rows = [_row(i, f, anchors) for i, f in enumerate(ordered)]
    group_passes = summary.by_status.PASS > PASS_GROUP_THRESHOLD
    main_rows = [r for r in rows if not (group_passes and r.finding.status is Status.PASS)]
    pass_rows = [r for r in rows if group_passes and r.finding.status is Status.PASS]

    css = _asset("report.css")
    noscript_css = _asset("report-noscript.css")
    js = _asset("report.js")
    csp = "; ".join(
        (
            "default-src 'none'",
            f"style-src {_csp_hash(css)} {_csp_hash(noscript_css)}",
            f"script-src {_csp_hash(js)}",
            "img-src 'none'",
            "base-uri 'none'",
            "form-action 'none'",
        )
    )
    template = _environment().get_template(TEMPLATE)
    return template.render(
        meta=meta,
        summary=summary,
        main_rows=main_rows,
        pass_rows=pass_rows,
        group_passes=group_passes,
        statuses=STATUS_ORDER,
        severities=SEVERITY_ORDER,
        data=_script_data(meta, summary),
        check_info=check_info,
        anchors=anchors,
        css=Markup(css),  # noqa: S704 - our own static asset, hashed into the CSP
        noscript_css=Markup(noscript_css),  # noqa: S704
        js=Markup(js),  # noqa: S704
        csp=csp,
        generated_at=generated_at or datetime.now(UTC),
        duration=_duration(meta),
    )


def _duration(meta: ScanMeta) -> str:
    seconds = max(0, int((meta.finished_at - meta.started_at).total_seconds()))
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours}h {minutes:02d}m {secs:02d}s"
    if minutes:
        return f"{minutes}m {secs:02d}s"
    return f"{secs}s"


def write_html(
    path: Path, findings: Sequence[Finding], meta: ScanMeta, summary: ScanSummary
) -> Path:
    """Write report.html atomically; returns `path`."""
    write_text_atomic(path, render_html(findings, meta, summary))
    return path
