"""CloudTrail inventories for check tests: trails as DescribeTrails lists them, selectors."""

from __future__ import annotations

from scanner.core.datasets.cloudtrail import (
    TRAIL_INSIGHTS,
    TRAIL_SELECTORS,
    TRAIL_STATUS,
    TRAILS,
    AdvancedEventSelector,
    DataResource,
    EventSelector,
    FieldSelector,
    Trail,
    TrailInsights,
    TrailSelectors,
    TrailStatus,
)
from scanner.core.findings import Finding
from tests.builders import MGMT, AccountBuilder, InventoryBuilder

HOME = "us-east-1"
OTHER = "eu-west-1"
REGIONS = (HOME, OTHER)


def trail(
    name: str = "main",
    account: str = MGMT,
    home: str = HOME,
    *,
    multi: bool = True,
    org: bool = False,
    **fields: object,
) -> Trail:
    return Trail.model_validate(
        {
            "name": name,
            "arn": f"arn:aws:cloudtrail:{home}:{account}:trail/{name}",
            "home_region": home,
            "is_multi_region": multi,
            "is_organization_trail": org,
            **fields,
        }
    )


def inventory() -> InventoryBuilder:
    return InventoryBuilder(regions=REGIONS, management_account_id=MGMT)


def list_trails(acct: AccountBuilder, *trails: Trail) -> AccountBuilder:
    """DescribeTrails as AWS answers it: multi-Region trails in every region, others at home."""
    for region in acct.regions:
        acct.put(
            TRAILS, [t for t in trails if t.is_multi_region or t.home_region == region], region
        )
    return acct


def seed(
    acct: AccountBuilder,
    *trails: Trail,
    status: dict[str, TrailStatus] | None = None,
    selectors: dict[str, TrailSelectors] | None = None,
    insights: dict[str, TrailInsights] | None = None,
) -> AccountBuilder:
    """List the trails and store their status/selectors/insights (defaults: logging, AWS
    default selectors, Insights off)."""
    list_trails(acct, *trails)
    acct.put(TRAIL_STATUS, {t.arn: TrailStatus(is_logging=True) for t in trails} | (status or {}))
    acct.put(TRAIL_SELECTORS, {t.arn: TrailSelectors() for t in trails} | (selectors or {}))
    default_insights = {t.arn: TrailInsights() for t in trails if t.is_multi_region}
    acct.put(TRAIL_INSIGHTS, default_insights | (insights or {}))
    return acct


def stopped() -> TrailStatus:
    return TrailStatus(is_logging=False, stop_logging_time="2026-10-01T00:00:00Z")


def basic(
    rw: str = "All",
    *,
    mgmt: bool = True,
    exclude: tuple[str, ...] = (),
    data: tuple[DataResource, ...] = (),
) -> TrailSelectors:
    return TrailSelectors(
        event_selectors=(
            EventSelector(
                read_write_type=rw,
                include_management_events=mgmt,
                exclude_management_event_sources=exclude,
                data_resources=data,
            ),
        )
    )


def field(name: str, *values: str, op: str = "equals") -> FieldSelector:
    return FieldSelector.model_validate({"field": name, op: values})


def advanced(*selectors: tuple[FieldSelector, ...]) -> TrailSelectors:
    return TrailSelectors(
        advanced_event_selectors=tuple(
            AdvancedEventSelector(name=f"s{i}", field_selectors=fs)
            for i, fs in enumerate(selectors)
        )
    )


MANAGEMENT = (field("eventCategory", "Management"),)
S3_ALL = (field("eventCategory", "Data"), field("resources.type", "AWS::S3::Object"))
ALL_BUCKETS = DataResource(type="AWS::S3::Object", values=("arn:aws:s3",))
ONE_BUCKET = DataResource(type="AWS::S3::Object", values=("arn:aws:s3:::logs-bucket/",))


def account_status(findings: list[Finding], account: str, region: str = HOME) -> str:
    """The status of the one account-level finding for (account, region)."""
    matches = [
        f.status.value
        for f in findings
        if f.account_id == account and f.region == region and f.resource.type == "AwsAccount"
    ]
    assert len(matches) == 1, matches
    return matches[0]


def finding(findings: list[Finding], account: str, region: str = HOME) -> Finding:
    matches = [f for f in findings if f.account_id == account and f.region == region]
    assert len(matches) == 1, matches
    return matches[0]
