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
    """Every IAM action a scan of `checks` needs (resource-scoped ones included)."""
    actions = set(DISCOVERY_ACTIONS)
    for collector in required_collectors(checks, all_collectors()):
        actions.update(collector.iam_actions)
    return sorted(actions)


def _scoped(checks: Sequence[Check]) -> dict[tuple[str, ...], set[str]]:
    """Resource list -> the actions allowed only on those resources (Collector.iam_resources)."""
    out: dict[tuple[str, ...], set[str]] = {}
    for collector in required_collectors(checks, all_collectors()):
        if collector.iam_resources:
            out.setdefault(tuple(sorted(collector.iam_resources)), set()).update(
                collector.iam_actions
            )
    return out


def scan_policy(checks: Sequence[Check]) -> dict[str, Any]:
    scoped = _scoped(checks)
    only_scoped = {a for actions in scoped.values() for a in actions}
    statements: list[dict[str, Any]] = [
        {
            "Sid": "TrailwatchReadOnlyScan",
            "Effect": "Allow",
            "Action": [a for a in scan_actions(checks) if a not in only_scoped],
            "Resource": "*",
        }
    ]
    for n, (resources, actions) in enumerate(sorted(scoped.items()), start=1):
        statements.append(
            {
                "Sid": f"TrailwatchReadOnlyScanScoped{n}",
                "Effect": "Allow",
                "Action": sorted(actions),
                "Resource": list(resources),
            }
        )
    return {"Version": "2012-10-17", "Statement": statements}


def policy_actions(policy: dict[str, Any]) -> set[str]:
    """Every action a policy document allows, across its statements."""
    return {a for s in policy["Statement"] for a in s["Action"]}
