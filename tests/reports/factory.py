"""Hand-built findings and scan metadata for report tests (all statuses, hostile strings)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from reports.summary import ScanMeta, ScannedAccount
from scanner.core.findings import Finding, finding_id
from scanner.core.inventory import SkippedAccount
from scanner.core.model import CollectionError, Resource, Severity, Status

NOW = datetime(2026, 11, 1, 12, 0, 5, 123456, tzinfo=UTC)
MGMT = "111111111111"
MEMBER = "222222222222"
GOV = "333333333333"
HOSTILE = "<script>alert(1)</script>"
TEMPLATE_INJECTION = "{{ 7*7 }}{% raw %}"
NON_ASCII = "Zürich-账户-🚀"
DOCS_URL = "https://docs.aws.amazon.com/securityhub/latest/userguide/cloudtrail-controls.html"
RUNBOOK_URL = "http://example.com/runbook"
CIS = "CIS AWS Foundations Benchmark v5.0.0/3.4"


def make_finding(
    check_id: str = "cloudtrail_log_file_validation",
    account_id: str = MGMT,
    region: str = "us-east-1",
    resource_id: str = "arn:aws:cloudtrail:us-east-1:111111111111:trail/main",
    status: Status = Status.FAIL,
    **overrides: Any,
) -> Finding:
    values: dict[str, Any] = {
        "id": finding_id(check_id, account_id, region, resource_id),
        "check_id": check_id,
        "control_id": "CloudTrail.4",
        "title": "CloudTrail log file validation should be enabled",
        "description": "Digest files let you prove that log files were not modified.",
        "severity": Severity.LOW,
        "status": status,
        "account_id": account_id,
        "account_name": "management",
        "ou_path": ("Root",),
        "account_tags": {"env": "prod"},
        "region": region,
        "resource": Resource(
            type="AwsCloudTrailTrail", id=resource_id, region=region, account_id=account_id
        ),
        "reason": "Log file validation is disabled.",
        "evidence": {"api": "cloudtrail:DescribeTrails", "LogFileValidationEnabled": False},
        "remediation": "aws cloudtrail update-trail --name main --enable-log-file-validation",
        "remediation_url": DOCS_URL,
        "requirements": (CIS, "PCI DSS v3.2.1/10.5.5", "NIST.800-53.r5 AU-9"),
        "standards": ("standards/cis-aws-foundations-benchmark/v/5.0.0",),
        "collected_at": NOW,
    }
    values.update(overrides)
    return Finding(**values)


def access_error() -> CollectionError:
    return CollectionError(
        operation="DescribeTrails",
        iam_action="cloudtrail:DescribeTrails",
        code="AccessDenied",
        message=f"User is not authorized {HOSTILE}",
        region="eu-west-1",
    )


def hostile_findings() -> list[Finding]:
    """One finding per status plus edge cases every writer must survive."""
    long_reason = ("Reason with a <b>tag</b> & \"quotes\" 'single' " * 70)[:3000]
    hostile_id = (
        f"arn:aws:s3:::bucket-\"quoted\"-'single'-{HOSTILE}-{TEMPLATE_INJECTION}-{NON_ASCII}"
    )
    many_related = tuple(
        Resource(type="AwsS3Bucket", id=f"arn:aws:s3:::related-{i}") for i in range(40)
    )
    many_tags = {f"tag{i:02d}-{NON_ASCII}": f"value {i} {HOSTILE}" for i in range(60)}
    many_tags["empty"] = ""
    huge_evidence = {"blob": "x" * 300_000, "nested": {"note": NON_ASCII, "when": NOW}}
    return [
        make_finding(status=Status.PASS, severity=Severity.MEDIUM),
        make_finding(
            status=Status.FAIL,
            resource_id=hostile_id,
            resource=Resource(type="AwsS3Bucket", id=hostile_id, region="us-east-1"),
            title=f"Title {HOSTILE} {TEMPLATE_INJECTION} {NON_ASCII} " + "t" * 400,
            reason=long_reason,
            description=f"Rationale {HOSTILE} " + "d" * 2000,
            account_name=f'acct {HOSTILE} "q" {NON_ASCII}',
            account_tags=many_tags,
            ou_path=("Root", f"OU {HOSTILE}", NON_ASCII),
            related_resources=many_related,
            evidence=huge_evidence,
            remediation=f"Fix it {HOSTILE} " + "r" * 1000,
            remediation_url="javascript:alert(1)",
            requirements=tuple(f"{CIS}.{i}" for i in range(40)),
            severity=Severity.CRITICAL,
        ),
        make_finding(
            status=Status.WARNING,
            check_id="cloudwatch_root_usage_alarm",
            control_id="CloudWatch.1",
            region="eu-west-1",
            resource_id=f"AWS::::Account:{MEMBER}",
            account_id=MEMBER,
            account_name="",
            resource=Resource(type="AwsAccount", id=f"AWS::::Account:{MEMBER}"),
            reason_code="CLOUDTRAIL_REGION_INVAILD",
            reason="The multi-Region trail is homed in another Region.",
            severity=Severity.HIGH,
            requirements=(),
            standards=(),
            remediation="",
            remediation_url=None,
        ),
        make_finding(
            status=Status.ERROR,
            check_id="cloudtrail_multi_region_read_write",
            control_id="CloudTrail.1",
            region="eu-west-1",
            resource_id=f"AWS::::Account:{MEMBER}",
            account_id=MEMBER,
            account_name="member",
            resource=Resource(type="AwsAccount", id=f"AWS::::Account:{MEMBER}"),
            reason="Could not evaluate: DescribeTrails failed: AccessDenied",
            errors=(access_error(),),
            evidence={"failed_calls": [access_error().model_dump()]},
            severity=Severity.HIGH,
            requirements=(),
            standards=("standards/aws-foundational-security-best-practices/v/1.0.0",),
        ),
        make_finding(
            status=Status.ERROR,
            check_id="account_access",
            control_id=None,
            account_id=GOV,
            account_name="gov",
            region="us-gov-west-1",
            resource_id=f"AWS::::Account:{GOV}",
            resource=Resource(type="AwsAccount", id=f"AWS::::Account:{GOV}"),
            reason="Account not scanned: AssumeRole failed",
            errors=(),
            evidence={},
            requirements=(),
            standards=(),
            severity=Severity.HIGH,
            remediation="",
            remediation_url=RUNBOOK_URL,
            collected_at=NOW.replace(tzinfo=None),
        ),
        make_finding(
            status=Status.FAIL,
            check_id="kms_key_rotation",
            control_id="KMS.4",
            account_id=GOV,
            region="cn-north-1",
            resource_id="arn:aws-cn:kms:cn-north-1:333333333333:key/abcd",
            resource=Resource(
                type="AwsKmsKey", id="arn:aws-cn:kms:cn-north-1:333333333333:key/abcd"
            ),
            severity=Severity.INFORMATIONAL,
            title="   ",
            reason="   ",
            description="",
        ),
    ]


def make_meta(complete: bool = True, **overrides: Any) -> ScanMeta:
    values: dict[str, Any] = {
        "scan_id": "scan-2026-11-01",
        "tool_version": "0.1.0",
        "caller_arn": f"arn:aws:sts::{MGMT}:assumed-role/Auditor/{HOSTILE}",
        "started_at": NOW - timedelta(minutes=3, seconds=7),
        "finished_at": NOW,
        "accounts": (
            ScannedAccount(account_id=MGMT, name="management"),
            ScannedAccount(account_id=MEMBER, name="member"),
            ScannedAccount(account_id=GOV, name="gov"),
            ScannedAccount(account_id="444444444444", name="quiet"),
        ),
        "skipped_accounts": (
            SkippedAccount(
                account_id="555555555555",
                name=f"old {HOSTILE}",
                status="SUSPENDED",
                reason="Account is SUSPENDED",
            ),
        ),
        "regions": ("eu-west-1", "us-east-1"),
        "check_ids": ("cloudtrail_log_file_validation", "cloudtrail_multi_region_read_write"),
        "complete": complete,
        "partition": "aws",
    }
    values.update(overrides)
    return ScanMeta(**values)
