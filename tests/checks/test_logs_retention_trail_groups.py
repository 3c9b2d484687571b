"""CloudWatch.16 on the log groups trails deliver to: retention >= 365 days or never expire."""

from __future__ import annotations

from checks.logs_retention_trail_groups import CHECK, MIN_RETENTION_DAYS, build_check
from scanner.core.datasets.cloudtrail import TRAILS, Trail
from scanner.core.datasets.logs import LOG_GROUPS, LogGroup
from scanner.core.model import Severity
from tests.builders import LOGS, MEMBER, MGMT, InventoryBuilder, by_resource, run
from tests.checks.test_cloudtrail_lib import list_trails, trail

HOME = "us-east-1"
OTHER = "eu-west-1"


def group_arn(name: str, account: str = MGMT, region: str = HOME) -> str:
    return f"arn:aws:logs:{region}:{account}:log-group:{name}"


def group(name: str, retention: int | None, account: str = MGMT, region: str = HOME) -> LogGroup:
    return LogGroup(name=name, arn=group_arn(name, account, region), retention_in_days=retention)


def delivering(
    name: str,
    group_name: str,
    account: str = MGMT,
    *,
    group_account: str | None = None,
    home: str = HOME,
    org: bool = False,
) -> Trail:
    arn = group_arn(group_name, group_account or account, home)
    return trail(name, account, home, org=org, cloudwatch_logs_log_group_arn=arn + ":*")


def inventory(*accounts: str) -> InventoryBuilder:
    b = InventoryBuilder(regions=(HOME, OTHER), management_account_id=MGMT)
    for acct in accounts or (MGMT,):
        b.account(acct).put(TRAILS, []).put(LOG_GROUPS, [])
    return b


def test_retention_at_least_the_minimum_or_never_expire_passes() -> None:
    b = inventory()
    list_trails(
        b.account(MGMT),
        delivering("year", "/year"),
        delivering("never", "/never"),
        delivering("month", "/month"),
    )
    b.account(MGMT).put(
        LOG_GROUPS,
        [group("/year", 365), group("/never", None), group("/month", 30), group("/other", 1)],
        HOME,
    )
    findings = run(CHECK, b)
    assert by_resource(findings) == {
        (MGMT, HOME, group_arn("/year")): "PASS",
        (MGMT, HOME, group_arn("/never")): "PASS",
        (MGMT, HOME, group_arn("/month")): "FAIL",
    }
    assert MIN_RETENTION_DAYS == 365
    assert {f.resource.type for f in findings} == {"AwsLogsLogGroup"}
    assert {f.severity for f in findings} == {Severity.MEDIUM}


def test_minimum_is_configurable() -> None:
    b = inventory()
    list_trails(b.account(MGMT), delivering("t", "/g"))
    b.account(MGMT).put(LOG_GROUPS, [group("/g", 365)], HOME)
    assert set(by_resource(run(build_check(min_retention_days=400), b)).values()) == {"FAIL"}


def test_missing_log_group_fails() -> None:
    b = inventory()
    list_trails(b.account(MGMT), delivering("t", "/gone"))
    assert by_resource(run(CHECK, b)) == {(MGMT, HOME, group_arn("/gone")): "FAIL"}


def test_two_trails_one_group_one_finding() -> None:
    b = inventory()
    list_trails(b.account(MGMT), delivering("a", "/shared"), delivering("b", "/shared"))
    b.account(MGMT).put(LOG_GROUPS, [group("/shared", 400)], HOME)
    findings = run(CHECK, b)
    assert len(findings) == 1 and findings[0].status.value == "PASS"
    assert len(findings[0].related_resources) == 2


def test_group_is_evaluated_in_the_trail_home_region_only() -> None:
    b = inventory()
    list_trails(b.account(MGMT), delivering("eu", "/eu", home=OTHER))
    b.account(MGMT).put(LOG_GROUPS, [group("/eu", 30, region=OTHER)], OTHER)
    assert by_resource(run(CHECK, b)) == {(MGMT, OTHER, group_arn("/eu", region=OTHER)): "FAIL"}


def test_group_in_another_scanned_account_is_evaluated_in_the_owner() -> None:
    b = inventory(MGMT, LOGS)
    list_trails(b.account(MGMT), delivering("org", "/central", group_account=LOGS, org=True))
    b.account(LOGS).put(LOG_GROUPS, [group("/central", 30, account=LOGS)], HOME)
    assert by_resource(run(CHECK, b)) == {(LOGS, HOME, group_arn("/central", LOGS)): "FAIL"}


def test_group_in_an_account_outside_the_scan_is_not_evaluated() -> None:
    b = inventory()
    list_trails(b.account(MGMT), delivering("t", "/x", group_account=MEMBER))
    assert run(CHECK, b) == []


def test_member_seeing_an_org_trail_does_not_evaluate_the_owner_group() -> None:
    b = inventory(MGMT, MEMBER)
    org = delivering("org", "/org", org=True)
    list_trails(b.account(MGMT), org)
    list_trails(b.account(MEMBER), org)
    b.account(MGMT).put(LOG_GROUPS, [group("/org", 365)], HOME)
    assert by_resource(run(CHECK, b)) == {(MGMT, HOME, group_arn("/org")): "PASS"}


def test_failed_log_groups_is_error() -> None:
    b = inventory()
    list_trails(b.account(MGMT), delivering("t", "/g"))
    b.account(MGMT).fail(LOG_GROUPS, HOME, operation="DescribeLogGroups")
    findings = run(CHECK, b)
    assert {(f.region, f.status.value) for f in findings} == {(HOME, "ERROR")}
    assert [e.operation for e in findings[0].errors] == ["DescribeLogGroups"]


def test_failed_trails_is_error() -> None:
    b = inventory()
    b.account(MGMT).fail(TRAILS, OTHER)
    assert {(f.region, f.status.value) for f in run(CHECK, b)} == {(OTHER, "ERROR")}
