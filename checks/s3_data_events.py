"""S3.22 / S3.23: a logging multi-Region trail records S3 object-level write / read events.

Backed by the Config rules cloudtrail-all-write-s3-data-event-check / -read-: a multi-Region
trail must log the event type for ALL current and future buckets (basic DataResources value
`arn:<partition>:s3`, or an advanced selector on every S3 object with no narrowing field; see
checks.lib.selectors.s3_data_events). "Enabled" is read as IsLogging true (a stopped trail
records nothing; avoids a false PASS). Organization trails covering the account count.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from functools import partial

from checks.lib.selectors import s3_data_events
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

URL = "https://docs.aws.amazon.com/securityhub/latest/userguide/s3-controls.html"


def judge(view: View, trail: Trail, *, write: bool) -> Judgement:
    coverage = partial(s3_data_events, write=write, partition=view.org.inventory.partition)
    return selector_judgement(view, trail, logging_trail(view, trail), coverage)


def evaluator(write: bool) -> Callable[[View], Iterator[Result]]:
    kind = "write" if write else "read"

    def evaluate(view: View) -> Iterator[Result]:
        yield account_result(
            view,
            visible_trails(view),
            partial(judge, view, write=write),
            apis=(
                "cloudtrail:DescribeTrails",
                "cloudtrail:GetTrailStatus",
                "cloudtrail:GetEventSelectors",
            ),
            passed=f"A logging multi-Region trail records S3 object {kind} events for all buckets",
            failed=f"No logging multi-Region trail records S3 object {kind} events for all buckets",
        )

    return evaluate


def _check(write: bool) -> Check:
    kind, rw, control = ("write", "WriteOnly", "S3.22") if write else ("read", "ReadOnly", "S3.23")
    return Check(
        id=f"s3_object_{kind}_events",
        control_id=control,
        title=f"S3 general purpose buckets should log object-level {kind} events",
        severity=Severity.MEDIUM,
        resource_type="AwsAccount",
        scope=Scope.ACCOUNT,
        requires=(TRAILS, TRAIL_STATUS, TRAIL_SELECTORS),
        evaluate=evaluator(write),
        rationale=f"Object-level {kind} events show who "
        + ("changed or deleted" if write else "read")
        + " which objects; management events do not include them.",
        remediation="On a multi-Region trail, add a data event selector for all S3 buckets: "
        "aws cloudtrail put-event-selectors --trail-name <trail> --event-selectors "
        f'\'[{{"ReadWriteType":"{rw}","IncludeManagementEvents":true,'
        '"DataResources":[{"Type":"AWS::S3::Object","Values":["arn:aws:s3"]}]}]\' '
        "(or ReadWriteType All for both read and write)",
        remediation_url=f"{URL}#s3-{control.split('.')[1]}",
    )


CHECKS = (_check(write=True), _check(write=False))
