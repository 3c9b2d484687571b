"""The plain-text summary printed at the end of a scan (fits in 100 columns)."""

from __future__ import annotations

from reports.summary import SEVERITY_ORDER, STATUS_ORDER, ScanSummary, StatusCounts

WIDTH = 100
MAX_ACCOUNT_ROWS = 20
_NAME_WIDTH = WIDTH - 2 - 5 * 8  # label column; five 8-wide count columns


def _cut(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def _header(label: str) -> str:
    cols = "".join(f"{s.value:>8}" for s in STATUS_ORDER) + f"{'TOTAL':>8}"
    return f"{label:<{_NAME_WIDTH}}  {cols}"


def _line(label: str, counts: StatusCounts) -> str:
    cols = "".join(f"{counts.of(s):>8}" for s in STATUS_ORDER) + f"{counts.total:>8}"
    return f"{_cut(label, _NAME_WIDTH):<{_NAME_WIDTH}}  {cols}"


def summary_table(summary: ScanSummary) -> str:
    """Counts by status, by severity and per account (worst first, at most 20 rows)."""
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
    return "\n".join(out)
