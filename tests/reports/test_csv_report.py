"""findings.csv: RFC 4180, UTF-8 with BOM, formula-injection safe, one row per finding."""

from __future__ import annotations

import csv
from pathlib import Path

from reports.csv_report import BOM, COLUMNS, COMPLIANCE_COLUMNS, MAX_CELL, safe_cell, write_csv
from reports.summary import summarize
from reports.writers import write_reports
from scanner.core.formats import FILENAMES
from scanner.core.frameworks import Frameworks
from scanner.core.model import Status
from scanner.core.registry import all_checks
from tests.reports.factory import (
    HOSTILE,
    MGMT,
    NON_ASCII,
    hostile_findings,
    make_finding,
    make_meta,
)


def _write(tmp_path: Path, findings: list) -> Path:  # type: ignore[type-arg]
    meta = make_meta()
    return write_csv(tmp_path / "findings.csv", findings, meta, summarize(findings, meta))


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


def test_one_row_per_finding_with_bom_and_crlf(tmp_path: Path) -> None:
    findings = hostile_findings()
    path = _write(tmp_path, findings)
    raw = path.read_bytes()
    assert raw.startswith(BOM.encode("utf-8"))
    text = raw.decode("utf-8")
    assert text.count("\r\n") >= len(findings) + 1  # header and every record end in CRLF
    rows = _rows(path)
    assert len(rows) == len(findings)
    assert list(rows[0]) == list(COLUMNS)
    assert [r["finding_id"] for r in rows] == [f.id for f in findings]
    hostile = rows[1]
    assert HOSTILE in hostile["title"] and NON_ASCII in hostile["account_name"]
    assert "arn:aws:s3:::related" not in hostile["resource_id"]
    assert all(len(value) <= MAX_CELL for row in rows for value in row.values())
    assert hostile["evidence"].endswith("…")  # 300,000 characters cut to Excel's cell limit
    assert rows[3]["errors"].startswith("DescribeTrails (cloudtrail:DescribeTrails)")


def test_formula_injection_is_neutralised(tmp_path: Path) -> None:
    payloads = ['=HYPERLINK("http://x")', "+1+1", "-2+3", "@SUM(A1)", "\t=1", "\r=1"]
    for payload in payloads:
        assert safe_cell(payload) == "'" + payload
    assert safe_cell("plain") == "plain" and safe_cell("") == ""
    finding = make_finding(reason="=cmd|' /C calc'!A0", account_name="@evil", title="-1")
    (row,) = _rows(_write(tmp_path, [finding]))
    assert row["reason"] == "'=cmd|' /C calc'!A0"
    assert row["account_name"] == "'@evil" and row["title"] == "'-1"
    for value in row.values():
        assert not value.startswith(("=", "+", "-", "@", "\t", "\r"))


def test_quotes_commas_and_newlines_round_trip(tmp_path: Path) -> None:
    reason = 'multi\nline, with "quotes"'
    (row,) = _rows(_write(tmp_path, [make_finding(reason=reason)]))
    assert row["reason"] == reason
    raw = _write(tmp_path, [make_finding(reason=reason)]).read_bytes().decode("utf-8-sig")
    assert ',"multi\nline, with ""quotes""",' in raw  # RFC 4180 quoting


def test_suppressed_finding_shows_verdict_and_suppression(tmp_path: Path) -> None:
    from datetime import date

    from scanner.core.findings import Suppression

    finding = make_finding(
        status=Status.SUPPRESSED,
        suppressed_status=Status.FAIL,
        suppression=Suppression(
            rule=0, check="CloudTrail.4", reason="accepted", owner="o", expires=date(2027, 1, 1)
        ),
    )
    (row,) = _rows(_write(tmp_path, [finding]))
    assert (row["status"], row["verdict"]) == ("SUPPRESSED", "FAIL")
    assert row["suppression_reason"] == "accepted" and row["suppression_expires"] == "2027-01-01"
    assert row["change"] == ""  # no baseline


def test_registered_as_a_format(tmp_path: Path) -> None:
    findings = hostile_findings()
    meta = make_meta()
    (path,) = write_reports(tmp_path, ["csv"], findings, meta, summarize(findings, meta))
    assert path.name == FILENAMES["csv"] == "findings.csv"
    assert len(_rows(path)) == len(findings)


def test_compliance_csv_per_framework(tmp_path: Path) -> None:
    findings = hostile_findings()
    meta = make_meta()
    (cis,) = Frameworks.load().select(["cis-5.0"])
    ran = {f.check_id for f in findings}
    checks = [c for c in all_checks() if c.id in ran]  # the checks of this scan
    summary = summarize(findings, meta, [cis], checks)
    paths = write_reports(tmp_path, ["csv"], findings, meta, summary)
    assert [p.name for p in paths] == ["findings.csv", "compliance-cis-5.0.csv"]
    with paths[1].open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert tuple(rows[0]) == COMPLIANCE_COLUMNS
    by_req: dict[str, list[dict[str, str]]] = {}
    for row in rows:
        by_req.setdefault(row["requirement_id"], []).append(row)
    # every requirement of the framework is listed: automated, manual and out of scope
    assert len(by_req) == cis.total_requirements == 63
    validation = by_req["3.2"]  # CloudTrail.4: the FAIL and the PASS of the management account
    assert {(r["account_id"], r["status"]) for r in validation} >= {
        (MGMT, "FAIL"),
        (MGMT, "PASS"),
    }
    assert all(r["requirement_status"] == "FAIL" for r in validation)
    assert validation[0]["requirement_text"] == "Ensure CloudTrail log file validation is enabled"
    # the account that could not be accessed is an ERROR row of every requirement its checks decide
    assert any(r["check_id"] == "account_access" and r["status"] == "ERROR" for r in validation)
    # no check of this scan decides 3.7: listed once, not assessed, no account
    (flow,) = by_req["3.7"]
    assert (flow["requirement_status"], flow["account_id"]) == ("NOT_ASSESSED", "")
    # 4.15 is automated (cloudwatch_alarm_organizations_changes), a check this scan did not run
    assert by_req["4.15"][0]["requirement_status"] == "NOT_ASSESSED"
    assert by_req["1.1"][0]["requirement_status"] == "OUT_OF_SCOPE"
    assert by_req["1.1"][0]["scope"] == "out_of_scope"
    # cells are formula-safe here as well
    assert all(not r["resource_id"].startswith(("=", "+", "-", "@")) for r in rows)
