"""findings.csv: one row per finding for spreadsheets and GRC tools.

RFC 4180 (CRLF line ends, fields quoted when needed), UTF-8 with a byte-order mark so Excel
detects the encoding, and safe against formula injection: a cell that starts with = + - @ (or a
tab or carriage return) gets a leading single quote, so a spreadsheet shows it as text. Cells are
cut to Excel's 32,767-character limit; findings.json holds everything.
"""

from __future__ import annotations

import csv
from collections.abc import Sequence
from pathlib import Path

from reports.summary import ReportExtras, ScanMeta, ScanSummary
from reports.text import evidence_json, truncate
from scanner.atomic import atomic_writer
from scanner.findings import Finding

BOM = "\ufeff"
#: Excel's limit on the characters of one cell.
MAX_CELL = 32_767
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")

COLUMNS: tuple[str, ...] = (
    "finding_id",
    "status",
    "verdict",
    "severity",
    "control_id",
    "check_id",
    "title",
    "account_id",
    "account_name",
    "ou_path",
    "region",
    "resource_type",
    "resource_id",
    "reason",
    "reason_code",
    "change",
    "suppression_reason",
    "suppression_owner",
    "suppression_expires",
    "requirements",
    "standards",
    "remediation",
    "remediation_url",
    "errors",
    "evidence",
    "collected_at",
)


def safe_cell(value: str) -> str:
    """`value` as a spreadsheet shows it as text, at most MAX_CELL characters."""
    text = value
    if text.startswith(_FORMULA_START):
        text = "'" + text
    return truncate(text, MAX_CELL)


def finding_row(finding: Finding, change: str = "") -> list[str]:
    f = finding
    sup = f.suppression
    cells = [
        f.id,
        f.status.value,
        f.verdict.value,
        f.severity.value,
        f.control_id or "",
        f.check_id,
        f.title,
        f.account_id,
        f.account_name,
        " / ".join(f.ou_path),
        f.region,
        f.resource.type,
        f.resource.id,
        f.reason,
        f.reason_code or "",
        change,
        sup.reason if sup else "",
        sup.owner if sup else "",
        sup.expires.isoformat() if sup else "",
        "; ".join(f.requirements),
        "; ".join(f.standards),
        f.remediation,
        f.remediation_url or "",
        "; ".join(e.describe() for e in f.errors),
        evidence_json(f.evidence) if f.evidence else "",
        f.collected_at.isoformat(),
    ]
    return [safe_cell(c) for c in cells]


def write_csv(
    path: Path,
    findings: Sequence[Finding],
    meta: ScanMeta,
    summary: ScanSummary,
    extras: ReportExtras | None = None,
) -> Path:
    """Write findings.csv atomically (streamed row by row); returns `path`."""
    changes = extras.changes if extras else None
    marks = changes.marks() if changes else {}
    unchanged = "unchanged" if changes else ""
    with atomic_writer(path) as handle:
        handle.write(BOM)
        writer = csv.writer(handle, lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)
        writer.writerow(COLUMNS)
        for f in findings:
            change = marks.get(f.id)
            writer.writerow(finding_row(f, change.value if change else unchanged))
    return path
