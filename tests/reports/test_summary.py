"""ScanSummary counts and the console table."""

from __future__ import annotations

from reports.console import WIDTH, summary_table
from reports.summary import ScanMeta, ScannedAccount, StatusCounts, summarize
from scanner.core.model import Severity, Status
from tests.reports.factory import GOV, MEMBER, MGMT, hostile_findings, make_finding, make_meta


def test_counts_by_status_severity_account_region_and_check() -> None:
    findings = hostile_findings()
    meta = make_meta()
    summary = summarize(findings, meta)

    assert summary.total == 6
    assert summary.by_status == StatusCounts(FAIL=2, ERROR=2, WARNING=1, PASS=1)
    assert summary.by_severity[Severity.HIGH] == StatusCounts(ERROR=2, WARNING=1)
    assert summary.by_severity[Severity.CRITICAL] == StatusCounts(FAIL=1)
    assert summary.by_severity[Severity.LOW] == StatusCounts()
    assert sum(c.total for c in summary.by_severity.values()) == summary.total

    accounts = {a.account_id: a for a in summary.accounts}
    assert accounts[MGMT].counts == StatusCounts(FAIL=1, PASS=1)
    assert accounts[MGMT].name == "management"  # the Organization's name wins
    assert accounts[MEMBER].counts == StatusCounts(ERROR=1, WARNING=1)
    assert accounts[GOV].counts == StatusCounts(FAIL=1, ERROR=1)
    assert accounts["444444444444"].counts.total == 0  # scanned, nothing found: still listed
    assert [a.account_id for a in summary.accounts][:1] in ([MGMT], [GOV])  # worst first

    regions = {r.region: r.counts for r in summary.regions}
    assert regions["us-east-1"] == StatusCounts(FAIL=1, PASS=1)
    assert regions["eu-west-1"] == StatusCounts(ERROR=1, WARNING=1)
    assert regions["cn-north-1"].FAIL == 1 and regions["us-gov-west-1"].ERROR == 1

    checks = {c.check_id: c for c in summary.checks}
    validation = checks["cloudtrail_log_file_validation"]
    assert validation.counts == StatusCounts(FAIL=1, PASS=1)
    assert validation.severity is Severity.CRITICAL  # the highest seen
    assert validation.label == "CloudTrail.4"
    assert checks["account_access"].label == "account_access"
    assert summary.skipped_accounts == 1
    assert summary.complete and summary.has_failures and summary.has_errors


def test_empty_scan() -> None:
    meta = ScanMeta(
        scan_id="s",
        tool_version="0",
        started_at=make_meta().started_at,
        finished_at=make_meta().finished_at,
        accounts=(ScannedAccount(account_id=MGMT),),
        complete=False,
    )
    summary = summarize([], meta)
    assert summary.total == 0 and not summary.has_failures and not summary.complete
    assert [a.account_id for a in summary.accounts] == [MGMT]
    assert "INCOMPLETE" in summary_table(summary)


def test_console_table_fits_100_columns_and_shows_counts() -> None:
    findings = hostile_findings()
    accounts = tuple(ScannedAccount(account_id=f"{i:012d}", name="n" * 200) for i in range(1, 40))
    extra = [
        make_finding(account_id=f"{i:012d}", status=Status.FAIL, account_name="x")
        for i in range(1, 40)
    ]
    meta = make_meta(accounts=accounts)
    table = summary_table(summarize([*findings, *extra], meta))
    lines = table.splitlines()
    assert all(len(line) <= WIDTH for line in lines)
    assert any(
        line.startswith("All") and line.split()[1:] == ["41", "2", "1", "0", "1", "45"]
        for line in lines
    )
    assert any(line.startswith("CRITICAL") for line in lines)
    assert "more accounts" in table
