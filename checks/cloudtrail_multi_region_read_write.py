"""CloudTrail.1: a logging multi-Region trail records all read and write management events.

Trails considered: the account's own and the organization trails that cover it (also those of
the management account that the member's DescribeTrails does not list). A trail qualifies if it
is multi-Region, IsLogging is true (a stopped trail records nothing: no false PASS) and its
selectors record all management events read+write with no excluded event sources (see
checks.lib.selectors.management_events; read and write split across two selectors does not
count, as in the CIS 3.1 audit). An organization trail whose status or selectors cannot be read
is never a PASS; when nothing else qualifies the result is ERROR.
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import partial

from checks.lib.selectors import management_events
from checks.lib.trails import (
    Judgement,
    account_result,
    logging_trail,
    selector_judgement,
    visible_trails,
)
from scanner.core.check import Check
from scanner.core.dataset import Scope
from scanner.core.datasets.cloudtrail import TRAIL_SELECTORS, TRAIL_STATUS, TRAILS, Trail
from scanner.core.model import Result, Severity
from scanner.core.view import View


def judge(view: View, trail: Trail) -> Judgement:
    return selector_judgement(view, trail, logging_trail(view, trail), management_events)


def evaluate(view: View) -> Iterator[Result]:
    yield account_result(
        view,
        visible_trails(view),
        partial(judge, view),
        apis=(
            "cloudtrail:DescribeTrails",
            "cloudtrail:GetTrailStatus",
            "cloudtrail:GetEventSelectors",
        ),
        passed="A logging multi-Region trail records all read and write management events",
        failed="No logging multi-Region trail records all read and write management events",
        reason_code="CLOUDTRAIL_MULTI_REGION_NOT_PRESENT",
    )


CHECK = Check(
    id="cloudtrail_multi_region_read_write",
    control_id="CloudTrail.1",
    title="CloudTrail should be enabled and configured with at least one multi-Region trail "
    "that includes read and write management events",
    severity=Severity.HIGH,
    resource_type="AwsAccount",
    scope=Scope.ACCOUNT,
    requires=(TRAILS, TRAIL_STATUS, TRAIL_SELECTORS),
    evaluate=evaluate,
    rationale="A multi-Region trail recording every management event, read and write, is the "
    "audit record of all API activity in the account, including Regions nobody uses.",
    remediation="Create a multi-Region trail (or an organization trail) and start logging; keep "
    "the default event selectors or set ReadWriteType All with IncludeManagementEvents true and "
    "no ExcludeManagementEventSources: aws cloudtrail put-event-selectors --trail-name <trail> "
    '--event-selectors \'[{"ReadWriteType":"All","IncludeManagementEvents":true}]\'',
    remediation_url="https://docs.aws.amazon.com/securityhub/latest/userguide/cloudtrail-controls.html#cloudtrail-1",
)
