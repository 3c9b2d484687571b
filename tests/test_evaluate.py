"""The evaluation engine on its own: scopes, the account filter, an unreachable account, missing
data and a crashing check as ERROR findings, and how a result becomes a finding."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Iterator
from typing import Any

import pytest

from scanner.core.check import Check
from scanner.core.dataset import Dataset, Scope
from scanner.core.evaluate import ACCOUNT_ACCESS_CHECK, evaluate
from scanner.core.findings import Finding, finding_id
from scanner.core.frameworks import Frameworks
from scanner.core.model import CollectionError, Resource, Result, Severity, Status
from scanner.core.view import OrgView, View
from tests.builders import MEMBER, MGMT, NOW, InventoryBuilder

NAMES: Dataset[list[str]] = Dataset("test.names", Scope.REGION, list[str])
OWNER: Dataset[str] = Dataset("test.owner", Scope.ACCOUNT, str)


def _check(
    evaluate_fn: Callable[[View], Iterable[Result]],
    scope: Scope = Scope.REGION,
    requires: tuple[Dataset[Any], ...] = (NAMES,),
) -> Check:
    return Check(
        id="test_check",
        title="Test check",
        severity=Severity.MEDIUM,
        resource_type="AwsAccount",
        scope=scope,
        requires=requires,
        evaluate=evaluate_fn,
        control_id="Test.1",
        rationale="why",
        remediation="how",
    )


def _per_name(view: View) -> Iterator[Result]:
    for name in view.get(NAMES):
        yield Result(
            status=Status.FAIL if name.startswith("bad") else Status.PASS,
            resource=Resource(type="AwsS3Bucket", id=f"arn:aws:s3:::{name}"),
            reason=name,
        )


def _world() -> InventoryBuilder:
    b = InventoryBuilder(regions=("us-east-1", "eu-west-1"))
    b.account(MGMT).put(NAMES, ["good"], "us-east-1").put(NAMES, ["bad"], "eu-west-1")
    b.account(MGMT).put(OWNER, MGMT)
    b.account(MEMBER).put(NAMES, ["good-member"]).put(OWNER, MEMBER)
    return b


def _run(check: Check, b: InventoryBuilder, **kwargs: Any) -> list[Finding]:
    return list(evaluate(b.build(), [check], Frameworks(()), **kwargs))


def test_a_regional_check_runs_per_region_and_an_account_check_once_at_home() -> None:
    regional = _run(_check(_per_name), _world())
    assert sorted((f.account_id, f.region, f.resource.id, f.status.value) for f in regional) == [
        (MGMT, "eu-west-1", "arn:aws:s3:::bad", "FAIL"),
        (MGMT, "us-east-1", "arn:aws:s3:::good", "PASS"),
        (MEMBER, "eu-west-1", "arn:aws:s3:::good-member", "PASS"),
        (MEMBER, "us-east-1", "arn:aws:s3:::good-member", "PASS"),
    ]
    regions_seen: list[str | None] = []

    def account_level(view: View) -> Iterator[Result]:
        regions_seen.append(view.region)
        yield Result(status=Status.PASS, resource=view.account_resource(), reason="ok")

    findings = _run(_check(account_level, Scope.ACCOUNT, (OWNER,)), _world())
    assert regions_seen == [None, None]
    assert [(f.account_id, f.region) for f in findings] == [
        (MGMT, "us-east-1"),
        (MEMBER, "us-east-1"),
    ]


def test_the_account_filter_judges_some_accounts_against_all_of_them() -> None:
    def sees_the_organization(view: View) -> Iterator[Result]:
        owners = sorted(view.org.get(a, OWNER) for a in (MGMT, MEMBER))
        yield Result(status=Status.PASS, resource=view.account_resource(), reason=",".join(owners))

    findings = _run(
        _check(sees_the_organization, Scope.ACCOUNT, (OWNER,)), _world(), accounts={MEMBER}
    )
    assert [(f.account_id, f.reason) for f in findings] == [(MEMBER, f"{MGMT},{MEMBER}")]


def test_an_unreachable_account_is_one_error_finding_and_no_check_runs_there() -> None:
    b = _world()
    denied = CollectionError(
        operation="AssumeRole",
        iam_action="sts:AssumeRole",
        code="AccessDenied",
        message="no",
        region="us-east-1",
    )
    b.account(MEMBER).access_error = denied
    findings = _run(_check(_per_name), b)
    member = [f for f in findings if f.account_id == MEMBER]
    assert len(member) == 1
    (access,) = member
    assert (access.check_id, access.status, access.errors) == (
        ACCOUNT_ACCESS_CHECK,
        Status.ERROR,
        (denied,),
    )
    assert access.evidence["failed_calls"] == [denied.model_dump()]
    assert {f.account_id for f in findings} == {MGMT, MEMBER}


def test_missing_data_is_an_error_naming_the_failed_call_and_the_check_is_not_run() -> None:
    b = _world()
    b.account(MGMT).fail(NAMES, "eu-west-1", operation="ListNames", iam_action="test:ListNames")
    called: list[str | None] = []

    def spy(view: View) -> Iterator[Result]:
        called.append(view.region)
        yield from _per_name(view)

    findings = _run(_check(spy), b, accounts={MGMT})
    assert called == ["us-east-1"]
    by_region = {f.region: f for f in findings}
    error = by_region["eu-west-1"]
    assert error.status is Status.ERROR
    assert error.resource.id == f"AWS::::Account:{MGMT}"
    assert [(e.operation, e.iam_action) for e in error.errors] == [("ListNames", "test:ListNames")]
    assert by_region["us-east-1"].status is Status.PASS


def test_a_crashing_check_is_an_error_in_that_scope_only(caplog: pytest.LogCaptureFixture) -> None:
    def crashes_on_bad(view: View) -> Iterator[Result]:
        for result in _per_name(view):
            if result.status is Status.FAIL:
                raise ZeroDivisionError("boom")
            yield result

    with caplog.at_level(logging.ERROR, logger="scanner.core.evaluate"):
        findings = _run(_check(crashes_on_bad), _world())
    statuses = sorted((f.account_id, f.region, f.status.value) for f in findings)
    assert statuses == [
        (MGMT, "eu-west-1", "ERROR"),
        (MGMT, "us-east-1", "PASS"),
        (MEMBER, "eu-west-1", "PASS"),
        (MEMBER, "us-east-1", "PASS"),
    ]
    (crash,) = [f for f in findings if f.status is Status.ERROR]
    assert [(e.code, e.operation, e.region) for e in crash.errors] == [
        ("CheckError", "-", "eu-west-1")
    ]
    assert "ZeroDivisionError" in crash.errors[0].message
    assert len([r for r in caplog.records if r.levelno == logging.ERROR]) == 1


def test_a_result_becomes_a_finding_with_the_checks_metadata_and_the_accounts_context() -> None:
    elsewhere = Resource(type="AwsS3Bucket", id="arn:aws:s3:::other", region="ap-south-1")

    def results(view: View) -> Iterator[Result]:
        yield Result(
            status=Status.FAIL,
            resource=Resource(type="AwsS3Bucket", id="arn:aws:s3:::here"),
            reason="r",
            severity=Severity.CRITICAL,
            evidence={"collected_at": "kept", "k": 1},
        )
        yield Result(status=Status.PASS, resource=elsewhere, reason="r")

    findings = _run(_check(results, Scope.ACCOUNT, (OWNER,)), _world(), accounts={MGMT})
    here, other = findings
    assert (here.region, here.resource.region, here.resource.account_id) == (
        "us-east-1",
        "us-east-1",
        MGMT,
    )
    assert here.id == finding_id("test_check", MGMT, "us-east-1", "arn:aws:s3:::here")
    assert (here.severity, other.severity) == (Severity.CRITICAL, Severity.MEDIUM)
    assert here.evidence == {"collected_at": "kept", "k": 1}
    assert other.evidence == {"collected_at": NOW.isoformat()}
    assert (other.region, other.resource.region) == ("ap-south-1", "ap-south-1")
    assert (here.check_id, here.control_id, here.title, here.description, here.remediation) == (
        "test_check",
        "Test.1",
        "Test check",
        "why",
        "how",
    )
    assert (here.account_name, here.collected_at) == (f"acct-{MGMT[-4:]}", NOW)


def test_org_wide_lookups_are_built_once_and_data_read_across_accounts_stays_parsed() -> None:
    builds: list[str | None] = []
    parsed: list[object] = []

    def index(org: OrgView) -> list[str]:
        builds.append(org.management_account_id)
        return sorted(org.get(a.account_id, OWNER) for a in org.accounts())

    def reads(view: View) -> Iterator[Result]:
        owners = view.org.memo("test.owners", index)
        parsed.append(view.org.get(MGMT, NAMES, "us-east-1"))  # the same object while cached
        yield Result(status=Status.PASS, resource=view.account_resource(), reason=",".join(owners))

    findings = _run(_check(reads, Scope.ACCOUNT, (OWNER,)), _world())
    assert [f.reason for f in findings] == [f"{MGMT},{MEMBER}"] * 2
    assert len(builds) == 1
    assert parsed[0] == parsed[1] == ["good"]


def test_an_account_data_is_released_when_evaluation_moves_on_unless_read_across() -> None:
    org = OrgView(_world().build())
    org.evaluating(MGMT)
    own = org.get(MGMT, NAMES, "us-east-1")
    shared = org.get(MEMBER, OWNER)
    assert org.get(MGMT, NAMES, "us-east-1") is own
    org.evaluating(MEMBER)
    again = org.get(MGMT, NAMES, "us-east-1")
    assert again == own and again is not own  # parsed again: it was released
    assert org.get(MEMBER, OWNER) is shared  # read across accounts: kept


def test_findings_of_the_same_fields_share_one_set_and_copies_stay_independent() -> None:
    first, second = _run(_check(_per_name), _world())[:2]
    assert first.model_fields_set is second.model_fields_set
    copied = first.model_copy(update={"reason_code": "X"})
    assert "reason_code" in copied.model_fields_set
    assert copied.model_fields_set is not first.model_fields_set
    assert (
        first.model_dump(exclude_unset=True).keys() == second.model_dump(exclude_unset=True).keys()
    )
