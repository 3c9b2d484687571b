"""Trail log groups encrypted with a KMS key (kmsKeyId on DescribeLogGroups)."""

from __future__ import annotations

from checks.logs_trail_groups_kms import CHECK
from scanner.core.datasets.logs import LOG_GROUPS, LogGroup
from tests.builders import LOGS, MGMT, by_resource, run
from tests.checks.test_cloudtrail_lib import list_trails
from tests.checks.test_logs_retention_trail_groups import HOME, delivering, group_arn, inventory

KEY = f"arn:aws:kms:{HOME}:{MGMT}:key/11111111-2222-3333-4444-555555555555"


def group(name: str, key: str | None, account: str = MGMT) -> LogGroup:
    return LogGroup(name=name, arn=group_arn(name, account), kms_key_id=key)


def test_encrypted_group_passes_unencrypted_fails_others_ignored() -> None:
    b = inventory()
    list_trails(b.account(MGMT), delivering("a", "/enc"), delivering("b", "/plain"))
    b.account(MGMT).put(
        LOG_GROUPS, [group("/enc", KEY), group("/plain", None), group("/unrelated", None)], HOME
    )
    assert by_resource(run(CHECK, b)) == {
        (MGMT, HOME, group_arn("/enc")): "PASS",
        (MGMT, HOME, group_arn("/plain")): "FAIL",
    }


def test_missing_group_fails() -> None:
    b = inventory()
    list_trails(b.account(MGMT), delivering("a", "/gone"))
    assert by_resource(run(CHECK, b)) == {(MGMT, HOME, group_arn("/gone")): "FAIL"}


def test_central_group_is_judged_in_the_account_that_owns_it() -> None:
    b = inventory(MGMT, LOGS)
    org = delivering("org", "/central", MGMT, group_account=LOGS, org=True)
    list_trails(b.account(MGMT), org)
    list_trails(b.account(LOGS), org)
    b.account(LOGS).put(LOG_GROUPS, [group("/central", KEY, LOGS)], HOME)
    assert by_resource(run(CHECK, b)) == {(LOGS, HOME, group_arn("/central", LOGS)): "PASS"}


def test_failed_describe_log_groups_is_error() -> None:
    b = inventory()
    list_trails(b.account(MGMT), delivering("a", "/enc"))
    b.account(MGMT).fail(
        LOG_GROUPS, region=HOME, operation="DescribeLogGroups", iam_action="logs:DescribeLogGroups"
    )
    findings = [f for f in run(CHECK, b) if f.region == HOME]
    assert findings and {f.status.value for f in findings} == {"ERROR"}
