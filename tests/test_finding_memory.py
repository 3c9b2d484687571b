"""Findings in dicts of shared keys: equal to pydantic's own, every report the same bytes."""

from __future__ import annotations

import sys
from datetime import timedelta
from pathlib import Path

import pytest

from reports.html import render_html
from reports.summary import ReportExtras, ScanMeta, summarize
from reports.writers import write_reports
from scanner.core import evaluate as evaluate_module
from scanner.core.datasets.cloudtrail import TRAILS
from scanner.core.evaluate import evaluate
from scanner.core.findings import Finding
from scanner.core.formats import FORMATS
from scanner.core.frameworks import Frameworks
from scanner.core.inventory import Inventory
from scanner.core.registry import all_checks
from tests.builders import MGMT, NOW
from tests.checks.trails import inventory, list_trails, seed, stopped, trail
from tests.reports.factory import make_finding

#: Every format but the PDF (it needs a browser; it prints report.html, compared below).
WRITTEN = tuple(f for f in FORMATS if f != "pdf")


def _organization(accounts: int = 6) -> Inventory:
    """A management account with an organization trail, members with trails of their own (log
    file validation on and off, one stopped), one member with none, one whose calls failed."""
    b = inventory()
    seed(b.account(MGMT), trail("org", MGMT, org=True))
    for n in range(1, accounts):
        account = f"{100000000000 + n:012d}"
        acct = b.account(account)
        if n % 5 == 4:
            acct.fail(TRAILS)
            continue
        if n % 5 == 3:
            list_trails(acct)
            continue
        made = trail(f"t{n}", account, log_file_validation_enabled=n % 2 == 0)
        seed(acct, made, status={made.arn: stopped()} if n % 5 == 2 else None)
    return b.build()


def _evaluate(inv: Inventory) -> list[Finding]:
    return list(evaluate(inv, all_checks(), Frameworks.load()))


def _write(out: Path, findings: list[Finding], inv: Inventory) -> dict[str, bytes]:
    meta = ScanMeta.from_inventory(
        inv, checks=[c.id for c in all_checks()], finished_at=NOW + timedelta(seconds=5)
    )
    frameworks = Frameworks.load().items
    summary = summarize(findings, meta, frameworks, all_checks())
    paths = write_reports(out, WRITTEN, findings, meta, summary, ReportExtras())
    files = {p.name: p.read_bytes() for p in paths if p.name != "report.html"}
    page = render_html(findings, meta, summary, generated_at=NOW, extras=ReportExtras())
    files["report.html"] = page.encode("utf-8")
    return files


def _both(monkeypatch: pytest.MonkeyPatch) -> tuple[Inventory, list[Finding], list[Finding]]:
    """The inventory, its findings, and the same findings as pydantic holds them."""
    inv = _organization()
    compact = _evaluate(inv)
    with monkeypatch.context() as patch:
        patch.setattr(evaluate_module, "with_shared_keys", lambda finding: finding)
        plain = _evaluate(inv)
    return inv, compact, plain


def test_findings_hold_their_fields_in_a_dict_of_shared_keys(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    made = [make_finding(resource_id=f"r{i}") for i in range(100)]  # made as pydantic makes them
    _, compact, plain = _both(monkeypatch)
    assert len(compact) == len(plain) > 100 and len(made) == 100
    for ours, theirs in zip(compact, plain, strict=True):
        assert type(ours) is Finding and ours == theirs
        assert ours.model_dump_json() == theirs.model_dump_json()
        assert list(ours.__dict__.items()) == list(theirs.__dict__.items())
        assert ours.__pydantic_fields_set__ == theirs.__pydantic_fields_set__
        assert ours.__pydantic_extra__ is None and ours.__pydantic_private__ is None
        assert sys.getsizeof(ours.__dict__) * 2 < sys.getsizeof(theirs.__dict__)


def test_every_report_is_the_same_bytes_as_from_plain_findings(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    inv, compact, plain = _both(monkeypatch)
    assert {f.status for f in compact} >= {"PASS", "FAIL", "ERROR"}
    ours = _write(tmp_path / "compact", compact, inv)
    theirs = _write(tmp_path / "plain", plain, inv)
    assert set(ours) >= {"findings.json", "findings.asff.json", "report.html", "findings.csv"}
    assert ours.keys() == theirs.keys()
    for name, data in ours.items():
        assert data == theirs[name], name
