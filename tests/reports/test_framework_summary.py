"""Per-framework requirement status, % compliant, and `--framework` restricting a scan."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from reports.summary import FrameworkSummary, RequirementStatus, summarize
from scanner.core.errors import UsageError
from scanner.core.evaluate import ACCOUNT_ACCESS_CHECK
from scanner.core.findings import Finding
from scanner.core.frameworks import Framework, Frameworks, Requirement, normalize_key
from scanner.core.model import Status
from scanner.core.registry import all_checks
from tests.reports.factory import MEMBER, MGMT, make_finding, make_meta
from tests.reports.pipeline_helpers import save_inventory, scan

RS = RequirementStatus


@dataclass(frozen=True)
class C:
    id: str
    control_id: str | None = None
    title: str = ""


CHECKS = [C("a1", "A.1", "A one"), C("own_b"), C("c1", "C.1"), C("d1", "D.1"), C("e1", "E.1")]


def finding(check_id: str, status: Status, account: str = MGMT, resource: str = "r") -> Finding:
    control = next(c.control_id for c in CHECKS if c.id == check_id) if check_id != "x" else None
    return make_finding(
        check_id=check_id,
        control_id=control,
        status=status,
        account_id=account,
        resource_id=f"arn:aws:s3:::{check_id}-{resource}",
    )


FW = Framework(
    key="test-1.0",
    name="Test",
    requirement_prefix="Test v1.0",
    requirements=(
        Requirement("1", "passes", ("A.1",)),
        Requirement("2", "fails", ("A.1", "own_b")),
        Requirement("3", "manual", manual=True),
        Requirement("4", "not in this scan", ("Z.9",)),
        Requirement("5", "only suppressed", ("C.1",)),
        Requirement("6", "no data", ("D.1",)),
        Requirement("7", "partly in this scan", ("A.1", "Z.9")),
        Requirement("8", "error", ("E.1",)),
    ),
    members=("C.1",),
)


def build(findings: list[Finding], **meta: Any) -> FrameworkSummary:
    summary = summarize(findings, make_meta(**meta), [FW], CHECKS)
    (fw,) = summary.frameworks
    return fw


def test_requirement_statuses_and_percent() -> None:
    fw = build(
        [
            finding("a1", Status.PASS, resource="1"),
            finding("a1", Status.PASS, MEMBER, resource="2"),
            finding("own_b", Status.FAIL, MEMBER),
            finding("c1", Status.SUPPRESSED),
            finding("e1", Status.ERROR),
            finding("e1", Status.PASS, resource="ok"),
        ]
    )
    status = {r.id: r.status for r in fw.requirements}
    assert status == {
        "1": RS.PASS,
        "2": RS.FAIL,
        "3": RS.MANUAL,
        "4": RS.NOT_ASSESSED,
        "5": RS.SUPPRESSED,
        "6": RS.NO_DATA,
        "7": RS.NOT_ASSESSED,  # never a PASS from part of its checks
        "8": RS.NOT_AVAILABLE,  # part of its data was not read: never a PASS, not scored
    }
    two = fw.requirements[1]
    assert two.check_ids == ("a1", "own_b") and two.check_labels == ("A.1", "own_b")
    assert two.failing_accounts == 1 and two.counts.FAIL == 1 and two.counts.PASS == 2
    assert two.label == "Test v1.0/2"
    assert fw.requirements[3].missing == ("Z.9",)
    # score: passed / (passed + failed) = requirement 1 / 1, 2; the rest is left out
    assert (fw.passed, fw.failed, fw.assessed, fw.percent) == (1, 1, 2, 50.0)
    assert (fw.score.read, fw.score.unread) == (5, 1)
    assert [m.id for m in fw.members] == ["C.1"] and fw.members[0].status is RS.SUPPRESSED


def test_suppressed_findings_do_not_decide_a_status() -> None:
    fw = build([finding("a1", Status.PASS), finding("a1", Status.SUPPRESSED, resource="s")])
    assert fw.requirements[0].status is RS.PASS
    assert fw.requirements[0].counts.SUPPRESSED == 1


def test_warning_is_not_compliant_and_not_scored() -> None:
    fw = build([finding("a1", Status.WARNING)])
    assert fw.requirements[0].status is RS.WARNING and fw.passed == 0 and fw.percent is None


def test_an_account_that_could_not_be_scanned_is_coverage_not_a_verdict() -> None:
    access = make_finding(
        check_id="account_access",
        control_id=None,
        status=Status.ERROR,
        account_id="333333333333",
        resource_id="AWS::::Account:333333333333",
    )
    fw = build([finding("a1", Status.PASS), access])
    assert fw.requirements[0].status is RS.PASS  # over what was read
    assert fw.requirements[2].status is RS.MANUAL
    assert (fw.score.read, fw.score.unread) == (1, 1)
    accounts = {a.key: a.score for a in fw.accounts}
    assert accounts["333333333333"].percent is None  # nothing read there: not assessed
    assert accounts["333333333333"].unread == 1
    only_access = build([access])
    assert only_access.requirements[0].status is RS.NOT_AVAILABLE and only_access.percent is None


def test_no_assessable_requirement_has_no_percent() -> None:
    only_manual = Framework(
        key="m", name="M", requirement_prefix="M", requirements=(Requirement("1", "m", (), True),)
    )
    summary = summarize([], make_meta(), [only_manual], CHECKS)
    assert summary.frameworks[0].percent is None


# --- --framework -------------------------------------------------------------------------------


def test_keys_are_matched_loosely_and_unknown_keys_fail() -> None:
    assert normalize_key("CIS-5.0.0") == normalize_key("cis-5.0") == normalize_key("cis-5")
    assert normalize_key("pci-4.0.1") != normalize_key("pci-4.0")
    frameworks = Frameworks.load()
    assert [f.key for f in frameworks.select(["CIS-5.0.0", "cis-5.0", "fsbp"])] == [
        "cis-5.0",
        "fsbp",
    ]
    with pytest.raises(UsageError, match="cis-9") as err:
        frameworks.select(["cis-9"])
    assert "cis-5.0" in str(err.value)  # the choices are listed


def test_framework_restricts_the_checks_and_the_report(tmp_path: Path) -> None:
    inv = save_inventory(tmp_path / "inv.json", {"good": True})
    outcome = scan(inv, tmp_path / "out", checks=(), frameworks=("pci-4.0.1",))
    frameworks = Frameworks.load()
    (pci,) = frameworks.select(["pci-4.0.1"])
    expected = [c.id for c in all_checks() if pci.maps(c)]
    doc = json.loads((tmp_path / "out" / "findings.json").read_text(encoding="utf-8"))
    assert doc["scan"]["check_ids"] == expected and doc["scan"]["frameworks"] == ["pci-4.0.1"]
    assert {f.check_id for f in outcome.findings} <= set(expected)
    assert [f["key"] for f in doc["summary"]["frameworks"]] == ["pci-4.0.1"]
    html = (tmp_path / "out" / "report.html").read_text(encoding="utf-8")
    assert 'id="fw-pci-4.0.1"' in html and 'id="fw-cis-5.0"' not in html


def test_framework_and_checks_intersect(tmp_path: Path) -> None:
    inv = save_inventory(tmp_path / "inv.json", {"good": True})
    outcome = scan(inv, tmp_path / "a", checks=("CloudTrail.4",), frameworks=("cis-5.0",))
    assert {f.check_id for f in outcome.findings} == {"cloudtrail_log_file_validation"}
    with pytest.raises(UsageError):  # CloudWatch.1 is not in PCI DSS v4.0.1
        scan(inv, tmp_path / "b", checks=("CloudWatch.1",), frameworks=("pci-4.0.1",))


@pytest.mark.parametrize("args", [("--framework", "cis-9"), ("--fail-on-new",)])
def test_cli_bad_report_options_are_one_line_exit_2(tmp_path: Path, args: tuple[str, ...]) -> None:
    env = {k: v for k, v in os.environ.items() if k != "AWS_ENDPOINT_URL"}
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "scanner.app.cli",
            "scan",
            *args,
            "--endpoint-url",
            "http://127.0.0.1:9",
        ],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
        cwd=tmp_path,
        check=False,
    )
    assert proc.returncode == 2
    lines = [line for line in proc.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("trailwatch: error:"), proc.stderr


def test_an_account_that_could_not_be_entered_is_coverage_not_a_verdict() -> None:
    """One unreachable account leaves the others' verdicts (and the score) as they are."""
    unreachable = make_finding(
        check_id=ACCOUNT_ACCESS_CHECK,
        status=Status.ERROR,
        account_id="999999999999",
        resource_id="AWS::::Account:999999999999",
    )
    fw = build([finding("a1", Status.PASS), finding("own_b", Status.PASS), unreachable])
    status = {r.id: r.status for r in fw.requirements}
    assert status["1"] is RS.PASS and status["2"] is RS.PASS
    assert fw.percent == 100.0
    assert fw.score.unread >= 1  # the unreachable account shows as coverage


def test_a_resource_that_could_not_be_read_keeps_its_requirement_from_passing() -> None:
    fw = build([finding("a1", Status.PASS), finding("a1", Status.ERROR, MEMBER, resource="x")])
    assert fw.requirements[0].status is RS.NOT_AVAILABLE
    assert fw.percent is None  # nothing left to score: not assessed, never 0 % or 100 %


def test_frameworks_summarised_together_are_as_each_alone() -> None:
    """Requirements of several frameworks decided by the same checks are decided once."""
    other = Framework(
        key="other-2.0",
        name="Other",
        requirement_prefix="Other v2.0",
        requirements=(
            Requirement("x", "same checks as 2", ("A.1", "own_b")),
            Requirement("y", "same checks as 7, partly here", ("A.1", "Z.9")),
            Requirement("z", "same as 1", ("A.1",)),
        ),
    )
    findings = [
        finding("a1", Status.PASS, resource="1"),
        finding("a1", Status.FAIL, MEMBER, resource="2"),
        finding("own_b", Status.PASS, MEMBER),
        finding("e1", Status.ERROR),
    ]
    meta = make_meta()
    together = summarize(findings, meta, [FW, other], CHECKS).frameworks
    alone = [summarize(findings, meta, [fw], CHECKS).frameworks[0] for fw in (FW, other)]
    assert together == tuple(alone)
    for ours, theirs in zip(together, alone, strict=True):
        assert [r.account_status for r in ours.requirements] == [
            r.account_status for r in theirs.requirements
        ]
    assert [r.status for r in together[1].requirements] == [RS.FAIL, RS.FAIL, RS.FAIL]
    assert together[1].requirements[0].failing_account_ids == (MEMBER,)
