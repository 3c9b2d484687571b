"""The collection engine: a failure is named after the call of its own job, never an earlier one."""

from __future__ import annotations

from typing import Any, cast

from botocore.exceptions import ClientError

from scanner.aws.collector import Collector
from scanner.aws.engine import AccountTarget, CollectContext, collect
from scanner.aws.session import AccountSession
from scanner.core.dataset import Dataset, Scope
from scanner.core.inventory import record_key


class _Client:
    """A client whose one operation answers without any network."""

    def describe_trails(self) -> dict[str, Any]:
        return {"trailList": []}


class _Session:
    def client(self, service: str, region: str) -> _Client:
        return _Client()

    def release_clients(self) -> None:
        pass


FIRST: Dataset[int] = Dataset("first", Scope.ACCOUNT, int)
SECOND: Dataset[int] = Dataset("second", Scope.ACCOUNT, int, depends_on=(FIRST,))


def _calls_aws(ctx: CollectContext) -> int:
    ctx.client("cloudtrail").describe_trails()
    return 1


def _fails_before_any_call(ctx: CollectContext) -> int:
    raise ValueError("the collector broke before calling AWS")


def test_an_error_is_not_blamed_on_the_previous_jobs_call() -> None:
    # One worker: both jobs run on the same thread, the second after the first's API call.
    target = AccountTarget(
        account_id="111111111111",
        session=cast(AccountSession, _Session()),
        home_region="eu-west-1",
        regions=("eu-west-1",),
    )
    collectors = [
        Collector(FIRST, ("cloudtrail:DescribeTrails",), _calls_aws),
        Collector(SECOND, (), _fails_before_any_call),
    ]
    collect([target], collectors, "aws", max_workers=1)

    first = target.records[record_key("first", None)]
    second = target.records[record_key("second", None)]
    assert first.error is None and first.data == 1
    assert second.error is not None
    assert second.error.code == "ValueError"
    assert second.error.operation != "DescribeTrails"
    assert second.error.iam_action != "cloudtrail:DescribeTrails"


def test_an_aws_failure_names_the_call_of_its_own_job() -> None:
    def denied(ctx: CollectContext) -> int:
        ctx.client("cloudtrail").describe_trails()
        raise ClientError({"Error": {"Code": "AccessDenied", "Message": "no"}}, "GetTrailStatus")

    target = AccountTarget(
        account_id="111111111111",
        session=cast(AccountSession, _Session()),
        home_region="eu-west-1",
        regions=("eu-west-1",),
    )
    collect([target], [Collector(FIRST, (), denied)], "aws", max_workers=1)
    error = target.records[record_key("first", None)].error
    assert error is not None
    assert (error.operation, error.iam_action, error.code) == (
        "GetTrailStatus",
        "cloudtrail:GetTrailStatus",
        "AccessDenied",
    )
