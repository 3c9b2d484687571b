"""Trail log groups not opened to everyone by a CloudWatch Logs resource policy."""

from __future__ import annotations

import json
from typing import Any

import pytest

from checks.logs_trail_groups_not_public import CHECK
from scanner.core.datasets.logs import (
    LOG_GROUPS,
    LOG_RESOURCE_POLICIES,
    LogGroup,
    LogsResourcePolicy,
)
from tests.builders import LOGS, MGMT, InventoryBuilder, by_resource, run
from tests.checks.test_cloudtrail_lib import list_trails
from tests.checks.test_logs_retention_trail_groups import HOME, delivering, group_arn
from tests.checks.test_logs_retention_trail_groups import inventory as base_inventory


def _policy(name: str, *statements: dict[str, Any]) -> LogsResourcePolicy:
    doc = {"Version": "2012-10-17", "Statement": list(statements)}
    return LogsResourcePolicy(name=name, document=json.dumps(doc))


def _allow(resource: str | list[str], principal: Any = "*", **extra: Any) -> dict[str, Any]:
    return {
        "Effect": "Allow",
        "Principal": principal,
        "Action": ["logs:GetLogEvents", "logs:FilterLogEvents"],
        "Resource": resource,
        **extra,
    }


def inventory(*accounts: str) -> InventoryBuilder:
    b = base_inventory(*accounts)
    for acct in accounts or (MGMT,):
        b.account(acct).put(LOG_RESOURCE_POLICIES, [])
    return b


def _one_group(*policies: LogsResourcePolicy) -> dict[tuple[str, str, str], str]:
    b = inventory()
    list_trails(b.account(MGMT), delivering("a", "/ct"))
    b.account(MGMT).put(LOG_GROUPS, [LogGroup(name="/ct", arn=group_arn("/ct"))], HOME).put(
        LOG_RESOURCE_POLICIES, list(policies), HOME
    )
    return by_resource(run(CHECK, b))


GROUP = group_arn("/ct")


@pytest.mark.parametrize(
    "policy",
    [
        _policy("all", _allow("*")),
        _policy("aws-star", _allow(f"{GROUP}:*", principal={"AWS": "*"})),
        _policy("prefix", _allow(f"arn:aws:logs:{HOME}:{MGMT}:log-group:/c*")),
        _policy(
            "wildcard-condition", _allow("*", Condition={"StringLike": {"aws:SourceAccount": "*"}})
        ),
        _policy(
            "not-principal",
            {"Effect": "Allow", "NotPrincipal": {"AWS": "x"}, "Action": "logs:*", "Resource": "*"},
        ),
    ],
    ids=lambda p: p.name,
)
def test_statement_open_to_everyone_on_the_group_fails(policy: LogsResourcePolicy) -> None:
    assert _one_group(policy) == {(MGMT, HOME, GROUP): "FAIL"}


@pytest.mark.parametrize(
    "policy",
    [
        _policy("service", _allow("*", principal={"Service": "delivery.logs.amazonaws.com"})),
        _policy(
            "pinned",
            _allow("*", Condition={"StringEquals": {"aws:SourceAccount": MGMT}}),
        ),
        _policy("other-group", _allow(f"arn:aws:logs:{HOME}:{MGMT}:log-group:/app/*")),
        _policy(
            "taken-back",
            _allow("*"),
            {"Effect": "Deny", "Principal": "*", "Action": "logs:*", "Resource": "*"},
        ),
        _policy("account", _allow("*", principal={"AWS": f"arn:aws:iam::{LOGS}:root"})),
    ],
    ids=lambda p: p.name,
)
def test_group_not_reached_by_a_public_statement_passes(policy: LogsResourcePolicy) -> None:
    assert _one_group(policy) == {(MGMT, HOME, GROUP): "PASS"}


def test_no_policy_passes_and_missing_group_is_judged_by_its_arn() -> None:
    assert _one_group() == {(MGMT, HOME, GROUP): "PASS"}
    b = inventory()
    list_trails(b.account(MGMT), delivering("a", "/gone"))
    b.account(MGMT).put(LOG_RESOURCE_POLICIES, [_policy("all", _allow("*"))], HOME)
    assert by_resource(run(CHECK, b)) == {(MGMT, HOME, group_arn("/gone")): "FAIL"}


def test_malformed_policy_is_error_never_pass() -> None:
    bad = LogsResourcePolicy(name="broken", document="{not json")
    findings = _one_group(bad)
    assert set(findings.values()) == {"ERROR"}


def test_central_group_is_judged_with_the_owner_policies() -> None:
    b = inventory(MGMT, LOGS)
    org = delivering("org", "/central", MGMT, group_account=LOGS, org=True)
    list_trails(b.account(MGMT), org)
    list_trails(b.account(LOGS), org)
    central = group_arn("/central", LOGS)
    b.account(LOGS).put(LOG_GROUPS, [LogGroup(name="/central", arn=central)], HOME)
    b.account(MGMT).put(LOG_RESOURCE_POLICIES, [_policy("all", _allow("*"))], HOME)
    assert by_resource(run(CHECK, b)) == {(LOGS, HOME, central): "PASS"}
    b.account(LOGS).put(LOG_RESOURCE_POLICIES, [_policy("all", _allow("*"))], HOME)
    assert by_resource(run(CHECK, b)) == {(LOGS, HOME, central): "FAIL"}


def test_failed_describe_resource_policies_is_error() -> None:
    b = inventory()
    list_trails(b.account(MGMT), delivering("a", "/ct"))
    b.account(MGMT).fail(
        LOG_RESOURCE_POLICIES,
        region=HOME,
        operation="DescribeResourcePolicies",
        iam_action="logs:DescribeResourcePolicies",
    )
    findings = [f for f in run(CHECK, b) if f.region == HOME]
    assert findings and {f.status.value for f in findings} == {"ERROR"}
    assert findings[0].errors[0].iam_action == "logs:DescribeResourcePolicies"
