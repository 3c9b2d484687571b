"""findings.junit.xml: well-formed JUnit, a testsuite per check, one element per status, counts."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import date
from pathlib import Path

from reports.junit import write_junit
from reports.summary import summarize
from reports.writers import write_reports
from scanner.core.findings import Finding, Suppression
from scanner.core.formats import FILENAMES, FORMATS
from scanner.core.model import CollectionError, Status
from tests.reports.factory import MEMBER, hostile_findings, make_finding, make_meta

COUNTS = ("tests", "failures", "errors", "skipped")


def _suppressed() -> Finding:
    return make_finding(
        check_id="s3_bucket_access_logging",
        resource_id="arn:aws:s3:::accepted",
        status=Status.SUPPRESSED,
        suppressed_status=Status.FAIL,
        suppression=Suppression(
            rule=0,
            check="s3_bucket_access_logging",
            reason="access logs are in CloudTrail data events",
            owner="secops",
            expires=date(2027, 1, 1),
        ),
    )


def _findings() -> list[Finding]:
    """Three checks; every status at least once, control characters in a reason."""
    err = CollectionError(
        operation="GetTrailStatus",
        iam_action="cloudtrail:GetTrailStatus",
        code="AccessDenied",
        message="denied",
        region="us-east-1",
    )
    return [
        make_finding(status=Status.PASS, resource_id="arn:a"),
        make_finding(status=Status.FAIL, resource_id="arn:b", reason="bad \x00\x1b thing <&>"),
        make_finding(status=Status.FAIL, resource_id="arn:c", account_id=MEMBER),
        make_finding(status=Status.ERROR, resource_id="arn:d", errors=(err,)),
        make_finding(status=Status.WARNING, check_id="cloudwatch_root_usage_alarm"),
        make_finding(status=Status.PASS, check_id="cloudwatch_root_usage_alarm", region="x-1"),
        _suppressed(),
        make_finding(
            status=Status.PASS, check_id="s3_bucket_access_logging", resource_id="arn:s3:::ok"
        ),
    ]


def _write(tmp_path: Path, findings: list[Finding]) -> ET.Element:
    meta = make_meta()
    path = write_junit(tmp_path / "findings.junit.xml", findings, meta, summarize(findings, meta))
    return ET.parse(path).getroot()  # raises on XML that is not well-formed


def _child(el: ET.Element, tag: str) -> ET.Element:
    found = el.find(tag)
    assert found is not None
    return found


def _counts(el: ET.Element) -> dict[str, int]:
    return {k: int(el.attrib[k]) for k in COUNTS}


def _expected(findings: list[Finding]) -> dict[str, int]:
    statuses = [f.status for f in findings]
    return {
        "tests": len(findings),
        "failures": statuses.count(Status.FAIL),
        "errors": statuses.count(Status.ERROR),
        "skipped": statuses.count(Status.SUPPRESSED),
    }


def test_a_testsuite_per_check_and_a_testcase_per_resource(tmp_path: Path) -> None:
    findings = _findings()
    root = _write(tmp_path, findings)
    assert root.tag == "testsuites"
    suites = {s.attrib["name"]: s for s in root.findall("testsuite")}
    assert set(suites) == {f.check_id for f in findings}
    for check_id, suite in suites.items():
        mine = [f for f in findings if f.check_id == check_id]
        assert _counts(suite) == _expected(mine)
        cases = suite.findall("testcase")
        assert len(cases) == len(mine)
        assert {c.attrib["classname"] for c in cases} == {check_id}
        assert len({c.attrib["name"] for c in cases}) == len(cases)  # one per resource
    assert _counts(root) == _expected(findings)


def test_each_status_maps_to_its_junit_element(tmp_path: Path) -> None:
    findings = _findings()
    root = _write(tmp_path, findings)
    cases = root.findall("testsuite/testcase")
    assert len(cases) == len(findings)
    for finding, case in zip(findings, cases, strict=True):
        children = {child.tag for child in case}
        if finding.status is Status.FAIL:
            assert children == {"failure"}
            assert _child(case, "failure").attrib["type"] == finding.severity.value
        elif finding.status is Status.ERROR:
            assert children == {"error"}
            error = _child(case, "error")
            assert error.attrib["type"] == "AccessDenied"
            assert "GetTrailStatus" in (error.text or "")
        elif finding.status is Status.SUPPRESSED:
            assert children == {"skipped"}
            assert "secops" in _child(case, "skipped").attrib["message"]
        elif finding.status is Status.WARNING:
            assert children == {"system-out"}
            assert (_child(case, "system-out").text or "").startswith("WARNING")
        else:
            assert finding.status is Status.PASS and children == set()


def test_control_characters_and_markup_survive(tmp_path: Path) -> None:
    root = _write(tmp_path, _findings())
    messages = [el.attrib["message"] for el in root.iter("failure")]
    assert any(m.startswith("bad ") and m.endswith(" thing <&>") for m in messages)


def test_hostile_findings_and_no_findings(tmp_path: Path) -> None:
    findings = hostile_findings()
    root = _write(tmp_path, findings)
    assert _counts(root) == _expected(findings)
    empty = _write(tmp_path / "empty", [])
    assert _counts(empty) == {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
    assert empty.findall("testsuite") == []


def test_registered_as_a_format(tmp_path: Path) -> None:
    assert "junit" in FORMATS and FILENAMES["junit"] == "findings.junit.xml"
    findings = _findings()
    meta = make_meta()
    paths = write_reports(tmp_path, ["junit"], findings, meta, summarize(findings, meta))
    assert [p.name for p in paths] == ["findings.junit.xml"]
    assert _counts(ET.parse(paths[0]).getroot()) == _expected(findings)
