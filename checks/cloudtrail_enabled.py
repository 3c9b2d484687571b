"""CloudTrail.3: in each region, at least one logging trail records the account's events.

Evaluated per region, as the backing Config rule is (a single-Region trail in us-east-1 leaves
us-east-2 NON_COMPLIANT: awslabs/aws-config-rules#391). A region is covered by a multi-Region
trail homed anywhere, or a single-Region trail homed in it; the account's own trails and the
organization trails that cover it (also those of the management account that the member's
DescribeTrails does not list) count. A stopped trail (IsLogging false) does not count: it
records nothing, and counting it would be a false PASS.
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import partial

from checks.lib.trails import Judgement, account_result, logging_trail, visible_trails
from scanner.core.check import Check
from scanner.core.dataset import Scope
from scanner.core.datasets.cloudtrail import TRAIL_STATUS, TRAILS, Trail
from scanner.core.model import Result, Severity
from scanner.core.view import View


def judge(view: View, trail: Trail) -> Judgement:
    return logging_trail(view, trail, multi_region=False)


def evaluate(view: View) -> Iterator[Result]:
    yield account_result(
        view,
        visible_trails(view, view.region),
        partial(judge, view),
        apis=("cloudtrail:DescribeTrails", "cloudtrail:GetTrailStatus"),
        passed=f"A logging trail records events in {view.region}",
        failed=f"No logging trail records events in {view.region}",
    )


CHECK = Check(
    id="cloudtrail_enabled",
    control_id="CloudTrail.3",
    title="At least one CloudTrail trail should be enabled",
    severity=Severity.HIGH,
    resource_type="AwsAccount",
    scope=Scope.REGION,
    requires=(TRAILS, TRAIL_STATUS),
    evaluate=evaluate,
    rationale="Without a logging trail, API activity in the region is kept only 90 days in "
    "event history and cannot be delivered, alarmed on or proven later.",
    remediation="Create a multi-Region trail (or an organization trail) and start logging: "
    "aws cloudtrail create-trail --name <trail> --s3-bucket-name <bucket> --is-multi-region-trail "
    "&& aws cloudtrail start-logging --name <trail>",
    remediation_url="https://docs.aws.amazon.com/securityhub/latest/userguide/cloudtrail-controls.html#cloudtrail-3",
)
