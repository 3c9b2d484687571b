"""The print-only evidence list of report.html: every FAILED or ERROR finding with its evidence.

On screen, evidence sits behind a row toggle drawn by the page script; a printed report (and
report.pdf) lists instead, after the findings, each finding whose verdict is FAIL or ERROR
(suppressed ones included, marked as such) with its reason, failed calls and evidence. The text
has a size budget: over it, each finding's evidence is shortened (findings.json has all of it).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from reports.text import evidence_json, truncate
from scanner.findings import Finding
from scanner.model import Status

#: Characters of evidence printed in total; over it, each finding's evidence is shortened.
PRINT_BUDGET = 4_000_000
#: Per-finding caps tried in order until the total fits the budget.
PRINT_CAPS = (20_000, 4_000, 1_000, 200)


@dataclass(frozen=True)
class PrintedFinding:
    finding: Finding
    evidence: str
    cut: bool


def printed_findings(ordered: Sequence[Finding]) -> tuple[list[PrintedFinding], int]:
    """The FAIL/ERROR findings (in report order) with their evidence; and how many were cut."""
    chosen = [f for f in ordered if f.verdict in (Status.FAIL, Status.ERROR)]
    texts = [evidence_json(f.evidence, indent=1) if f.evidence else "" for f in chosen]
    for cap in PRINT_CAPS:
        if sum(min(len(t), cap) for t in texts) <= PRINT_BUDGET:
            break
    items = [
        PrintedFinding(f, truncate(t, cap), len(t) > cap)
        for f, t in zip(chosen, texts, strict=True)
    ]
    return items, sum(1 for i in items if i.cut)
