"""ASFF: botocore's own validation for BatchImportFindings, Security Hub limits, status mapping."""

from __future__ import annotations

import json
import re
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from botocore.validate import ParamValidator

from reports.asff import (
    MAX_FINDING_BYTES,
    TYPE_BEST_PRACTICES,
    TYPE_CIS,
    TYPE_FSBP,
    TYPE_NIST_800_53,
    TYPE_PCI,
    to_asff,
    write_asff,
)
from scanner.core.model import Resource, Severity, Status
from tests.asff_model import batch_import_shape, model_problems
from tests.reports.factory import (
    GOV,
    MEMBER,
    MGMT,
    NOW,
    access_error,
    hostile_findings,
    make_finding,
)

TIMESTAMP = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$")


@pytest.fixture(scope="module")
def finding_shape() -> Any:
    return batch_import_shape()


def _assert_limits(doc: dict[str, Any]) -> None:
    assert doc["SchemaVersion"] == "2018-10-08"
    assert 1 <= len(doc["Id"]) <= 512
    assert 1 <= len(doc["GeneratorId"]) <= 512
    assert re.fullmatch(r"\d{12}", doc["AwsAccountId"])
    assert 1 <= len(doc["Title"]) <= 256
    assert 1 <= len(doc["Description"]) <= 1024
    assert 1 <= len(doc["Resources"]) <= 32
    assert 1 <= len(doc["Types"]) <= 50
    for t in doc["Types"]:
        assert t.startswith("Software and Configuration Checks/")
        assert 2 <= len(t.split("/")) <= 3
    for key in ("CreatedAt", "UpdatedAt", "FirstObservedAt", "LastObservedAt"):
        assert TIMESTAMP.match(doc[key]), doc[key]
    assert doc["CreatedAt"] == doc["UpdatedAt"]
    for sev in (doc["Severity"], doc["FindingProviderFields"]["Severity"]):
        assert sev["Label"] in ("INFORMATIONAL", "LOW", "MEDIUM", "HIGH", "CRITICAL")
        assert 1 <= len(sev["Original"]) <= 64
    assert doc["FindingProviderFields"]["Types"] == doc["Types"]
    for res in doc["Resources"]:
        assert res["Type"].strip() and res["Id"].strip()
        assert 1 <= len(res["Region"]) <= 16
    compliance = doc["Compliance"]
    assert len(compliance.get("RelatedRequirements", [])) <= 32
    for reason in compliance.get("StatusReasons", []):
        assert reason["ReasonCode"].strip()
        assert len(reason["Description"]) <= 2048
    if "Remediation" in doc:
        assert len(doc["Remediation"]["Recommendation"].get("Text", "")) <= 512
    fields = doc["ProductFields"]
    assert len(fields) <= 50
    for key, value in fields.items():
        assert key.startswith("trailwatch/") and len(key) <= 128
        assert value.strip() and len(value) <= 2048
    assert doc["RecordState"] == "ACTIVE"
    size = len(json.dumps(doc, ensure_ascii=False).encode("utf-8"))
    assert size <= MAX_FINDING_BYTES


def test_every_finding_passes_botocore_validation_and_limits(finding_shape: Any) -> None:
    docs = [to_asff(f) for f in hostile_findings()]
    report = ParamValidator().validate({"Findings": docs}, finding_shape)
    assert not report.has_errors(), report.generate_report()
    assert model_problems({"Findings": docs}, finding_shape) == []
    for doc in docs:
        _assert_limits(doc)


def test_oversized_parts_are_truncated_not_rejected() -> None:
    hostile = hostile_findings()[1]
    doc = to_asff(hostile)
    assert doc["Title"].endswith("…") and len(doc["Title"]) == 256
    assert doc["Description"].endswith("…") and len(doc["Description"]) == 1024
    assert doc["Description"].startswith(hostile.reason[:100])
    assert len(doc["Resources"]) == 32  # primary + 31 of the 40 related
    assert doc["Resources"][0]["Id"] == hostile.resource.id  # ids are never cut
    assert len(doc["Compliance"]["RelatedRequirements"]) == 32
    assert len(doc["ProductFields"]) == 50
    assert doc["ProductFields"]["trailwatch/CheckId"] == hostile.check_id
    evidence = doc["ProductFields"]["trailwatch/Evidence"]
    assert len(evidence) == 2048 and evidence.endswith("…")
    assert doc["Remediation"]["Recommendation"]["Text"].endswith("…")
    assert "Url" not in doc["Remediation"]["Recommendation"]  # javascript: is not a link


def test_evidence_with_unsortable_keys_still_serialises() -> None:
    doc = to_asff(make_finding(evidence={"by_id": {1: "one", "two": 2}}))
    assert json.loads(doc["ProductFields"]["trailwatch/Evidence"]) == {
        "by_id": {"1": "one", "two": 2}
    }


def test_finding_over_240kb_drops_evidence_first() -> None:
    wide = "\U0001f680" * 2000  # 4 UTF-8 bytes each
    finding = make_finding(
        account_tags={f"k{i}": wide for i in range(60)},
        related_resources=tuple(
            Resource(type="AwsS3Bucket", id=f"arn:aws:s3:::{i}-{wide}") for i in range(40)
        ),
        evidence={"data": wide},
    )
    doc = to_asff(finding)
    size = len(json.dumps(doc, ensure_ascii=False).encode("utf-8"))
    assert size <= MAX_FINDING_BYTES
    assert "omitted" in doc["ProductFields"]["trailwatch/Evidence"]
    assert doc["ProductFields"]["trailwatch/CheckId"] == finding.check_id
    assert doc["Resources"][0]["Id"] == finding.resource.id


@pytest.mark.parametrize(
    ("status", "expected", "label"),
    [
        (Status.PASS, "PASSED", "INFORMATIONAL"),
        (Status.FAIL, "FAILED", "HIGH"),
        (Status.WARNING, "WARNING", "HIGH"),
        (Status.ERROR, "NOT_AVAILABLE", "HIGH"),
    ],
)
def test_status_and_severity_mapping(status: Status, expected: str, label: str) -> None:
    errors = (access_error(),) if status is Status.ERROR else ()
    doc = to_asff(make_finding(status=status, severity=Severity.HIGH, errors=errors))
    assert doc["Compliance"]["Status"] == expected
    for sev in (doc["Severity"], doc["FindingProviderFields"]["Severity"]):
        assert sev == {"Label": label, "Original": "HIGH"}


def test_status_reasons() -> None:
    ok = to_asff(make_finding(status=Status.PASS))
    assert "StatusReasons" not in ok["Compliance"]
    warning = to_asff(make_finding(status=Status.WARNING, reason_code="SNS_TOPIC_CROSS_ACCOUNT"))
    assert [r["ReasonCode"] for r in warning["Compliance"]["StatusReasons"]] == [
        "SNS_TOPIC_CROSS_ACCOUNT"
    ]
    error = to_asff(make_finding(status=Status.ERROR, errors=(access_error(),)))
    (reason,) = error["Compliance"]["StatusReasons"]
    assert reason["ReasonCode"] == "AccessDenied"
    assert "DescribeTrails" in reason["Description"]
    bare = to_asff(make_finding(status=Status.ERROR, errors=()))
    assert len(bare["Compliance"]["StatusReasons"]) == 1


def test_id_is_stable_across_scans_and_distinct_per_resource() -> None:
    first = to_asff(make_finding())
    later = to_asff(make_finding(collected_at=NOW + timedelta(days=30), status=Status.PASS))
    assert first["Id"] == later["Id"]
    assert first["UpdatedAt"] < later["UpdatedAt"]
    other = to_asff(make_finding(resource_id="arn:aws:cloudtrail:us-east-1:111111111111:trail/b"))
    other_region = to_asff(make_finding(region="eu-west-1"))
    assert len({first["Id"], other["Id"], other_region["Id"]}) == 3


def test_identity_fields() -> None:
    doc = to_asff(make_finding())
    assert doc["ProductArn"] == (f"arn:aws:securityhub:us-east-1:{MGMT}:product/{MGMT}/default")
    assert doc["GeneratorId"] == "trailwatch/CloudTrail.4"
    assert doc["AwsAccountId"] == MGMT
    assert doc["CreatedAt"] == "2026-11-01T12:00:05.123Z"
    assert doc["Region"] == "us-east-1"
    assert doc["Compliance"]["SecurityControlId"] == "CloudTrail.4"
    assert doc["Compliance"]["AssociatedStandards"] == [
        {"StandardsId": "standards/cis-aws-foundations-benchmark/v/5.0.0"}
    ]
    assert doc["Remediation"]["Recommendation"]["Url"].startswith("https://")
    assert doc["ProductFields"]["trailwatch/AccountName"] == "management"
    assert doc["ProductFields"]["trailwatch/tag/env"] == "prod"
    assert json.loads(doc["ProductFields"]["trailwatch/Evidence"]) == make_finding().evidence
    imported_elsewhere = to_asff(make_finding(), "eu-central-1")
    assert ":securityhub:eu-central-1:" in imported_elsewhere["ProductArn"]
    assert imported_elsewhere["Region"] == "us-east-1"


def test_no_control_id_means_check_generator_and_no_security_control() -> None:
    doc = to_asff(make_finding(check_id="account_access", control_id=None, requirements=()))
    assert doc["GeneratorId"] == "trailwatch/account_access"
    assert "SecurityControlId" not in doc["Compliance"]


def test_partition_from_resource_arn_then_default() -> None:
    china = to_asff(
        make_finding(
            account_id=GOV,
            region="cn-north-1",
            resource=Resource(type="AwsKmsKey", id="arn:aws-cn:kms:cn-north-1:333333333333:key/k"),
        )
    )
    assert china["ProductArn"].startswith("arn:aws-cn:securityhub:cn-north-1:")
    assert china["Resources"][0]["Partition"] == "aws-cn"
    account = Resource(type="AwsAccount", id=f"AWS::::Account:{MEMBER}")
    gov = to_asff(make_finding(resource=account, related_resources=()), partition="aws-us-gov")
    assert gov["ProductArn"].startswith("arn:aws-us-gov:")
    assert gov["Resources"][0]["Partition"] == "aws-us-gov"
    default = to_asff(make_finding(resource=account, related_resources=()))
    assert default["ProductArn"].startswith("arn:aws:")


def test_types_follow_the_standards() -> None:
    cis = to_asff(make_finding())["Types"]
    assert cis[0] == TYPE_CIS and TYPE_PCI in cis and TYPE_NIST_800_53 in cis
    fsbp_only = to_asff(make_finding(requirements=(), standards=()))["Types"]
    assert fsbp_only == [TYPE_FSBP]
    plain = to_asff(make_finding(control_id=None, requirements=(), standards=()))["Types"]
    assert plain == [TYPE_BEST_PRACTICES]


def test_write_asff_writes_a_json_array_atomically(tmp_path: Path, finding_shape: Any) -> None:
    findings = hostile_findings()
    path = write_asff(tmp_path / "findings.asff.json", findings)
    docs = json.loads(path.read_text(encoding="utf-8"))
    assert isinstance(docs, list) and len(docs) == len(findings)
    assert [d["Id"] for d in docs] == [f.id for f in findings]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["findings.asff.json"]
    report = ParamValidator().validate({"Findings": docs}, finding_shape)
    assert not report.has_errors(), report.generate_report()


def test_suppressed_findings_pass_validation_with_their_verdict(finding_shape: Any) -> None:
    from datetime import date

    from scanner.core.findings import Suppression

    suppressed = [
        f.model_copy(
            update={
                "status": Status.SUPPRESSED,
                "suppressed_status": f.status,
                "suppression": Suppression(
                    rule=3, check="x", reason="r " * 2000, owner="o", expires=date(2027, 1, 1)
                ),
            }
        )
        for f in hostile_findings()
        if f.status is not Status.PASS
    ]
    docs = [to_asff(f) for f in suppressed]
    report = ParamValidator().validate({"Findings": docs}, finding_shape)
    assert not report.has_errors(), report.generate_report()
    for finding, doc in zip(suppressed, docs, strict=True):
        assert doc["Compliance"]["Status"] == finding.verdict.asff != "PASSED"
        assert doc["ProductFields"]["trailwatch/Suppressed"] == "true"
        assert "Workflow" not in doc
        _assert_limits(doc)
    errors = [d for f, d in zip(suppressed, docs, strict=True) if f.verdict is Status.ERROR]
    assert all(d["Compliance"]["StatusReasons"] for d in errors)
