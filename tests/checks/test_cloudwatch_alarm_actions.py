"""CloudWatch.15 (an ALARM action) and CloudWatch.17 (actions enabled), one finding per alarm."""

from __future__ import annotations

from checks.cloudwatch_alarm_actions import CHECKS
from scanner.core.datasets.cloudwatch import ALARMS
from tests.builders import MGMT, InventoryBuilder, by_resource, run
from tests.checks.test_cloudtrail_lib import HOME, OTHER, inventory
from tests.checks.test_cloudwatch_alarms import alarm, topic_arn

HAS_ACTION, ENABLED = CHECKS
assert HAS_ACTION.control_id == "CloudWatch.15" and ENABLED.control_id == "CloudWatch.17"


def _alarms() -> InventoryBuilder:
    b = inventory()
    acct = b.account(MGMT)
    acct.put(
        ALARMS,
        [
            alarm("Good", name="good"),
            alarm("Silent", name="silent", actions=()),
            alarm("Muted", name="muted", enabled=False),
        ],
        HOME,
    )
    acct.put(
        ALARMS, [alarm("Eu", name="eu", region=OTHER, actions=(topic_arn(region=OTHER),))], OTHER
    )
    return b


def arn(name: str, region: str = HOME) -> str:
    return f"arn:aws:cloudwatch:{region}:{MGMT}:alarm:{name}"


def test_cloudwatch_15_requires_an_alarm_action() -> None:
    findings = run(HAS_ACTION, _alarms())
    assert by_resource(findings) == {
        (MGMT, HOME, arn("good")): "PASS",
        (MGMT, HOME, arn("silent")): "FAIL",
        (MGMT, HOME, arn("muted")): "PASS",
        (MGMT, OTHER, arn("eu", OTHER)): "PASS",
    }
    assert {f.resource.type for f in findings} == {"AwsCloudWatchAlarm"}
    assert {f.severity.value for f in findings} == {"HIGH"}


def test_cloudwatch_17_requires_actions_enabled() -> None:
    findings = run(ENABLED, _alarms())
    assert by_resource(findings) == {
        (MGMT, HOME, arn("good")): "PASS",
        (MGMT, HOME, arn("silent")): "PASS",
        (MGMT, HOME, arn("muted")): "FAIL",
        (MGMT, OTHER, arn("eu", OTHER)): "PASS",
    }
    muted = next(f for f in findings if f.resource.id == arn("muted"))
    assert muted.evidence["ActionsEnabled"] is False


def test_no_alarms_no_findings() -> None:
    b = inventory()
    b.account(MGMT).put(ALARMS, [])
    assert run(HAS_ACTION, b) == [] and run(ENABLED, b) == []


def test_failed_describe_alarms_is_error_per_region() -> None:
    b = _alarms()
    b.account(MGMT).fail(ALARMS, region=OTHER, operation="DescribeAlarms")
    for check in CHECKS:
        findings = run(check, b)
        other = [f for f in findings if f.region == OTHER]
        assert [f.status.value for f in other] == ["ERROR"]
        assert [e.operation for e in other[0].errors] == ["DescribeAlarms"]
        assert {f.status.value for f in findings if f.region == HOME} <= {"PASS", "FAIL"}
