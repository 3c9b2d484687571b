"""What report.html's first page and its accounts x controls matrix show, computed from the
findings and the summary (the template only lays it out)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

from markupsafe import Markup

from reports.charts import Bar, bar_chart
from reports.summary import SEVERITY_ORDER, ScanMeta, ScanSummary, Score, StatusCounts
from scanner.core.evaluate import ACCOUNT_ACCESS_CHECK
from scanner.core.findings import Finding
from scanner.core.model import Severity, Status

#: Top risks listed in words on the first page.
MAX_RISKS = 5
#: Accounts named in a sentence before "and N more".
MAX_NAMED = 3
#: Cell order: the status a matrix cell shows (the worst one present) and its symbol.
CELL_ORDER: tuple[tuple[Status, str], ...] = (
    (Status.FAIL, "\u2717"),
    (Status.ERROR, "?"),
    (Status.WARNING, "!"),
    (Status.SUPPRESSED, "~"),
    (Status.PASS, "\u2713"),
)


@dataclass(frozen=True)
class Risk:
    """One failing control, in words."""

    check_id: str
    label: str
    title: str
    severity: Severity
    failed: int
    accounts: tuple[str, ...]
    """Names (or ids) of the accounts where it fails."""
    account_total: int


@dataclass(frozen=True)
class Overview:
    """The executive summary: scope, coverage, charts, top risks."""

    coverage: Score
    inaccessible: int
    score_chart: Markup
    severity_chart: Markup
    failed_controls: dict[Severity, int]
    risks: tuple[Risk, ...]


@dataclass(frozen=True)
class Cell:
    """One account x control cell: counts per status; `status` is the worst one (None: n/a)."""

    status: Status | None
    number: int = 0
    symbol: str = ""
    describe: str = "not applicable"
    """Every status with its count, e.g. `FAIL 2, PASS 5`."""


_NA = Cell(None)


@dataclass(frozen=True)
class MatrixRow:
    account_id: str
    name: str
    cells: tuple[Cell, ...]


@dataclass(frozen=True)
class MatrixGroup:
    ou: str
    rows: tuple[MatrixRow, ...]


@dataclass(frozen=True)
class MatrixColumn:
    check_id: str
    label: str
    title: str


@dataclass(frozen=True)
class Matrix:
    columns: tuple[MatrixColumn, ...] = ()
    groups: tuple[MatrixGroup, ...] = field(default_factory=tuple)


def _name(account_id: str, names: dict[str, str]) -> str:
    name = names.get(account_id, "")
    return f"{name} ({account_id})" if name else account_id


def build_overview(findings: Sequence[Finding], meta: ScanMeta, summary: ScanSummary) -> Overview:
    names = {a.account_id: a.name for a in summary.accounts}
    counts = summary.by_status
    coverage = Score(read=counts.total - counts.ERROR, unread=counts.ERROR)
    inaccessible = sum(
        1 for f in findings if f.check_id == ACCOUNT_ACCESS_CHECK and f.status is Status.ERROR
    )
    failing: dict[str, set[str]] = {}
    failed: Counter[str] = Counter()
    for f in findings:
        if f.status is Status.FAIL:
            failing.setdefault(f.check_id, set()).add(f.account_id)
            failed[f.check_id] += 1
    failed_controls = {sev: 0 for sev in SEVERITY_ORDER}
    for chk in summary.checks:
        if chk.counts.FAIL:
            failed_controls[chk.severity] += 1
    ranked = sorted(
        (c for c in summary.checks if c.counts.FAIL),
        key=lambda c: (-c.severity.rank, -len(failing[c.check_id]), -failed[c.check_id], c.label),
    )
    risks = tuple(
        Risk(
            check_id=c.check_id,
            label=c.label,
            title=c.title,
            severity=c.severity,
            failed=failed[c.check_id],
            accounts=tuple(_name(a, names) for a in sorted(failing[c.check_id])),
            account_total=len(summary.accounts),
        )
        for c in ranked[:MAX_RISKS]
    )
    return Overview(
        coverage=coverage,
        inaccessible=inaccessible,
        score_chart=score_chart(summary),
        severity_chart=severity_chart(failed_controls, summary),
        failed_controls=failed_controls,
        risks=risks,
    )


def score_text(score: Score) -> str:
    if score.percent is None:
        return "not assessed"
    return f"{score.percent:.1f}% ({score.passed} of {score.scored})"


def score_chart(summary: ScanSummary) -> Markup:
    bars = [
        Bar(
            label=fw.name,
            value=fw.percent,
            maximum=100.0,
            text=score_text(fw.score),
            css="na" if fw.percent is None else _score_class(fw.percent),
        )
        for fw in summary.frameworks
    ]
    return bar_chart("Score per framework: passed / (passed + failed) requirements", bars, "scores")


def _score_class(percent: float) -> str:
    if percent >= 90:
        return "good"
    if percent >= 60:
        return "fair"
    return "poor"


def severity_chart(failed_controls: dict[Severity, int], summary: ScanSummary) -> Markup:
    top = max([1, *failed_controls.values()])
    bars = [
        Bar(
            label=sev.value,
            value=float(n),
            maximum=float(top),
            text=f"{n} control{'s' if n != 1 else ''}, "
            f"{summary.by_severity.get(sev, StatusCounts()).FAIL} failed findings",
            css=f"sev-{sev.value.lower()}",
        )
        for sev, n in failed_controls.items()
    ]
    return bar_chart("Failed controls by severity", bars, "severities", label=130, bar_width=300)


def build_matrix(findings: Sequence[Finding], summary: ScanSummary) -> Matrix:
    """Accounts (grouped by OU, OUs sorted, accounts worst first) x checks (by label)."""
    tallies: dict[tuple[str, str], Counter[Status]] = {}
    ous: dict[str, str] = {}
    for f in findings:
        tallies.setdefault((f.account_id, f.check_id), Counter())[f.status] += 1
        if f.ou_path and f.account_id not in ous:
            ous[f.account_id] = " / ".join(f.ou_path)
    columns = tuple(
        MatrixColumn(check_id=c.check_id, label=c.label, title=c.title)
        for c in sorted(summary.checks, key=lambda c: (_natural(c.label), c.check_id))
    )
    groups: dict[str, list[MatrixRow]] = {}
    for acct in summary.accounts:
        cells = []
        for col in columns:
            tally = tallies.get((acct.account_id, col.check_id))
            if not tally:
                cells.append(_NA)
                continue
            status, symbol = next((s, sym) for s, sym in CELL_ORDER if tally[s])
            describe = ", ".join(f"{s.value} {tally[s]}" for s, _ in CELL_ORDER if tally[s])
            cells.append(Cell(status, tally[status], symbol, describe))
        row = MatrixRow(account_id=acct.account_id, name=acct.name, cells=tuple(cells))
        groups.setdefault(ous.get(acct.account_id, ""), []).append(row)
    return Matrix(
        columns=columns,
        groups=tuple(MatrixGroup(ou=ou, rows=tuple(groups[ou])) for ou in sorted(groups)),
    )


def _natural(label: str) -> tuple[tuple[int, int | str], ...]:
    """`CloudWatch.2` before `CloudWatch.10`."""
    out: list[tuple[int, int | str]] = []
    for part in label.replace("_", ".").split("."):
        out.append((0, int(part)) if part.isdigit() else (1, part.lower()))
    return tuple(out)
