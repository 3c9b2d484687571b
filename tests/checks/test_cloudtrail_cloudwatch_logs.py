"""CloudTrail.5: CloudWatchLogsLogGroupArn set on every owned trail, one finding per trail."""

from __future__ import annotations

from checks.cloudtrail_cloudwatch_logs import CHECK
from scanner.core.datasets.cloudtrail import TRAILS
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


def test_trail_finding_links_its_log_group_and_key() -> None:
    from checks.cloudtrail_cloudwatch_logs import CHECK as CWL
    from checks.cloudtrail_kms_encryption import CHECK as KMS
    from scanner.core.datasets.cloudtrail import TRAILS, Trail
    from tests.builders import MGMT, InventoryBuilder, run

    key = f"arn:aws:kms:us-east-1:{'4' * 12}:key/abc"
    trail = Trail(
        name="t",
        arn=f"arn:aws:cloudtrail:us-east-1:{MGMT}:trail/t",
        home_region="us-east-1",
        kms_key_id=key,
        cloudwatch_logs_log_group_arn=f"arn:aws:logs:us-east-1:{MGMT}:log-group:/ct:*",
    )
    builder = InventoryBuilder()
    builder.account(MGMT).put(TRAILS, [trail])
    (cwl,) = run(CWL, builder)
    assert [r.id for r in cwl.related_resources] == [f"arn:aws:logs:us-east-1:{MGMT}:log-group:/ct"]
    (kms,) = run(KMS, builder)
    assert [(r.type, r.id, r.account_id) for r in kms.related_resources] == [
        ("AwsKmsKey", key, "4" * 12)
    ]
