"""CIS v5.0.0 4.15: a metric filter, alarm and subscribed topic for AWS Organizations changes."""

from __future__ import annotations

from checks.cloudwatch_alarm_organizations import CHECK, CIS_PATTERN, CONTROL
from scanner.core.datasets.metric_filters import METRIC_FILTERS
from tests.builders import MGMT, run
from tests.checks.test_cloudtrail_lib import HOME, inventory, seed
from tests.checks.test_cloudwatch_alarms import (
    ROOT_PATTERN,
    alerting,
    complete,
    logging_trail,
    metric_filter,
    one,
)

ORGS = "{($.eventSource = organizations.amazonaws.com) && ($.eventName = CreateAccount)}"


def test_cis_pattern_passes() -> None:
    b = inventory()
    complete(b, filters=[metric_filter(CIS_PATTERN)])
    f = one(CHECK, b)
    assert f.status.value == "PASS"
    assert f.control_id is None and f.resource.type == "AwsAccount"


def test_reformatted_cis_pattern_passes() -> None:
    compact = CIS_PATTERN.replace(" ", "").replace('"', "")
    b = inventory()
    complete(b, filters=[metric_filter(compact)])
    assert one(CHECK, b).status.value == "PASS"


def test_event_source_wildcard_filter_passes() -> None:
    b = inventory()
    complete(b, filters=[metric_filter("{ $.eventSource = organizations.amazonaws.com }")])
    assert one(CHECK, b).status.value == "PASS"


def test_narrower_or_unrelated_filter_fails() -> None:
    for pattern in (ORGS, ROOT_PATTERN, "{ $.eventName = CreatePolicy }"):
        b = inventory()
        complete(b, filters=[metric_filter(pattern)])
        f = one(CHECK, b)
        assert f.status.value == "FAIL", pattern
        assert f.reason_code == "CLOUDTRAIL_METRIC_FILTER_NOT_VALID", pattern


def test_no_multi_region_trail_fails() -> None:
    b = inventory()
    alerting(
        seed(b.account(MGMT), logging_trail(multi=False)), filters=[metric_filter(CIS_PATTERN)]
    )
    f = one(CHECK, b)
    assert f.status.value == "FAIL"
    assert f.reason_code == "CLOUDTRAIL_MULTI_REGION_NOT_PRESENT"


def test_denied_metric_filters_are_error_never_fail() -> None:
    b = inventory()
    complete(b, filters=[metric_filter(CIS_PATTERN)]).fail(
        METRIC_FILTERS,
        region=HOME,
        operation="DescribeMetricFilters",
        iam_action="logs:DescribeMetricFilters",
    )
    findings = [f for f in run(CHECK, b) if f.region == HOME]
    assert findings and {f.status.value for f in findings} == {"ERROR"}


def test_subject_names_the_organization_events() -> None:
    assert "Organizations" in CONTROL.subject
