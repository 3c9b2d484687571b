"""The log groups CloudTrail delivers to are not open to everyone through a resource policy.

Our own check (no Security Hub control; Prowler's cloudwatch_log_group_not_publicly_accessible
asks the same). CloudWatch Logs resource policies (DescribeResourcePolicies, account-level, per
region) grant access to log groups by ARN pattern; a statement is public by the same rules as an
S3 bucket policy (checks.lib.policy): an Allow to everyone (Principal "*", {"AWS": "*"} or
NotPrincipal) that no fixed-value condition on a restricting key (aws:SourceAccount,
aws:SourceArn, aws:PrincipalOrgID, ...) pins down, for any logs action, less what a Deny to
everyone takes back. It fails when such a statement's Resource reaches the trail's log group or
its streams: anyone could read the account's API activity, or write forged events into it. Same
scope as CloudWatch.16: the groups the trails name, in the account and region that own them (a
group that does not exist is still judged by its ARN: a policy would open it once created).
A policy that cannot be parsed makes the group ERROR, never PASS. Log-group-level resource
policies (policyScope RESOURCE) are not collected.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from checks.lib.policy import (
    Policy,
    PolicyError,
    Statement,
    glob_overlaps,
    parse_policy,
    public_grants,
)
from checks.lib.trail_log_groups import each_trail_group
from scanner.core.check import Check
from scanner.core.dataset import Scope
from scanner.core.datasets.cloudtrail import TRAILS, Trail
from scanner.core.datasets.logs import LOG_GROUPS, LOG_RESOURCE_POLICIES, LogGroup
from scanner.core.model import CollectionError, DataUnavailable, Result, Severity, Status
from scanner.core.view import View

LOGS_ACTIONS = ("logs:*",)


def _reaches(stmt: Statement, group_arn: str) -> bool:
    """The statement's resources include the group or one of its streams."""
    targets = (group_arn, group_arn + ":*", group_arn + ":log-stream:*")
    if stmt.resources is not None:
        return any(glob_overlaps(p, t, fold=False) for p in stmt.resources for t in targets)
    excluded = stmt.not_resources or ()
    return not all(any(glob_overlaps(p, t, fold=False) for p in excluded) for t in targets)


def _malformed(name: str, exc: PolicyError, region: str | None) -> CollectionError:
    return CollectionError(
        operation="DescribeResourcePolicies",
        iam_action="logs:DescribeResourcePolicies",
        code="MalformedPolicy",
        message=f"resource policy {name} could not be analysed: {exc}",
        region=region,
    )


def evaluate(view: View) -> Iterator[Result]:
    """One result per trail log group owned by this account in this region."""
    policies: list[tuple[str, Policy]] = []
    malformed: list[CollectionError] = []
    for item in view.get(LOG_RESOURCE_POLICIES):
        try:
            policies.append((item.name, parse_policy(item.document)))
        except PolicyError as exc:
            malformed.append(_malformed(item.name, exc, view.region))
    if malformed:
        # an unreadable policy could be the public one: no group here gets a verdict
        raise DataUnavailable(tuple(malformed))
    partition = view.org.inventory.partition

    def judge(
        group: LogGroup | None, name: str, trails: list[Trail], evidence: dict[str, Any]
    ) -> tuple[Status, str]:
        arn = (
            group.arn
            if group
            else (f"arn:{partition}:logs:{view.region}:{view.account_id}:log-group:{name}")
        )
        evidence["api"] = [*evidence.get("api", []), "logs:DescribeResourcePolicies"]
        evidence["exists"] = group is not None
        evidence["resourcePolicies"] = [n for n, _ in policies]
        public = [
            (policy_name, grant.statement)
            for policy_name, policy in policies
            for grant in public_grants(policy, LOGS_ACTIONS)
            if _reaches(grant.statement, arn)
        ]
        evidence["publicStatements"] = [
            {"policyName": p, **stmt.describe()} for p, stmt in public[:20]
        ]
        if public:
            listed = ", ".join(f"{p} {stmt.label}" for p, stmt in public[:5])
            return Status.FAIL, f"Resource policies open log group {name} to everyone: {listed}."
        return Status.PASS, f"No resource policy opens log group {name} to everyone."

    return each_trail_group(view, judge)


CHECK = Check(
    id="logs_trail_groups_not_public",
    title="CloudWatch Logs groups that receive CloudTrail events should not be publicly accessible",
    severity=Severity.HIGH,
    resource_type="AwsLogsLogGroup",
    scope=Scope.REGION,
    requires=(TRAILS, LOG_GROUPS, LOG_RESOURCE_POLICIES),
    evaluate=evaluate,
    rationale="A CloudWatch Logs resource policy that allows everyone on the trail's log group "
    "lets anyone read the account's API activity or write forged events among it.",
    remediation="aws logs describe-resource-policies; remove or narrow the public statement "
    "(a named principal, or a condition on aws:SourceAccount / aws:SourceArn) with aws logs "
    "put-resource-policy, or delete it with aws logs delete-resource-policy --policy-name <name>",
    remediation_url="https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_PutResourcePolicy.html",
)
