"""The plain-text summary printed at the end of a scan (fits in 100 columns)."""

from __future__ import annotations

from reports.summary import (
    SEVERITY_ORDER,
    STATUS_ORDER,
    ReportExtras,
    ScanSummary,
    Score,
    StatusCounts,
)

WIDTH = 100
MAX_ACCOUNT_ROWS = 20
_COL = 11
_NAME_WIDTH = WIDTH - 2 - (len(STATUS_ORDER) + 1) * _COL  # label; one column per status + total


def _cut(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def _header(label: str) -> str:
    cols = "".join(f"{s.value:>{_COL}}" for s in STATUS_ORDER) + f"{'TOTAL':>{_COL}}"
    return f"{label:<{_NAME_WIDTH}}  {cols}"


def _line(label: str, counts: StatusCounts) -> str:
    cols = "".join(f"{counts.of(s):>{_COL}}" for s in STATUS_ORDER) + f"{counts.total:>{_COL}}"
    return f"{_cut(label, _NAME_WIDTH):<{_NAME_WIDTH}}  {cols}"


def score_text(score: Score) -> str:
    """`72.0% (18 passed, 7 failed requirements)`, or `not assessed` when none was."""
    if score.percent is None:
        return "not assessed (no requirement passed or failed in this scan)"
    return f"{score.percent:.1f}% ({score.passed} passed, {score.failed} failed requirements)"


def coverage_text(score: Score) -> str:
    """`assessed 118 of 120 resource evaluations; 2 could not be read`."""
    return (
        f"assessed {score.read} of {score.evaluated} resource evaluations; "
        f"{score.unread} could not be read"
    )


def summary_table(summary: ScanSummary, extras: ReportExtras | None = None) -> str:
    """Counts by status, by severity and per account (worst first, at most 20 rows); then the
    frameworks' % compliant and, with a baseline, the changes."""
    rule = "-" * WIDTH
    out: list[str] = []
    state = "complete" if summary.complete else "INCOMPLETE (interrupted)"
    extra = f", {summary.skipped_accounts} skipped" if summary.skipped_accounts else ""
    out.append(
        f"Scan {state}: {summary.total} findings, {len(summary.accounts)} accounts{extra}, "
        f"{len(summary.regions)} regions"
    )
    out.append(rule)
    out.append(_header("Severity"))
    for sev in SEVERITY_ORDER:
        counts = summary.by_severity.get(sev, StatusCounts())
        if counts.total:
            out.append(_line(sev.value, counts))
    out.append(_line("All", summary.by_status))
    out.append(rule)
    out.append(_header("Account"))
    for acct in summary.accounts[:MAX_ACCOUNT_ROWS]:
        label = f"{acct.name} ({acct.account_id})" if acct.name else acct.account_id
        out.append(_line(label, acct.counts))
    hidden = len(summary.accounts) - MAX_ACCOUNT_ROWS
    if hidden > 0:
        out.append(f"... and {hidden} more accounts (see report.html)")
    out.append(rule)
    if summary.frameworks:
        for fw in summary.frameworks:
            out.append(_cut(f"{fw.name}: {score_text(fw.score)}", WIDTH))
            out.append(_cut(f"  {coverage_text(fw.score)}", WIDTH))
        out.append(rule)
    changes = extras.changes if extras else None
    if changes is not None:
        moved = ", ".join(f"{n} {c.value.replace('_', ' ')}" for c, n in changes.counts.items())
        out.append(_cut(f"Since {changes.baseline.scan_id or 'the baseline'}: {moved}", WIDTH))
        out.append(rule)
    return "\n".join(out)
