"""Suppressions: strict schema, matching, expiry (fails open), warnings, reports, exit code."""

from __future__ import annotations

import json
import logging
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import yaml

from reports.asff import to_asff
from scanner.core.config import load_config
from scanner.core.errors import ConfigError
from scanner.core.model import Resource, Severity, Status
from scanner.core.suppressions import (
    RuleState,
    SuppressionRule,
    apply_suppressions,
    validate_rules,
)
from tests.builders import MEMBER, MGMT
from tests.reports.factory import make_finding
from tests.reports.pipeline_helpers import save_inventory, scan, trail_arn

TODAY = date(2026, 11, 1)
IN_SCAN = [("cloudtrail_log_file_validation", "CloudTrail.4"), ("s3_ssl", "S3.5")]


def rule(**fields: Any) -> SuppressionRule:
    values: dict[str, Any] = {
        "check": "CloudTrail.4",
        "reason": "Legacy trail, replaced in Q1",
        "owner": "secops@example.com",
        "expires": date(2026, 12, 31),
    }
    values.update(fields)
    return SuppressionRule.model_validate(values)


def trail_finding(name: str, status: Status = Status.FAIL, account: str = MGMT, **kw: Any) -> Any:
    arn = trail_arn(name, account)
    return make_finding(
        account_id=account,
        resource_id=arn,
        resource=Resource(type="AwsCloudTrailTrail", id=arn, region="us-east-1"),
        status=status,
        **kw,
    )


# --- schema ------------------------------------------------------------------------------------


def _load(tmp_path: Path, entries: Any) -> Any:
    path = tmp_path / "trailwatch.yaml"
    path.write_text(yaml.safe_dump({"suppressions": entries}), encoding="utf-8")
    return load_config(path)[0]


def test_config_reads_suppressions(tmp_path: Path) -> None:
    path = tmp_path / "trailwatch.yaml"
    path.write_text(
        "suppressions:\n"
        "  - check: CloudTrail.4\n"
        "    accounts: ['111111111111']\n"
        "    regions: [us-east-1]\n"
        "    resource: 'arn:aws:cloudtrail:*:trail/legacy-*'\n"
        "    reason: Legacy trail\n"
        "    owner: secops\n"
        "    expires: 2027-01-31\n",
        encoding="utf-8",
    )
    config, _ = load_config(path)
    (entry,) = config.suppressions or []
    assert entry.accounts == ("111111111111",) and entry.regions == ("us-east-1",)
    assert entry.expires == date(2027, 1, 31)
    quoted = _load(
        tmp_path, [{"check": "S3.5", "reason": "r", "owner": "o", "expires": "2027-02-01"}]
    )
    assert quoted.suppressions[0].expires == date(2027, 2, 1)


@pytest.mark.parametrize(
    ("entry", "where"),
    [
        ({"check": "S3.5", "owner": "o", "expires": "2027-01-01"}, "reason"),
        ({"check": "S3.5", "reason": "r", "expires": "2027-01-01"}, "owner"),
        ({"check": "S3.5", "reason": "r", "owner": "o"}, "expires"),
        ({"check": "S3.5", "reason": " ", "owner": "o", "expires": "2027-01-01"}, "reason"),
        ({"check": "S3.5", "reason": "r", "owner": "o", "expires": "soon"}, "expires"),
        ({"check": "", "reason": "r", "owner": "o", "expires": "2027-01-01"}, "check"),
        (
            {"check": "S3.5", "reason": "r", "owner": "o", "expires": "2027-01-01", "note": 1},
            "note",
        ),
        (
            {
                "check": "S3.5",
                "reason": "r",
                "owner": "o",
                "expires": "2027-01-01",
                "accounts": [1],
            },
            "accounts",
        ),
        (
            {"check": "S3.5", "reason": "r", "owner": "o", "expires": "2027-01-01", "resource": ""},
            "resource",
        ),
    ],
)
def test_schema_errors_are_one_line_config_errors(
    tmp_path: Path, entry: dict[str, Any], where: str
) -> None:
    with pytest.raises(ConfigError) as err:
        _load(tmp_path, [entry])
    message = str(err.value)
    assert "\n" not in message and "suppressions.0" in message and where in message


def test_unknown_check_is_a_config_error() -> None:
    validate_rules([rule(check="cloudtrail.4")], ["CloudTrail.4"])  # case-insensitive
    validate_rules([rule(check="account_access")], [])
    with pytest.raises(ConfigError, match=r"suppressions\[1\]"):
        validate_rules([rule(), rule(check="CloudTrail.44")], ["CloudTrail.4"])


# --- matching ----------------------------------------------------------------------------------


def test_matching_scope_and_first_entry_wins() -> None:
    findings = [
        trail_finding("legacy-1"),
        trail_finding("legacy-2", account=MEMBER),
        trail_finding("main"),
        trail_finding("legacy-ok", Status.PASS),
        trail_finding("legacy-err", Status.ERROR),
        trail_finding("legacy-warn", Status.WARNING, region="eu-west-1"),
    ]
    rules = [
        rule(accounts=[MGMT], resource="*:trail/legacy-*"),
        rule(check="cloudtrail_log_file_validation", reason="second"),
    ]
    out, report = apply_suppressions(findings, rules, today=TODAY, checks_in_scan=IN_SCAN)
    got = {f.resource.id.rsplit("/", 1)[1]: f for f in out}
    assert {k: f.status for k, f in got.items()} == {
        "legacy-1": Status.SUPPRESSED,
        "legacy-2": Status.SUPPRESSED,  # other account: by the second entry
        "main": Status.SUPPRESSED,
        "legacy-ok": Status.PASS,  # a PASS is never suppressed
        "legacy-err": Status.SUPPRESSED,
        "legacy-warn": Status.SUPPRESSED,
    }
    assert got["legacy-1"].suppression is not None and got["legacy-1"].suppression.rule == 0
    assert got["legacy-2"].suppression is not None and got["legacy-2"].suppression.rule == 1
    assert got["legacy-1"].suppressed_status is Status.FAIL
    assert got["legacy-1"].verdict is Status.FAIL and got["legacy-err"].verdict is Status.ERROR
    assert [r.suppressed for r in report.rules] == [3, 2]
    assert [r.state for r in report.rules] == [RuleState.ACTIVE, RuleState.ACTIVE]
    assert not report.warnings


def test_regions_filter_and_control_id_case() -> None:
    findings = [trail_finding("a"), trail_finding("b", region="eu-west-1")]
    out, _ = apply_suppressions(
        findings,
        [rule(check="cloudtrail.4", regions=["eu-west-1"])],
        today=TODAY,
        checks_in_scan=IN_SCAN,
    )
    assert [f.status for f in out] == [Status.FAIL, Status.SUPPRESSED]


def test_expiry_day_applies_and_the_day_after_fails_open() -> None:
    findings = [trail_finding("legacy")]
    entry = rule(expires=TODAY)
    out, report = apply_suppressions(findings, [entry], today=TODAY, checks_in_scan=IN_SCAN)
    assert out[0].status is Status.SUPPRESSED and report.rules[0].state is RuleState.ACTIVE
    out, report = apply_suppressions(
        findings, [entry], today=date(2026, 11, 2), checks_in_scan=IN_SCAN
    )
    assert out[0].status is Status.FAIL
    assert report.rules[0].state is RuleState.EXPIRED and report.rules[0].matched == 1
    (warning,) = report.warnings
    assert "expired" in warning and "suppressions[0]" in warning


def test_entries_that_match_nothing_are_warned_about() -> None:
    findings = [trail_finding("main"), trail_finding("fixed", Status.PASS, control_id="S3.5")]
    rules = [
        rule(resource="*/nothing-here"),  # its check ran: matches nothing
        rule(check="S3.5", resource="*/fixed"),  # matches only a passing finding
        rule(check="CloudWatch.1"),  # its check was not part of this scan: not warned
    ]
    out, report = apply_suppressions(findings, rules, today=TODAY, checks_in_scan=IN_SCAN)
    assert [f.status for f in out] == [Status.FAIL, Status.PASS]
    assert [r.state for r in report.rules] == [
        RuleState.UNMATCHED,
        RuleState.PASSING,
        RuleState.NOT_IN_SCAN,
    ]
    assert len(report.warnings) == 2


def test_redundant_entry_is_warned_about() -> None:
    findings = [trail_finding("legacy-1"), trail_finding("legacy-2")]
    rules = [rule(), rule(resource="*/legacy-*", reason="narrower, but never reached")]
    out, report = apply_suppressions(findings, rules, today=TODAY, checks_in_scan=IN_SCAN)
    assert {f.status for f in out} == {Status.SUPPRESSED}
    assert [r.state for r in report.rules] == [RuleState.ACTIVE, RuleState.SHADOWED]
    assert report.rules[1].matched == 2 and report.rules[1].suppressed == 0
    (warning,) = report.warnings
    assert "suppressions[1]" in warning


def test_asff_keeps_the_verdict_and_records_the_suppression() -> None:
    (finding,), _ = apply_suppressions(
        [trail_finding("legacy", severity=Severity.HIGH)],
        [rule()],
        today=TODAY,
        checks_in_scan=IN_SCAN,
    )
    doc = to_asff(finding)
    assert doc["Compliance"]["Status"] == "FAILED"
    assert doc["Severity"]["Label"] == "HIGH"
    assert "Workflow" not in doc and "WorkflowState" not in doc
    fields = doc["ProductFields"]
    assert fields["trailwatch/Status"] == "SUPPRESSED"
    assert fields["trailwatch/Suppression/Reason"] == "Legacy trail, replaced in Q1"
    assert fields["trailwatch/Suppression/Owner"] == "secops@example.com"
    assert fields["trailwatch/Suppression/Expires"] == "2026-12-31"


# --- the whole pipeline -------------------------------------------------------------------------


def test_suppressed_failures_do_not_fail_the_run_and_stay_visible(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    inv = save_inventory(tmp_path / "inv.json", {"good": True, "legacy": False})
    assert scan(inv, tmp_path / "plain").exit_code == 1
    entries = (
        rule(resource="*:trail/legacy"),
        rule(check="CloudTrail.4", resource="*/gone", expires=date(2020, 1, 1)),
    )
    with caplog.at_level(logging.WARNING, logger="trailwatch"):
        outcome = scan(inv, tmp_path / "out", suppressions=entries)
    assert outcome.exit_code == 0
    statuses = {f.resource.id: f.status for f in outcome.findings}
    assert statuses[trail_arn("legacy")] is Status.SUPPRESSED
    assert statuses[trail_arn("good")] is Status.PASS
    assert any("expired" in r.getMessage() for r in caplog.records)

    doc = json.loads((tmp_path / "out" / "findings.json").read_text(encoding="utf-8"))
    assert [r["state"] for r in doc["suppressions"]["rules"]] == ["active", "expired"]
    assert doc["summary"]["by_status"]["SUPPRESSED"] == 1
    suppressed = next(f for f in doc["findings"] if f["status"] == "SUPPRESSED")
    assert suppressed["suppressed_status"] == "FAIL"
    assert suppressed["suppression"]["owner"] == "secops@example.com"
    html = (tmp_path / "out" / "report.html").read_text(encoding="utf-8")
    assert 'id="suppressions"' in html and "Legacy trail, replaced in Q1" in html
    assert "suppression-warnings" in html  # the expired entry is warned about in the report


def test_suppressed_error_does_not_make_exit_3(tmp_path: Path) -> None:
    inv = tmp_path / "inv.json"
    save_inventory(inv, {"good": True})
    # CloudWatch.1 needs data this inventory does not hold: an ERROR finding (exit 3).
    assert scan(inv, tmp_path / "a", checks=("CloudTrail.4", "CloudWatch.1")).exit_code == 3
    entry = rule(check="CloudWatch.1", reason="Alarms live in the SIEM")
    outcome = scan(
        inv, tmp_path / "b", checks=("CloudTrail.4", "CloudWatch.1"), suppressions=(entry,)
    )
    assert outcome.exit_code == 0
    assert {f.verdict for f in outcome.findings if f.status is Status.SUPPRESSED} == {Status.ERROR}
