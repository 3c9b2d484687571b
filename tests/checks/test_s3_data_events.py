"""S3.22 / S3.23: a logging multi-Region trail logs S3 object write / read events, all buckets."""

from __future__ import annotations

import pytest

from checks.s3_data_events import CHECKS
from scanner.core.check import Check
from scanner.core.datasets.cloudtrail import TRAIL_SELECTORS, DataResource, TrailSelectors
from tests.builders import MEMBER, MGMT, run
from tests.checks.test_cloudtrail_lib import (
    ALL_BUCKETS,
    ONE_BUCKET,
    S3_ALL,
    account_status,
    advanced,
    basic,
    field,
    finding,
    inventory,
    seed,
    stopped,
    trail,
)

WRITE, READ = CHECKS


def test_control_ids() -> None:
    assert (WRITE.control_id, READ.control_id) == ("S3.22", "S3.23")
    assert (WRITE.id, READ.id) == ("s3_object_write_events", "s3_object_read_events")


# case -> (selectors, S3.22, S3.23)
CASES: dict[str, tuple[TrailSelectors, str, str]] = {
    "management only": (TrailSelectors(), "FAIL", "FAIL"),
    "all buckets All": (basic("All", data=(ALL_BUCKETS,)), "PASS", "PASS"),
    "all buckets WriteOnly": (basic("WriteOnly", data=(ALL_BUCKETS,)), "PASS", "FAIL"),
    "all buckets ReadOnly": (basic("ReadOnly", data=(ALL_BUCKETS,)), "FAIL", "PASS"),
    "one bucket All": (basic("All", data=(ONE_BUCKET,)), "FAIL", "FAIL"),
    "advanced all S3": (advanced(S3_ALL), "PASS", "PASS"),
    "advanced all S3 write only": (advanced((*S3_ALL, field("readOnly", "false"))), "PASS", "FAIL"),
    "advanced all S3 read only": (advanced((*S3_ALL, field("readOnly", "true"))), "FAIL", "PASS"),
    "advanced one bucket": (
        advanced((*S3_ALL, field("resources.ARN", "arn:aws:s3:::b/", op="starts_with"))),
        "FAIL",
        "FAIL",
    ),
}


@pytest.mark.parametrize("case", CASES)
def test_selectors(case: str) -> None:
    selectors, write, read = CASES[case]
    b = inventory()
    t = trail()
    seed(b.account(MGMT), t, selectors={t.arn: selectors})
    assert account_status(run(WRITE, b), MGMT) == write
    assert account_status(run(READ, b), MGMT) == read


@pytest.mark.parametrize("check", CHECKS, ids=lambda c: c.id)
def test_single_region_trail_does_not_count(check: Check) -> None:
    b = inventory()
    t = trail("local", multi=False)
    seed(b.account(MGMT), t, selectors={t.arn: basic("All", data=(ALL_BUCKETS,))})
    assert account_status(run(check, b), MGMT) == "FAIL"


@pytest.mark.parametrize("check", CHECKS, ids=lambda c: c.id)
def test_stopped_trail_does_not_count(check: Check) -> None:
    b = inventory()
    t = trail()
    seed(
        b.account(MGMT),
        t,
        status={t.arn: stopped()},
        selectors={t.arn: basic("All", data=(ALL_BUCKETS,))},
    )
    assert account_status(run(check, b), MGMT) == "FAIL"


@pytest.mark.parametrize("check", CHECKS, ids=lambda c: c.id)
def test_member_covered_by_management_org_trail(check: Check) -> None:
    b = inventory()
    org = trail("org", MGMT, org=True)
    seed(b.account(MGMT), org, selectors={org.arn: basic("All", data=(ALL_BUCKETS,))})
    seed(b.account(MEMBER))
    f = finding(run(check, b), MEMBER)
    assert f.status.value == "PASS"
    assert f.evidence["covered_by"] == {"trail": org.arn, "account": MGMT}


@pytest.mark.parametrize("check", CHECKS, ids=lambda c: c.id)
def test_failed_selectors_are_error(check: Check) -> None:
    b = inventory()
    t = trail()
    seed(b.account(MGMT), t, selectors={t.arn: basic("All", data=(ALL_BUCKETS,))})
    b.account(MGMT).fail(TRAIL_SELECTORS, operation="GetEventSelectors")
    assert account_status(run(check, b), MGMT) == "ERROR"


def test_all_buckets_value_of_the_scanned_partition() -> None:
    b = inventory()
    t = trail()
    china = DataResource(type="AWS::S3::Object", values=("arn:aws-cn:s3",))
    seed(b.account(MGMT), t, selectors={t.arn: basic("All", data=(china,))})
    inv = b.build()
    assert account_status(run(WRITE, inv), MGMT) == "FAIL"
    assert (
        account_status(run(WRITE, inv.model_copy(update={"partition": "aws-cn"})), MGMT) == "PASS"
    )
