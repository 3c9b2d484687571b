"""CloudTrail.5: CloudWatchLogsLogGroupArn set on every owned trail, one finding per trail."""

from __future__ import annotations

from checks.cloudtrail_cloudwatch_logs import CHECK
from scanner.datasets.cloudtrail import TRAILS
from tests.builders import LOGS, MEMBER, MGMT, by_resource, run
from tests.checks.test_cloudtrail_lib import HOME, OTHER, inventory, list_trails, trail

GROUP = f"arn:aws:logs:{HOME}:{MGMT}:log-group:cloudtrail:*"


def test_one_finding_per_trail_in_its_home_region() -> None:
    b = inventory()
    sent = trail("sent", cloudwatch_logs_log_group_arn=GROUP)
    unsent = trail("unsent", home=OTHER)
    list_trails(b.account(MGMT), sent, unsent)
    assert by_resource(run(CHECK, b)) == {
        (MGMT, HOME, sent.arn): "PASS",
        (MGMT, OTHER, unsent.arn): "FAIL",
    }


def test_org_trail_owned_by_another_account_has_no_finding_in_members() -> None:
    b = inventory()
    org = trail("org", MGMT, org=True)
    list_trails(b.account(MGMT), org)
    list_trails(b.account(MEMBER), org)
    list_trails(b.account(LOGS), org)
    assert by_resource(run(CHECK, b)) == {(MGMT, HOME, org.arn): "FAIL"}


def test_failed_listing_is_error() -> None:
    b = inventory()
    list_trails(b.account(MGMT), trail("t", cloudwatch_logs_log_group_arn=GROUP))
    b.account(MGMT).fail(TRAILS)
    assert {f.status.value for f in run(CHECK, b)} == {"ERROR"}
