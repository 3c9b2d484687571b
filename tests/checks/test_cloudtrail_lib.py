"""Tests of checks.lib.selectors / checks.lib.trails, and the CloudTrail inventory factories.

The factories (no `test_` prefix) are imported by the other CloudTrail check tests.
"""

from __future__ import annotations

import pytest

from checks.lib.selectors import management_events, s3_data_events
from checks.lib.trails import visible_trails
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
from scanner.core.inventory import AccountInventory
from scanner.core.view import OrgView, View
from tests.builders import MEMBER, MGMT, AccountBuilder, InventoryBuilder

HOME = "us-east-1"
OTHER = "eu-west-1"
REGIONS = (HOME, OTHER)


# --- factories ----------------------------------------------------------------------------------


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


# --- management events --------------------------------------------------------------------------

MGMT_CASES = {
    "no selectors (AWS default)": (TrailSelectors(), True),
    "basic All": (basic("All"), True),
    "basic All with S3 data too": (basic("All", data=(ALL_BUCKETS,)), True),
    "basic ReadOnly": (basic("ReadOnly"), False),
    "basic WriteOnly": (basic("WriteOnly"), False),
    "IncludeManagementEvents false": (basic("All", mgmt=False, data=(ALL_BUCKETS,)), False),
    "excludes kms.amazonaws.com": (basic("All", exclude=("kms.amazonaws.com",)), False),
    "read and write split over two selectors": (
        TrailSelectors(
            event_selectors=basic("ReadOnly").event_selectors + basic("WriteOnly").event_selectors
        ),
        False,
    ),
    "a second selector excludes a source": (
        TrailSelectors(
            event_selectors=basic("All").event_selectors
            + basic("All", exclude=("rdsdata.amazonaws.com",)).event_selectors
        ),
        False,
    ),
    "advanced Management": (advanced(MANAGEMENT), True),
    "advanced Management + readOnly true": (
        advanced((*MANAGEMENT, field("readOnly", "true"))),
        False,
    ),
    "advanced Management + readOnly false": (
        advanced((*MANAGEMENT, field("readOnly", "false"))),
        False,
    ),
    "advanced Management read and write in two selectors": (
        advanced(
            (*MANAGEMENT, field("readOnly", "true")), (*MANAGEMENT, field("readOnly", "false"))
        ),
        False,
    ),
    "advanced Management excluding kms": (
        advanced((*MANAGEMENT, field("eventSource", "kms.amazonaws.com", op="not_equals"))),
        False,
    ),
    "advanced Management for one source": (
        advanced((*MANAGEMENT, field("eventSource", "iam.amazonaws.com"))),
        False,
    ),
    "advanced data only": (advanced(S3_ALL), False),
    "advanced data + full management": (advanced(S3_ALL, MANAGEMENT), True),
}


@pytest.mark.parametrize("case", MGMT_CASES)
def test_management_events(case: str) -> None:
    selectors, expected = MGMT_CASES[case]
    assert management_events(selectors).ok is expected


# --- S3 data events ---------------------------------------------------------------------------

# case -> (selectors, write covered, read covered)
S3_CASES = {
    "no selectors": (TrailSelectors(), False, False),
    "management only": (basic("All"), False, False),
    "all buckets All": (basic("All", data=(ALL_BUCKETS,)), True, True),
    "all buckets All, no management events": (
        basic("All", mgmt=False, data=(ALL_BUCKETS,)),
        True,
        True,
    ),
    "all buckets arn:aws:s3::: form": (
        basic("All", data=(DataResource(type="AWS::S3::Object", values=("arn:aws:s3:::",)),)),
        True,
        True,
    ),
    "all buckets WriteOnly": (basic("WriteOnly", data=(ALL_BUCKETS,)), True, False),
    "all buckets ReadOnly": (basic("ReadOnly", data=(ALL_BUCKETS,)), False, True),
    "one bucket All": (basic("All", data=(ONE_BUCKET,)), False, False),
    "Lambda data events": (
        basic(
            "All", data=(DataResource(type="AWS::Lambda::Function", values=("arn:aws:lambda",)),)
        ),
        False,
        False,
    ),
    "advanced all S3": (advanced(S3_ALL), True, True),
    "advanced all S3 write": (advanced((*S3_ALL, field("readOnly", "false"))), True, False),
    "advanced all S3 read": (advanced((*S3_ALL, field("readOnly", "true"))), False, True),
    "advanced one bucket": (
        advanced((*S3_ALL, field("resources.ARN", "arn:aws:s3:::logs-bucket/", op="starts_with"))),
        False,
        False,
    ),
    "advanced some event names": (
        advanced((*S3_ALL, field("eventName", "PutObject", "DeleteObject"))),
        False,
        False,
    ),
    "advanced management only": (advanced(MANAGEMENT), False, False),
    "advanced DynamoDB": (
        advanced((field("eventCategory", "Data"), field("resources.type", "AWS::DynamoDB::Table"))),
        False,
        False,
    ),
}


@pytest.mark.parametrize("case", S3_CASES)
def test_s3_data_events(case: str) -> None:
    selectors, write, read = S3_CASES[case]
    assert s3_data_events(selectors, write=True).ok is write
    assert s3_data_events(selectors, write=False).ok is read


def test_s3_all_buckets_value_follows_the_partition() -> None:
    china = DataResource(type="AWS::S3::Object", values=("arn:aws-cn:s3",))
    assert s3_data_events(basic("All", data=(china,)), write=True, partition="aws-cn").ok
    assert not s3_data_events(basic("All", data=(china,)), write=True, partition="aws").ok


# --- visible trails ---------------------------------------------------------------------------


def _view(builder: InventoryBuilder, account: str, region: str | None = None) -> View:
    inv = builder.build()
    acct = inv.account(account)
    assert isinstance(acct, AccountInventory)
    return View(acct, region, OrgView(inv))


def test_visible_trails_dedupes_shadow_copies_and_adds_management_org_trails() -> None:
    b = inventory()
    own = trail("own", MEMBER)
    org = trail("org", MGMT, org=True)
    not_org = trail("private", MGMT)
    seed(b.account(MGMT), org, not_org)
    seed(b.account(MEMBER), own)
    arns = [v.trail.arn for v in visible_trails(_view(b, MEMBER)).trails]
    assert arns == sorted([own.arn, org.arn])


def test_visible_trails_for_a_region_leave_out_single_region_trails_homed_elsewhere() -> None:
    b = inventory()
    here = trail("here", MEMBER, OTHER, multi=False)
    elsewhere = trail("elsewhere", MEMBER, HOME, multi=False)
    seed(b.account(MEMBER), here, elsewhere)
    view = _view(b, MEMBER, OTHER)
    assert [v.trail.arn for v in visible_trails(view, OTHER).trails] == [here.arn]


def test_visible_trails_ignore_another_accounts_trail_that_is_not_an_org_trail() -> None:
    b = inventory()
    stray = trail("stray", MGMT)
    seed(b.account(MEMBER), stray)
    assert visible_trails(_view(b, MEMBER)).trails == ()
