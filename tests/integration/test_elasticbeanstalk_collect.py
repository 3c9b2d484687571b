"""Elastic Beanstalk collector against moto: an empty region, an environment whose
DescribeConfigurationSettings is denied, and a denied DescribeEnvironments (moto does not
implement DescribeConfigurationSettings: the verdicts are in tests/checks)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from scanner.core.evaluate import evaluate
from scanner.core.findings import Finding
from scanner.core.frameworks import Frameworks
from scanner.core.inventory import Inventory
from scanner.core.registry import all_checks, select_checks
from tests.conftest import Faults

CHECKS = ("ElasticBeanstalk.3",)


def _findings(inv: Inventory) -> list[Finding]:
    return list(evaluate(inv, select_checks(all_checks(), list(CHECKS)), Frameworks(())))


def test_no_environment_no_finding(scan_inventory: Callable[..., Inventory]) -> None:
    assert _findings(scan_inventory(CHECKS)) == []


def test_denied_settings_are_error_on_that_environment(
    account_client: Callable[..., Any],
    scan_inventory: Callable[..., Inventory],
    faults: Faults,
) -> None:
    eb = account_client("elasticbeanstalk", "us-east-1")
    eb.create_application(ApplicationName="shop")
    eb.create_environment(ApplicationName="shop", EnvironmentName="shop-prod")
    faults.deny("DescribeConfigurationSettings")
    findings = _findings(scan_inventory(CHECKS))
    assert [(f.status.value, f.region) for f in findings] == [("ERROR", "us-east-1")]
    assert findings[0].resource.id.endswith("shop-prod")
    assert {e.iam_action for e in findings[0].errors} == {
        "elasticbeanstalk:DescribeConfigurationSettings"
    }


def test_denied_listing_is_error_never_fail(
    scan_inventory: Callable[..., Inventory], faults: Faults
) -> None:
    faults.deny("DescribeEnvironments")
    findings = _findings(scan_inventory(CHECKS))
    assert findings and {f.status.value for f in findings} == {"ERROR"}
    assert {e.iam_action for f in findings for e in f.errors} == {
        "elasticbeanstalk:DescribeEnvironments"
    }
