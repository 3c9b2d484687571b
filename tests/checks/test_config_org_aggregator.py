"""config_org_aggregator: one finding for the Organization, PASS only for an Organization source
over every scanned region."""

from __future__ import annotations

from checks.config_org_aggregator import CHECK
from scanner.core.datasets.config_aggregators import (
    CONFIG_AGGREGATORS,
    AggregationSource,
    Aggregator,
)
from scanner.core.model import CollectionError
from tests.builders import LOGS, MEMBER, MGMT, InventoryBuilder, run

HOME, OTHER = "us-east-1", "eu-west-1"

ORG_ALL = Aggregator(name="org", organization_source=AggregationSource(all_aws_regions=True))
ORG_HOME = Aggregator(name="org-home", organization_source=AggregationSource(aws_regions=(HOME,)))
ACCOUNTS = Aggregator(
    name="accounts",
    account_sources=(AggregationSource(account_ids=(MGMT, MEMBER), all_aws_regions=True),),
)


def org(*members: str) -> InventoryBuilder:
    b = InventoryBuilder(regions=(HOME, OTHER), management_account_id=MGMT)
    for acct in (MGMT, *members):
        b.account(acct).put(CONFIG_AGGREGATORS, [])
    return b


def findings(b: InventoryBuilder) -> dict[str, str]:
    out = run(CHECK, b)
    assert len(out) == 1  # one finding for the Organization
    return {f.account_id: f.status.value for f in out}


def test_all_regions_organization_aggregator_in_a_delegated_admin_passes() -> None:
    b = org(MEMBER, LOGS)
    b.account(LOGS).put(CONFIG_AGGREGATORS, [ORG_ALL], OTHER)
    assert findings(b) == {MGMT: "PASS"}


def test_listed_regions_covering_every_scanned_region_pass() -> None:
    b = org(MEMBER)
    both = Aggregator(name="both", organization_source=AggregationSource(aws_regions=(OTHER, HOME)))
    b.account(MGMT).put(CONFIG_AGGREGATORS, [both], HOME)
    assert findings(b) == {MGMT: "PASS"}


def test_no_aggregator_fails() -> None:
    assert findings(org(MEMBER)) == {MGMT: "FAIL"}


def test_account_source_and_missing_regions_fail_with_reasons() -> None:
    b = org(MEMBER)
    b.account(MGMT).put(CONFIG_AGGREGATORS, [ACCOUNTS, ORG_HOME], HOME)
    (f,) = run(CHECK, b)
    assert f.status.value == "FAIL"
    shortfalls = {a["name"]: a["shortfall"] for a in f.evidence["aggregators"]}
    assert set(shortfalls) == {"accounts", "org-home"}
    assert OTHER in shortfalls["org-home"] and OTHER not in shortfalls["accounts"]


def test_region_of_another_account_must_be_covered() -> None:
    b = InventoryBuilder(regions=(HOME,), management_account_id=MGMT)
    b.account(MGMT).put(CONFIG_AGGREGATORS, [ORG_HOME])
    b.account(MEMBER, regions=(HOME, OTHER)).put(CONFIG_AGGREGATORS, [])
    assert findings(b) == {MGMT: "FAIL"}


def test_failed_listing_is_error_never_fail() -> None:
    b = org(MEMBER)
    b.account(MEMBER).fail(
        CONFIG_AGGREGATORS,
        region=OTHER,
        operation="DescribeConfigurationAggregators",
        iam_action="config:DescribeConfigurationAggregators",
    )
    (f,) = run(CHECK, b)
    assert f.status.value == "ERROR" and f.account_id == MGMT
    assert [e.operation for e in f.errors] == ["DescribeConfigurationAggregators"]


def test_failed_listing_does_not_hide_a_pass() -> None:
    b = org(MEMBER)
    b.account(MGMT).fail(CONFIG_AGGREGATORS, region=OTHER)
    b.account(MEMBER).put(CONFIG_AGGREGATORS, [ORG_ALL], HOME)
    assert findings(b) == {MGMT: "PASS"}


def test_inaccessible_account_is_error_never_fail() -> None:
    b = org(MEMBER)
    b.account(MEMBER).access_error = CollectionError(
        operation="AssumeRole", iam_action="sts:AssumeRole", code="AccessDenied", message="no"
    )
    statuses = {(f.check_id, f.account_id): f.status.value for f in run(CHECK, b)}
    assert statuses[(CHECK.id, MGMT)] == "ERROR"


def test_without_management_account_the_lowest_account_carries_it() -> None:
    b = InventoryBuilder(regions=(HOME,))
    b.account(MEMBER).put(CONFIG_AGGREGATORS, [ORG_ALL])
    b.account(LOGS).put(CONFIG_AGGREGATORS, [])
    assert findings(b) == {MEMBER: "PASS"}
