"""The collection engine on its own: dependency levels, one record per (dataset, region), errors
as records, dependencies through the context, and a failed call named by its own job."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import botocore.session
import pytest
from botocore.exceptions import ClientError, EndpointConnectionError, ReadTimeoutError

from scanner.aws.calls import UNKNOWN, current_call, note_call
from scanner.aws.collector import Collector, Missing
from scanner.aws.engine import (
    AccountTarget,
    CollectContext,
    collect,
    error_from_exception,
    plan_levels,
)
from scanner.aws.session import AccountSession, CallLog, ClientSettings, MutatingCallBlocked
from scanner.core.dataset import Dataset, Scope
from scanner.core.inventory import record_key
from scanner.core.model import CollectionError, DataUnavailable

ACCOUNT = "111122223333"
REGIONS = ("us-east-1", "eu-west-1")

ROOT: Dataset[list[str]] = Dataset("test.root", Scope.ACCOUNT, list[str])
PER_REGION: Dataset[list[str]] = Dataset("test.per_region", Scope.REGION, list[str])
CHILD: Dataset[list[str]] = Dataset("test.child", Scope.REGION, list[str], depends_on=(ROOT,))
GRANDCHILD: Dataset[int] = Dataset("test.grandchild", Scope.ACCOUNT, int, depends_on=(CHILD,))


def _collector(ds: Dataset[Any], fetch: Callable[[CollectContext], Any]) -> Collector:
    return Collector(ds, ("test:Get",), fetch)


def _target(endpoint: str = "http://127.0.0.1:9") -> AccountTarget:
    settings = ClientSettings(endpoint_url=endpoint, max_attempts=1)
    session = AccountSession(ACCOUNT, botocore.session.Session(), settings, CallLog())
    return AccountTarget(ACCOUNT, session, REGIONS[0], REGIONS)


def _client_error(operation: str, code: str, message: str = "no") -> ClientError:
    return ClientError({"Error": {"Code": code, "Message": message}}, operation)


# --------------------------------------------------------------------------- plan_levels


def test_levels_put_each_collector_after_its_dependencies_sorted_by_name() -> None:
    noop = _collector(ROOT, lambda _ctx: [])
    grandchild = _collector(GRANDCHILD, lambda _ctx: 0)
    child = _collector(CHILD, lambda _ctx: [])
    per_region = _collector(PER_REGION, lambda _ctx: [])
    levels = plan_levels([grandchild, noop, child, per_region])
    assert [[c.dataset.name for c in level] for level in levels] == [
        ["test.per_region", "test.root"],
        ["test.child"],
        ["test.grandchild"],
    ]


def test_a_missing_dependency_or_a_cycle_is_refused() -> None:
    with pytest.raises(RuntimeError, match=r"test\.child"):
        plan_levels([_collector(CHILD, lambda _ctx: [])])  # ROOT has no collector
    a: Dataset[int] = Dataset("test.a", Scope.ACCOUNT, int)
    b: Dataset[int] = Dataset("test.b", Scope.ACCOUNT, int, depends_on=(a,))
    cyclic_a: Dataset[int] = Dataset("test.a", Scope.ACCOUNT, int, depends_on=(b,))
    with pytest.raises(RuntimeError):
        plan_levels([_collector(cyclic_a, lambda _ctx: 0), _collector(b, lambda _ctx: 0)])


# --------------------------------------------------------------------------- collect


def test_every_dataset_is_recorded_once_per_region_or_once_per_account() -> None:
    seen: list[tuple[str, str, str]] = []
    lock = threading.Lock()

    def fetch_region(ctx: CollectContext) -> list[str]:
        with lock:
            seen.append((ctx.account_id, ctx.region, ctx.partition))
        return [ctx.region]

    target = _target()
    collect(
        [target],
        [_collector(PER_REGION, fetch_region), _collector(ROOT, lambda ctx: [ctx.region])],
        partition="aws-cn",
        max_workers=4,
    )
    assert sorted(target.records) == sorted(
        [record_key(PER_REGION.name, r) for r in REGIONS] + [record_key(ROOT.name, None)]
    )
    for region in REGIONS:
        record = target.records[record_key(PER_REGION.name, region)]
        assert (record.region, record.error, PER_REGION.load(record.data)) == (
            region,
            None,
            [region],
        )
    # an account-level dataset is collected once, in the home region
    account_record = target.records[record_key(ROOT.name, None)]
    assert account_record.region is None and ROOT.load(account_record.data) == [REGIONS[0]]
    assert sorted(seen) == sorted((ACCOUNT, r, "aws-cn") for r in REGIONS)


def test_dependents_read_their_dependencies_and_a_failure_flows_down_as_missing() -> None:
    def child(ctx: CollectContext) -> list[str]:
        return [*ctx.account(ROOT), ctx.region]

    def grandchild(ctx: CollectContext) -> int:
        return sum(len(v) for v in ctx.regional(CHILD).values())

    collectors = [
        _collector(ROOT, lambda _ctx: ["root"]),
        _collector(CHILD, child),
        _collector(GRANDCHILD, grandchild),
    ]
    good = _target()
    collect([good], collectors, "aws", max_workers=2)
    assert CHILD.load(good.records[record_key(CHILD.name, "eu-west-1")].data) == [
        "root",
        "eu-west-1",
    ]
    assert GRANDCHILD.load(good.records[record_key(GRANDCHILD.name, None)].data) == 4

    def denied(_ctx: CollectContext) -> list[str]:
        raise _client_error("ListRoots", "AccessDenied")

    bad = _target()
    collect([bad], [_collector(ROOT, denied), *collectors[1:]], "aws", max_workers=2)
    root_error = bad.records[record_key(ROOT.name, None)].error
    assert root_error is not None and (root_error.operation, root_error.code) == (
        "ListRoots",
        "AccessDenied",
    )
    for region in REGIONS:
        error = bad.records[record_key(CHILD.name, region)].error
        assert error is not None
        assert (error.code, error.operation, error.region) == ("DependencyUnavailable", "-", region)
    # the grandchild reads an empty per-region view of its failed dependency: no data, no error
    assert GRANDCHILD.load(bad.records[record_key(GRANDCHILD.name, None)].data) == 0


def test_a_failing_collector_is_a_record_and_the_others_still_run() -> None:
    def broken(ctx: CollectContext) -> list[str]:
        if ctx.region == "eu-west-1":
            raise ValueError("unexpected shape")
        return ["ok"]

    target = _target()
    collect(
        [target],
        [_collector(PER_REGION, broken), _collector(ROOT, lambda _ctx: ["root"])],
        "aws",
        max_workers=2,
    )
    failed = target.records[record_key(PER_REGION.name, "eu-west-1")]
    assert failed.data is None and failed.error is not None
    assert (failed.error.code, failed.error.region) == ("ValueError", "eu-west-1")
    assert target.records[record_key(PER_REGION.name, "us-east-1")].error is None
    assert target.records[record_key(ROOT.name, None)].error is None


def test_a_collector_failing_before_any_call_is_not_blamed_on_the_previous_job(
    moto_endpoint: str,
) -> None:
    """One worker runs both jobs in turn: the first makes a call, the second fails on its own."""
    first: Dataset[str] = Dataset("test.first", Scope.ACCOUNT, str)
    second: Dataset[str] = Dataset("test.second", Scope.ACCOUNT, str)

    def calls_sts(ctx: CollectContext) -> str:
        return str(ctx.client("sts").get_caller_identity()["Account"])

    def fails_without_a_call(_ctx: CollectContext) -> str:
        raise ValueError("bad configuration")

    target = _target(moto_endpoint)
    collect(
        [target],
        [_collector(first, calls_sts), _collector(second, fails_without_a_call)],
        "aws",
        max_workers=1,
    )
    assert target.records[record_key(first.name, None)].error is None
    error = target.records[record_key(second.name, None)].error
    assert error is not None and error.code == "ValueError"
    assert (error.operation, error.iam_action) == (UNKNOWN[1], ":".join(UNKNOWN))


# --------------------------------------------------------------------------- the context


def test_the_context_notes_each_call_by_its_api_name(moto_endpoint: str) -> None:
    ctx = CollectContext(_target(moto_endpoint), "us-east-1", "aws")
    ctx.client("sts").get_caller_identity()
    assert current_call() == ("sts", "GetCallerIdentity")
    vpcs = ctx.paginate("ec2", "describe_vpcs", "Vpcs")
    assert [vpc["IsDefault"] for vpc in vpcs] == [True]  # the emulator's default VPC
    assert current_call() == ("ec2", "DescribeVpcs")


def test_the_context_reads_only_dependencies_that_were_collected() -> None:
    target = _target()
    collect([target], [_collector(ROOT, lambda _ctx: ["r"])], "aws", 1)
    ctx = CollectContext(target, "us-east-1", "aws")
    assert ctx.account(ROOT) == ["r"]
    with pytest.raises(Missing):
        ctx.account(GRANDCHILD)
    assert ctx.regional(CHILD) == {}


# --------------------------------------------------------------------------- error_from_exception


def test_a_client_error_names_its_operation_code_and_iam_action() -> None:
    note_call("cloudtrail", "DescribeTrails")
    error = error_from_exception(
        _client_error("GetTrailStatus", "AccessDenied", "x" * 900), "eu-west-1"
    )
    assert (error.operation, error.code, error.region) == (
        "GetTrailStatus",
        "AccessDenied",
        "eu-west-1",
    )
    assert error.iam_action == "cloudtrail:GetTrailStatus"
    assert len(error.message) == 500


@pytest.mark.parametrize(
    ("exc", "code"),
    [
        (ReadTimeoutError(endpoint_url="http://x"), "Timeout"),
        (EndpointConnectionError(endpoint_url="http://x"), "ConnectionError"),
        (MutatingCallBlocked("s3:PutObject is not a read"), "BlockedWrite"),
        (KeyError("Trails"), "KeyError"),
    ],
)
def test_other_failures_are_named_by_the_call_this_thread_made(
    exc: BaseException, code: str
) -> None:
    note_call("kms", "ListKeys")
    error = error_from_exception(exc, None)
    assert (error.operation, error.iam_action, error.code, error.region) == (
        "ListKeys",
        "kms:ListKeys",
        code,
        None,
    )


def test_a_missing_dependency_names_no_call_and_a_failed_field_keeps_its_own_error() -> None:
    note_call("kms", "ListKeys")
    missing = error_from_exception(Missing("test.root"), "us-east-1")
    assert (missing.operation, missing.iam_action, missing.code) == (
        "-",
        "-",
        "DependencyUnavailable",
    )
    original = CollectionError(
        operation="GetKeyRotationStatus",
        iam_action="kms:GetKeyRotationStatus",
        code="AccessDenied",
        message="denied",
        region="us-east-1",
    )
    assert error_from_exception(DataUnavailable((original,)), "eu-west-1") == original


def test_before_any_call_a_thread_names_no_call() -> None:
    result: list[tuple[str, str]] = []
    thread = threading.Thread(target=lambda: result.append(current_call()))
    thread.start()
    thread.join()
    assert result == [UNKNOWN]
