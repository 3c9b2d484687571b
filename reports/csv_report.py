"""findings.csv (one row per finding) and compliance-<framework>.csv (one row per requirement x
finding) for spreadsheets and GRC tools.

RFC 4180 (CRLF line ends, fields quoted when needed), UTF-8 with a byte-order mark so Excel
detects the encoding, and safe against formula injection: a cell that starts with = + - @ (or a
tab or carriage return) gets a leading single quote, so a spreadsheet shows it as text. Cells are
cut to Excel's 32,767-character limit; findings.json holds everything.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator, Sequence
from pathlib import Path

from reports.summary import (
    FrameworkSummary,
    ReportExtras,
    RequirementStatus,
    RequirementSummary,
    ScanMeta,
    ScanSummary,
)
from reports.text import evidence_json, truncate
from scanner.core import atomic
from scanner.core.evaluate import ACCOUNT_ACCESS_CHECK
from scanner.core.findings import Finding
from scanner.core.model import Status

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
    with atomic.atomic_writer(path) as handle:
        handle.write(BOM)
        writer = csv.writer(handle, lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)
        writer.writerow(COLUMNS)
        for f in findings:
            change = marks.get(f.id)
            writer.writerow(finding_row(f, change.value if change else unchanged))
    return path


#: compliance-<framework>.csv: one row per requirement x finding that decides it.
COMPLIANCE_COLUMNS: tuple[str, ...] = (
    "framework",
    "requirement_id",
    "requirement_text",
    "requirement_status",
    "scope",
    "account_id",
    "account_name",
    "ou_path",
    "region",
    "resource_type",
    "resource_id",
    "control_id",
    "check_id",
    "status",
    "reason",
    "finding_id",
)
OUT_OF_SCOPE = "OUT_OF_SCOPE"


def compliance_filename(framework_key: str) -> str:
    safe = "".join(
        ch if ch.isascii() and (ch.isalnum() or ch in "-._") else "-" for ch in framework_key
    )
    return f"compliance-{safe}.csv"


def _requirement_rows(
    fw: FrameworkSummary,
    req: RequirementSummary,
    by_check: dict[str, list[Finding]],
    access: list[Finding],
) -> Iterator[list[str]]:
    scope = "manual" if req.status is RequirementStatus.MANUAL else "automated"
    head = [fw.name, req.id, req.title, req.status.value, scope]
    deciding = [f for cid in req.check_ids for f in by_check.get(cid, ())]
    if req.check_ids:
        deciding.extend(access)
    if not deciding:
        yield head + [""] * (len(COMPLIANCE_COLUMNS) - len(head))
        return
    for f in deciding:
        yield [
            *head,
            f.account_id,
            f.account_name,
            " / ".join(f.ou_path),
            f.region,
            f.resource.type,
            f.resource.id,
            f.control_id or "",
            f.check_id,
            f.status.value,
            f.reason,
            f.id,
        ]


def write_compliance_csvs(
    out_dir: Path, findings: Sequence[Finding], summary: ScanSummary
) -> list[Path]:
    """One compliance-<framework>.csv per framework of the summary (same CSV conventions as
    findings.csv): every requirement with each finding that decides it (requirement x account x
    resource x status), requirements with no finding once, and the out-of-scope ones listed."""
    by_check: dict[str, list[Finding]] = {}
    access: list[Finding] = []
    for f in findings:
        by_check.setdefault(f.check_id, []).append(f)
        if f.check_id == ACCOUNT_ACCESS_CHECK and f.status is Status.ERROR:
            access.append(f)
    paths: list[Path] = []
    for fw in summary.frameworks:
        path = out_dir / compliance_filename(fw.key)
        with atomic.atomic_writer(path) as handle:
            handle.write(BOM)
            writer = csv.writer(handle, lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)
            writer.writerow(COMPLIANCE_COLUMNS)
            for req in fw.requirements:
                for row in _requirement_rows(fw, req, by_check, access):
                    writer.writerow([safe_cell(c) for c in row])
            for out in fw.out_of_scope:
                row = [fw.name, out.id, out.section, OUT_OF_SCOPE, "out_of_scope"]
                row += [""] * (len(COMPLIANCE_COLUMNS) - len(row))
                writer.writerow([safe_cell(c) for c in row])
        paths.append(path)
    return paths
