"""Tests of checks.lib.selectors / checks.lib.trails."""

from __future__ import annotations

import pytest

from checks.lib.selectors import management_events, s3_data_events
from checks.lib.trails import visible_trails
from scanner.core.datasets.cloudtrail import (
    DataResource,
    TrailSelectors,
)
from scanner.core.inventory import AccountInventory
from scanner.core.view import OrgView, View
from tests.builders import MEMBER, MGMT, InventoryBuilder
from tests.checks.trails import (
    ALL_BUCKETS,
    HOME,
    MANAGEMENT,
    ONE_BUCKET,
    OTHER,
    S3_ALL,
    advanced,
    basic,
    field,
    inventory,
    seed,
    trail,
)

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
