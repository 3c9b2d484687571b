"""OCSF Compliance Finding (class 2003) output: the schema's requirements, mapping, file."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from reports.ocsf import to_ocsf, write_ocsf
from scanner.core.findings import Finding
from scanner.core.model import Resource, Severity, Status
from tests.reports.factory import NOW, access_error, hostile_findings, make_finding

# What OCSF 1.5.0 says about class 2003 and the objects it uses (controls.md §9 and the schema:
# base_event -> finding -> compliance_finding, plus the cloud profile).
EVENT_REQUIRED = (
    *("activity_id", "category_uid", "class_uid", "metadata", "severity_id", "time", "type_uid"),
    *("finding_info", "compliance"),
)
EVENT_ATTRIBUTES = {
    # base_event
    "activity_id", "activity_name", "category_name", "category_uid", "class_name", "class_uid",
    "count", "duration", "end_time", "enrichments", "message", "metadata", "observables",
    "raw_data", "severity", "severity_id", "start_time", "status", "status_code",
    "status_detail", "status_id", "time", "timezone_offset", "type_name", "type_uid", "unmapped",
    # finding
    "comment", "confidence", "confidence_id", "confidence_score", "device", "finding_info",
    "vendor_attributes",
    # compliance_finding
    "compliance", "evidences", "remediation", "resource", "resources",
    # cloud profile
    "cloud", "api",
}  # fmt: skip
ACTIVITY_IDS = {0, 1, 2, 3, 99}
SEVERITY_IDS = {0, 1, 2, 3, 4, 5, 6, 99}
# compliance.status_id: 1 Pass, 2 Warning, 3 Fail, plus the reserved 0 Unknown / 99 Other
COMPLIANCE_STATUS_IDS = {0, 1, 2, 3, 99}
FINDING_STATUS_IDS = {0, 1, 2, 3, 4, 5, 99}
COMPLIANCE_ATTRIBUTES = {
    "assessments", "category", "checks", "control", "control_parameters", "desc",
    "requirements", "standards", "status", "status_code", "status_detail", "status_details",
    "status_id",
}  # fmt: skip
FINDING_INFO_ATTRIBUTES = {
    "analytic", "attacks", "created_time", "data_sources", "desc", "first_seen_time", "kill_chain",
    "last_seen_time", "modified_time", "product_uid", "related_analytics", "related_events",
    "src_url", "title", "types", "uid",
}  # fmt: skip
EVIDENCE_AT_LEAST_ONE = {
    "actor", "api", "connection_info", "data", "database", "databucket", "device",
    "dst_endpoint", "email", "file", "process", "query", "resources", "src_endpoint", "url",
    "user", "job", "script",
}  # fmt: skip
MS_2000 = 946_684_800_000
MS_2100 = 4_102_444_800_000


def _is_ms(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and MS_2000 < value < MS_2100


def _strings(value: Any) -> bool:
    return isinstance(value, list) and all(isinstance(v, str) and v.strip() for v in value)


def ocsf_problems(doc: dict[str, Any]) -> list[str]:
    """Every way `doc` breaks the class 2003 rules above (empty when valid)."""
    problems = [f"missing {key}" for key in EVENT_REQUIRED if key not in doc]
    problems += [f"unknown attribute {key}" for key in set(doc) - EVENT_ATTRIBUTES]
    if doc.get("class_uid") != 2003 or doc.get("category_uid") != 2:
        problems.append("not a Compliance Finding (2003 in category 2)")
    if doc.get("activity_id") not in ACTIVITY_IDS:
        problems.append("bad activity_id")
    if doc.get("type_uid") != 2003 * 100 + (doc.get("activity_id") or 0):
        problems.append("type_uid is not class_uid * 100 + activity_id")
    if doc.get("severity_id") not in SEVERITY_IDS:
        problems.append("bad severity_id")
    if "status_id" in doc and doc["status_id"] not in FINDING_STATUS_IDS:
        problems.append("bad finding status_id")
    if not _is_ms(doc.get("time")):
        problems.append("time is not epoch milliseconds")
    meta = doc.get("metadata") or {}
    product = meta.get("product")
    if not isinstance(product, dict) or not product.get("name"):
        problems.append("metadata.product (with a name) is required")
    if meta.get("version") != "1.5.0":
        problems.append("metadata.version must be the schema version 1.5.0")
    info = doc.get("finding_info") or {}
    if not isinstance(info.get("uid"), str) or not info["uid"].strip():
        problems.append("finding_info.uid is required")
    if not isinstance(info.get("title"), str) or not info["title"].strip():
        problems.append("finding_info.title (recommended) is blank")
    problems += [f"unknown finding_info.{k}" for k in set(info) - FINDING_INFO_ATTRIBUTES]
    for key in ("created_time", "first_seen_time", "last_seen_time", "modified_time"):
        if key in info and not _is_ms(info[key]):
            problems.append(f"finding_info.{key} is not epoch milliseconds")
    if "types" in info and not _strings(info["types"]):
        problems.append("finding_info.types must be strings")
    analytic = info.get("analytic")
    if analytic is not None and not isinstance(analytic.get("type_id"), int):
        problems.append("finding_info.analytic.type_id is required")
    compliance = doc.get("compliance") or {}
    problems += [f"unknown compliance.{k}" for k in set(compliance) - COMPLIANCE_ATTRIBUTES]
    if compliance.get("status_id") not in COMPLIANCE_STATUS_IDS:
        problems.append("bad compliance.status_id")
    for key in ("standards", "requirements", "status_details"):
        if key in compliance and not _strings(compliance[key]):
            problems.append(f"compliance.{key} must be a list of strings")
    if "remediation" in doc and not (doc["remediation"].get("desc") or "").strip():
        problems.append("remediation.desc is required")
    for res in doc.get("resources") or []:
        if not (isinstance(res.get("uid"), str) and isinstance(res.get("type"), str)):
            problems.append("resource without uid/type")
    cloud = doc.get("cloud")
    if cloud is not None and not cloud.get("provider"):
        problems.append("cloud.provider is required")
    for evidence in doc.get("evidences") or []:
        if not set(evidence) & EVIDENCE_AT_LEAST_ONE:
            problems.append("evidences entry with none of the required attributes")
    try:
        json.dumps(doc, allow_nan=False)
    except (TypeError, ValueError) as exc:
        problems.append(f"not JSON: {exc}")
    return problems


def test_the_validator_itself_rejects_broken_documents() -> None:
    good = to_ocsf(make_finding())
    assert ocsf_problems(good) == []
    for key in ("compliance", "finding_info", "metadata", "time", "class_uid"):
        broken = dict(good)
        del broken[key]
        assert ocsf_problems(broken), key
    assert ocsf_problems(dict(good, type_uid=200302))
    assert ocsf_problems(dict(good, compliance={**good["compliance"], "status_id": 7}))
    assert ocsf_problems(dict(good, time=NOW.isoformat()))
    assert ocsf_problems(dict(good, finding_info={**good["finding_info"], "uid": ""}))
    assert ocsf_problems(dict(good, complaince={}))


@pytest.mark.parametrize("finding", hostile_findings(), ids=lambda f: f"{f.status.value}")
def test_every_status_and_edge_case_is_a_valid_compliance_finding(finding: Finding) -> None:
    doc = to_ocsf(finding)
    assert ocsf_problems(doc) == []
    assert doc["finding_info"]["uid"] == finding.id
    assert doc["cloud"]["account"]["uid"] == finding.account_id
    assert doc["cloud"]["provider"] == "AWS"
    assert doc["cloud"]["region"] == finding.region
    assert doc["resources"][0]["uid"] == finding.resource.id


@pytest.mark.parametrize(
    ("status", "status_id", "code"),
    [
        (Status.PASS, 1, "PASSED"),
        (Status.WARNING, 2, "WARNING"),
        (Status.FAIL, 3, "FAILED"),
        (Status.ERROR, 0, "NOT_AVAILABLE"),
    ],
)
def test_compliance_status_mapping(status: Status, status_id: int, code: str) -> None:
    compliance = to_ocsf(make_finding(status=status))["compliance"]
    assert compliance["status_id"] == status_id
    assert compliance["status_code"] == code
    if status is Status.ERROR:
        assert compliance["status"] == "Not available"


@pytest.mark.parametrize(
    ("severity", "severity_id"),
    [
        (Severity.INFORMATIONAL, 1),
        (Severity.LOW, 2),
        (Severity.MEDIUM, 3),
        (Severity.HIGH, 4),
        (Severity.CRITICAL, 5),
    ],
)
def test_severity_mapping_keeps_the_check_severity(severity: Severity, severity_id: int) -> None:
    # SUPPRESSED never reaches to_ocsf: the writer sends a suppressed finding's verdict.
    for status in (s for s in Status if s is not Status.SUPPRESSED):
        doc = to_ocsf(make_finding(status=status, severity=severity))
        assert doc["severity_id"] == severity_id


def test_fields_carry_the_finding() -> None:
    finding = make_finding(
        related_resources=(Resource(type="AwsS3Bucket", id="arn:aws:s3:::logs"),),
    )
    doc = to_ocsf(finding)
    assert doc["time"] == int(NOW.timestamp() * 1000)
    assert doc["finding_info"]["created_time"] == doc["time"]
    assert doc["finding_info"]["title"] == finding.title
    assert finding.reason in doc["finding_info"]["desc"]
    assert doc["compliance"]["control"] == "CloudTrail.4"
    assert doc["compliance"]["requirements"] == list(finding.requirements)
    assert doc["compliance"]["standards"] == list(finding.standards)
    assert doc["compliance"]["status_details"] == [finding.reason]
    assert doc["remediation"] == {
        "desc": finding.remediation,
        "references": [finding.remediation_url],
    }
    assert [(r["uid"], r["type"]) for r in doc["resources"]] == [
        (finding.resource.id, "AwsCloudTrailTrail"),
        ("arn:aws:s3:::logs", "AwsS3Bucket"),
    ]
    assert doc["resources"][0]["cloud_partition"] == "aws"
    assert doc["evidences"] == [{"name": "trailwatch evidence", "data": finding.evidence}]
    assert doc["metadata"]["product"]["name"] == "trailwatch"
    assert doc["cloud"]["account"]["name"] == "management"


def test_error_finding_names_the_failed_call_and_unknown_status() -> None:
    error = access_error()
    doc = to_ocsf(make_finding(status=Status.ERROR, errors=(error,)))
    assert doc["compliance"]["status_id"] == 0
    assert error.describe() in doc["compliance"]["status_details"]


def test_control_falls_back_to_the_check_id_and_unsafe_links_are_dropped() -> None:
    doc = to_ocsf(
        make_finding(control_id=None, remediation="", remediation_url="javascript:alert(1)")
    )
    assert doc["compliance"]["control"] == "cloudtrail_log_file_validation"
    assert "remediation" not in doc
    naive = to_ocsf(make_finding(collected_at=datetime(2026, 1, 1)))
    assert naive["time"] == int(datetime(2026, 1, 1, tzinfo=UTC).timestamp() * 1000)


def test_write_ocsf_writes_a_json_array_atomically(tmp_path: Path) -> None:
    findings = hostile_findings()
    path = write_ocsf(tmp_path / "out" / "findings.ocsf.json", findings)
    docs = json.loads(path.read_text(encoding="utf-8"))
    assert isinstance(docs, list) and len(docs) == len(findings)
    assert [d["finding_info"]["uid"] for d in docs] == [f.id for f in findings]
    assert all(ocsf_problems(d) == [] for d in docs)
    assert [p.name for p in path.parent.iterdir()] == ["findings.ocsf.json"]
    empty = write_ocsf(tmp_path / "empty.json", [])
    assert json.loads(empty.read_text()) == []


def test_suppressed_finding_keeps_its_verdict_and_is_marked_suppressed() -> None:
    from datetime import date

    from reports.ocsf import to_ocsf
    from scanner.core.findings import Suppression
    from scanner.core.model import Status
    from tests.reports.factory import make_finding

    base = make_finding(status=Status.FAIL)
    suppression = Suppression(
        rule=0,
        check="CloudTrail.4",
        reason="accepted risk",
        owner="sec@example.com",
        expires=date(2027, 1, 1),
    )
    suppressed = base.model_copy(
        update={
            "status": Status.SUPPRESSED,
            "suppressed_status": Status.FAIL,
            "suppression": suppression,
        }
    )
    doc = to_ocsf(suppressed)
    assert doc["compliance"]["status_id"] == 3  # Fail: the verdict
    assert doc["status_id"] == 3 and doc["status"] == "Suppressed"
