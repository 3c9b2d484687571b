"""CloudWatch Logs collector against moto: log groups (paginated) and CloudWatch.16."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from scanner.core.datasets.logs import LOG_GROUPS, LOG_RESOURCE_POLICIES, LogGroup
from scanner.core.evaluate import evaluate
from scanner.core.frameworks import Frameworks
from scanner.core.inventory import Inventory
from scanner.core.registry import all_checks, select_checks
from tests.conftest import DEFAULT_ACCOUNT, Faults
from tests.integration.helpers import make_bucket


def _groups(inv: Inventory, region: str = "us-east-1") -> dict[str, LogGroup]:
    rec = inv.accounts[0].record(LOG_GROUPS.name, region)
    assert rec is not None and rec.error is None
    return {g.name: g for g in LOG_GROUPS.load(rec.data)}


def _trail(client: Callable[..., Any], name: str, group: str) -> None:
    bucket = make_bucket(client, f"{name}-bucket-logs-test")
    client("cloudtrail").create_trail(
        Name=name,
        S3BucketName=bucket,
        CloudWatchLogsLogGroupArn=(f"arn:aws:logs:us-east-1:{DEFAULT_ACCOUNT}:log-group:{group}:*"),
        CloudWatchLogsRoleArn=f"arn:aws:iam::{DEFAULT_ACCOUNT}:role/ct",
    )


def test_log_groups_are_collected_across_pages(
    account_client: Callable[..., Any], scan_inventory: Callable[..., Inventory]
) -> None:
    logs = account_client("logs", "us-east-1")
    for i in range(55):  # more than one page of DescribeLogGroups (50)
        logs.create_log_group(logGroupName=f"/app/{i:02d}")
    logs.create_log_group(logGroupName="/kept", kmsKeyId="arn:aws:kms:us-east-1:1:key/k")
    logs.put_retention_policy(logGroupName="/kept", retentionInDays=365)
    inv = scan_inventory(("CloudWatch.16",), regions=("us-east-1",))
    groups = _groups(inv)
    assert len(groups) == 56
    kept = groups["/kept"]
    assert kept.retention_in_days == 365
    assert kept.arn == f"arn:aws:logs:us-east-1:{DEFAULT_ACCOUNT}:log-group:/kept"
    assert kept.kms_key_id == "arn:aws:kms:us-east-1:1:key/k"
    assert groups["/app/00"].retention_in_days is None


def test_trail_log_group_retention_is_evaluated(
    account_client: Callable[..., Any], scan_inventory: Callable[..., Inventory]
) -> None:
    logs = account_client("logs", "us-east-1")
    for name, days in (("/ct/year", 365), ("/ct/month", 30), ("/ct/never", None)):
        logs.create_log_group(logGroupName=name)
        if days:
            logs.put_retention_policy(logGroupName=name, retentionInDays=days)
    logs.create_log_group(logGroupName="/not-a-trail-group")
    _trail(account_client, "year", "/ct/year")
    _trail(account_client, "month", "/ct/month")
    _trail(account_client, "never", "/ct/never")
    _trail(account_client, "gone", "/ct/gone")
    inv = scan_inventory(("CloudWatch.16",))
    checks = select_checks(all_checks(), ["CloudWatch.16"])
    statuses = {
        f.resource.id.split(":log-group:")[1]: f.status.value
        for f in evaluate(inv, checks, Frameworks(()))
    }
    assert statuses == {
        "/ct/year": "PASS",
        "/ct/month": "FAIL",
        "/ct/never": "PASS",
        "/ct/gone": "FAIL",
    }


def test_denied_describe_log_groups_is_error(
    account_client: Callable[..., Any],
    scan_inventory: Callable[..., Inventory],
    faults: Faults,
) -> None:
    _trail(account_client, "denied", "/ct/denied")
    faults.deny("DescribeLogGroups")
    inv = scan_inventory(("CloudWatch.16",), regions=("us-east-1",))
    rec = inv.accounts[0].record(LOG_GROUPS.name, "us-east-1")
    assert rec is not None and rec.error is not None
    assert rec.error.iam_action == "logs:DescribeLogGroups"
    checks = select_checks(all_checks(), ["CloudWatch.16"])
    assert {f.status.value for f in evaluate(inv, checks, Frameworks(()))} == {"ERROR"}


def test_trail_log_group_kms_encryption_is_evaluated(
    account_client: Callable[..., Any], scan_inventory: Callable[..., Inventory], faults: Faults
) -> None:
    logs = account_client("logs", "us-east-1")
    key = f"arn:aws:kms:us-east-1:{DEFAULT_ACCOUNT}:key/11111111-2222-3333-4444-555555555555"
    logs.create_log_group(logGroupName="/ct/encrypted", kmsKeyId=key)
    logs.create_log_group(logGroupName="/ct/plain")
    _trail(account_client, "encrypted", "/ct/encrypted")
    _trail(account_client, "plain", "/ct/plain")
    inv = scan_inventory(("logs_trail_groups_kms",), regions=("us-east-1",))
    checks = select_checks(all_checks(), ["logs_trail_groups_kms"])
    statuses = {
        f.resource.id.split(":log-group:")[1]: f.status.value
        for f in evaluate(inv, checks, Frameworks(()))
    }
    assert statuses == {"/ct/encrypted": "PASS", "/ct/plain": "FAIL"}
    faults.deny("DescribeLogGroups")
    denied = scan_inventory(("logs_trail_groups_kms",), regions=("us-east-1",))
    assert {f.status.value for f in evaluate(denied, checks, Frameworks(()))} == {"ERROR"}


def test_trail_log_group_public_resource_policy_is_evaluated(
    account_client: Callable[..., Any], scan_inventory: Callable[..., Inventory], faults: Faults
) -> None:
    logs = account_client("logs", "us-east-1")
    for name in ("/ct/open", "/ct/closed"):
        logs.create_log_group(logGroupName=name)
    _trail(account_client, "open", "/ct/open")
    _trail(account_client, "closed", "/ct/closed")
    prefix = f"arn:aws:logs:us-east-1:{DEFAULT_ACCOUNT}:log-group"
    public = {
        "Effect": "Allow",
        "Principal": "*",
        "Action": "logs:GetLogEvents",
        "Resource": f"{prefix}:/ct/open:*",
    }
    service = {
        "Effect": "Allow",
        "Principal": {"Service": "delivery.logs.amazonaws.com"},
        "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
        "Resource": f"{prefix}:*",
    }
    for name, stmt in (("public-read", public), ("delivery", service)):
        doc = {"Version": "2012-10-17", "Statement": [stmt]}
        logs.put_resource_policy(policyName=name, policyDocument=json.dumps(doc))
    check = ("logs_trail_groups_not_public",)
    inv = scan_inventory(check, regions=("us-east-1",))
    checks = select_checks(all_checks(), list(check))
    statuses = {
        f.resource.id.split(":log-group:")[1]: f.status.value
        for f in evaluate(inv, checks, Frameworks(()))
    }
    assert statuses == {"/ct/open": "FAIL", "/ct/closed": "PASS"}
    faults.deny("DescribeResourcePolicies")
    denied = scan_inventory(check, regions=("us-east-1",))
    rec = denied.accounts[0].record(LOG_RESOURCE_POLICIES.name, "us-east-1")
    assert rec is not None and rec.error is not None
    assert rec.error.iam_action == "logs:DescribeResourcePolicies"
    assert {f.status.value for f in evaluate(denied, checks, Frameworks(()))} == {"ERROR"}
