"""AWS Config aggregators collector against moto: Organization and account sources, denied."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from scanner.core.datasets.config_aggregators import CONFIG_AGGREGATORS
from scanner.core.evaluate import evaluate
from scanner.core.findings import Finding
from scanner.core.frameworks import Frameworks
from scanner.core.inventory import Inventory
from scanner.core.registry import all_checks, select_checks
from tests.conftest import DEFAULT_ACCOUNT, Faults

CHECKS = ("config_org_aggregator",)
ROLE = f"arn:aws:iam::{DEFAULT_ACCOUNT}:role/aggregator"


def _findings(inv: Inventory) -> list[Finding]:
    return list(evaluate(inv, select_checks(all_checks(), list(CHECKS)), Frameworks(())))


def test_organization_source_in_one_region_reads_and_passes(
    account_client: Callable[..., Any], scan_inventory: Callable[..., Inventory]
) -> None:
    account_client("config", "eu-west-1").put_configuration_aggregator(
        ConfigurationAggregatorName="org",
        OrganizationAggregationSource={"RoleArn": ROLE, "AllAwsRegions": True},
    )
    account_client("config", "us-east-1").put_configuration_aggregator(
        ConfigurationAggregatorName="accounts",
        AccountAggregationSources=[{"AccountIds": [DEFAULT_ACCOUNT], "AwsRegions": ["us-east-1"]}],
    )
    inv = scan_inventory(CHECKS)
    acct = inv.account(DEFAULT_ACCOUNT)
    assert acct is not None
    eu = acct.record(CONFIG_AGGREGATORS.name, "eu-west-1")
    us = acct.record(CONFIG_AGGREGATORS.name, "us-east-1")
    assert eu is not None and eu.error is None and us is not None and us.error is None
    (org,) = CONFIG_AGGREGATORS.load(eu.data)
    assert org.organization_source is not None and org.organization_source.all_aws_regions
    (accounts,) = CONFIG_AGGREGATORS.load(us.data)
    assert accounts.organization_source is None
    assert accounts.account_sources[0].account_ids == (DEFAULT_ACCOUNT,)
    assert [f.status.value for f in _findings(inv)] == ["PASS"]


def test_account_source_only_fails(
    account_client: Callable[..., Any], scan_inventory: Callable[..., Inventory]
) -> None:
    account_client("config", "us-east-1").put_configuration_aggregator(
        ConfigurationAggregatorName="accounts",
        AccountAggregationSources=[{"AccountIds": [DEFAULT_ACCOUNT], "AllAwsRegions": True}],
    )
    assert [f.status.value for f in _findings(scan_inventory(CHECKS))] == ["FAIL"]


def test_access_denied_is_error_never_fail(
    scan_inventory: Callable[..., Inventory], faults: Faults
) -> None:
    faults.deny("DescribeConfigurationAggregators")
    (finding,) = _findings(scan_inventory(CHECKS))
    assert finding.status.value == "ERROR"
    assert {e.iam_action for e in finding.errors} == {"config:DescribeConfigurationAggregators"}
