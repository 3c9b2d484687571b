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

    def release_clients(self, reuse: bool = False) -> None:
        pass


FIRST: Dataset[int] = Dataset("first", Scope.ACCOUNT, int)


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
