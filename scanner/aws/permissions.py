"""The least-privilege IAM policy a scan needs, generated from the collectors' declarations."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from scanner.aws.registry import all_collectors, required_collectors
from scanner.core.check import Check

# Calls the engine itself makes, outside any collector.
DISCOVERY_ACTIONS = (
    "ec2:DescribeRegions",
    "organizations:DescribeOrganization",
    "organizations:DescribeOrganizationalUnit",
    "organizations:ListAccounts",
    "organizations:ListParents",
    "organizations:ListTagsForResource",
)


def scan_actions(checks: Sequence[Check]) -> list[str]:
    actions = set(DISCOVERY_ACTIONS)
    for collector in required_collectors(checks, all_collectors()):
        actions.update(collector.iam_actions)
    return sorted(actions)


def scan_policy(checks: Sequence[Check]) -> dict[str, Any]:
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "TrailwatchReadOnlyScan",
                "Effect": "Allow",
                "Action": scan_actions(checks),
                "Resource": "*",
            }
        ],
    }
