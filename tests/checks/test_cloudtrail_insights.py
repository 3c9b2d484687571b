"""cloudtrail_insights: Insights on a logging multi-Region trail covering the account."""

from __future__ import annotations

from checks.cloudtrail_insights import CHECK
from scanner.core.datasets.cloudtrail import TRAIL_INSIGHTS, TrailInsights
from tests.builders import MEMBER, MGMT, run
from tests.checks.test_cloudtrail_lib import (
    account_status,
    finding,
    inventory,
    seed,
    stopped,
    trail,
)

BOTH = TrailInsights(insight_types=("ApiCallRateInsight", "ApiErrorRateInsight"))


def test_insights_on_a_logging_multi_region_trail_passes_with_types_in_evidence() -> None:
    b = inventory()
    t = trail()
    seed(b.account(MGMT), t, insights={t.arn: BOTH})
    f = finding(run(CHECK, b), MGMT)
    assert f.status.value == "PASS"
    assert f.evidence["trails"][0]["InsightTypes"] == ["ApiCallRateInsight", "ApiErrorRateInsight"]


def test_no_insights_fails() -> None:
    b = inventory()
    seed(b.account(MGMT), trail())
    assert account_status(run(CHECK, b), MGMT) == "FAIL"


def test_only_single_region_trails_fails() -> None:
    b = inventory()
    seed(b.account(MGMT), trail("local", multi=False))
    f = finding(run(CHECK, b), MGMT)
    assert f.status.value == "FAIL"
    assert not any(t["IsMultiRegionTrail"] for t in f.evidence["trails"])


def test_stopped_trail_with_insights_fails() -> None:
    b = inventory()
    t = trail()
    seed(b.account(MGMT), t, status={t.arn: stopped()}, insights={t.arn: BOTH})
    assert account_status(run(CHECK, b), MGMT) == "FAIL"


def test_member_covered_by_management_org_trail_with_insights() -> None:
    b = inventory()
    org = trail("org", MGMT, org=True)
    seed(
        b.account(MGMT),
        org,
        insights={org.arn: TrailInsights(insight_types=("ApiCallRateInsight",))},
    )
    seed(b.account(MEMBER))
    f = finding(run(CHECK, b), MEMBER)
    assert f.status.value == "PASS"
    assert f.evidence["covered_by"]["account"] == MGMT


def test_member_errors_when_org_trail_insights_are_unavailable() -> None:
    b = inventory()
    seed(b.account(MGMT), trail("org", MGMT, org=True))
    b.account(MGMT).fail(TRAIL_INSIGHTS, operation="GetInsightSelectors")
    seed(b.account(MEMBER))
    assert account_status(run(CHECK, b), MEMBER) == "ERROR"


def test_failed_insights_dataset_is_error() -> None:
    b = inventory()
    t = trail()
    seed(b.account(MGMT), t, insights={t.arn: BOTH})
    b.account(MGMT).fail(TRAIL_INSIGHTS, operation="GetInsightSelectors")
    assert account_status(run(CHECK, b), MGMT) == "ERROR"
