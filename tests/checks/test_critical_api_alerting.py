"""critical_api_alerting: each critical call is covered by a metric-filter chain or EventBridge."""

from __future__ import annotations

import json
from typing import Any

from checks.critical_api_alerting import CHECK, CRITICAL_EVENTS, CriticalEvent, make_check
from scanner.core.datasets.cloudwatch import ALARMS
from scanner.core.datasets.eventbridge import EVENT_RULES, EventRule, RuleTarget
from scanner.core.datasets.metric_filters import METRIC_FILTERS
from scanner.core.findings import Finding
from tests.builders import LOGS, MEMBER, MGMT, InventoryBuilder, run
from tests.checks.test_cloudtrail_lib import HOME, OTHER, inventory, seed
from tests.checks.test_cloudwatch_alarms import (
    alarm,
    alerting,
    complete,
    logging_trail,
    metric_filter,
    topic_arn,
)

ALL_CRITICAL = (
    "{ ($.eventName = ScheduleKeyDeletion) || ($.eventName = DisableKey) || "
    "($.eventName = DeleteRole) || ($.eventName = AttachRolePolicy) || "
    "($.eventName = PutRolePolicy) || ($.eventName = AuthorizeSecurityGroupIngress) || "
    "($.eventName = StopLogging) || ($.eventName = DeleteTrail) || ($.eventName = UpdateTrail) "
    '|| ($.userIdentity.type = "Root" && $.eventName = "ConsoleLogin") }'
)
GLOBAL = {
    "$or": [
        {
            "source": ["aws.iam"],
            "detail": {"eventName": ["DeleteRole", "AttachRolePolicy", "PutRolePolicy"]},
        },
        {
            "detail-type": ["AWS Console Sign In via CloudTrail"],
            "detail": {"userIdentity": {"type": ["Root"]}},
        },
    ]
}
REGIONAL = {
    "source": ["aws.kms", "aws.ec2", "aws.cloudtrail"],
    "detail-type": ["AWS API Call via CloudTrail"],
    "detail": {
        "eventName": [
            {"prefix": "ScheduleKey"},
            "DisableKey",
            "AuthorizeSecurityGroupIngress",
            "StopLogging",
            "DeleteTrail",
            "UpdateTrail",
        ]
    },
}


def rule(
    name: str,
    pattern: dict[str, Any],
    *,
    account: str = MGMT,
    region: str = HOME,
    state: str = "ENABLED",
    targets: int = 1,
) -> EventRule:
    return EventRule(
        name=name,
        arn=f"arn:aws:events:{region}:{account}:rule/{name}",
        state=state,
        event_pattern=json.dumps(pattern),
        targets=tuple(
            RuleTarget(id=f"t{i}", arn=topic_arn(account, region=region)) for i in range(targets)
        ),
    )


def put_rules(b: InventoryBuilder, account: str, rules: dict[str, list[EventRule]]) -> None:
    acct = b.account(account)
    for region in acct.regions:
        acct.put(EVENT_RULES, rules.get(region, []), region)


def no_chain(b: InventoryBuilder, account: str = MGMT) -> None:
    """A trail without metric filters: only EventBridge can cover."""
    complete(b, account, filters=[], alarms=[], topics={})


def finding(findings: list[Finding], account: str = MGMT) -> Finding:
    (f,) = [f for f in findings if f.account_id == account]
    return f


def statuses(f: Finding) -> dict[str, str]:
    return {e["event"]: e["status"] for e in f.evidence["events"]}


def test_one_metric_filter_chain_covers_every_event_in_every_region() -> None:
    b = inventory()
    complete(b, filters=[metric_filter(ALL_CRITICAL)])
    put_rules(b, MGMT, {})
    f = finding(run(CHECK, b))
    assert f.status.value == "PASS"
    assert f.resource.id == f"AWS::::Account:{MGMT}"
    assert set(statuses(f).values()) == {"PASS"}
    assert all(e["covered_by"] == ["metric filter"] for e in f.evidence["events"])


def test_eventbridge_rules_in_the_delivery_regions_cover_every_event() -> None:
    b = inventory()
    no_chain(b)
    put_rules(
        b,
        MGMT,
        {
            HOME: [rule("global", GLOBAL), rule("regional", REGIONAL)],
            OTHER: [rule("regional", REGIONAL, region=OTHER)],
        },
    )
    f = finding(run(CHECK, b))
    assert f.status.value == "PASS", f.reason
    assert all(e["covered_by"] == ["EventBridge"] for e in f.evidence["events"])


def test_regional_events_need_a_rule_in_every_scanned_region() -> None:
    b = inventory()
    no_chain(b)
    put_rules(b, MGMT, {HOME: [rule("global", GLOBAL), rule("regional", REGIONAL)]})
    f = finding(run(CHECK, b))
    assert f.status.value == "FAIL"
    got = statuses(f)
    assert got["iam:DeleteRole"] == "PASS"
    assert got["signin:ConsoleLogin (root)"] == "PASS"
    assert got["kms:ScheduleKeyDeletion"] == "FAIL"
    kms = next(e for e in f.evidence["events"] if e["event"] == "kms:ScheduleKeyDeletion")
    assert kms["eventbridge"][HOME]["covered"] is True
    assert kms["eventbridge"][OTHER]["covered"] is False


def test_global_events_are_only_delivered_in_us_east_1() -> None:
    b = inventory()
    no_chain(b)
    put_rules(
        b,
        MGMT,
        {
            HOME: [rule("regional", REGIONAL)],
            OTHER: [rule("global", GLOBAL, region=OTHER), rule("regional", REGIONAL, region=OTHER)],
        },
    )
    got = statuses(finding(run(CHECK, b)))
    assert got["iam:DeleteRole"] == "FAIL"
    assert got["kms:DisableKey"] == "PASS"


def test_disabled_rule_or_rule_without_targets_does_not_cover() -> None:
    only_iam = [e for e in CRITICAL_EVENTS if e.label == "iam:DeleteRole"]
    check = make_check(only_iam, "delete_role_only")
    for kwargs in ({"state": "DISABLED"}, {"targets": 0}):
        b = inventory()
        no_chain(b)
        put_rules(b, MGMT, {HOME: [rule("global", GLOBAL, **kwargs)]})
        f = finding(run(check, b))
        assert f.status.value == "FAIL", kwargs
        eb = f.evidence["events"][0]["eventbridge"][HOME]
        assert eb["matching_but_unusable"][0]["rule"] == "global"


def test_root_login_rule_must_match_logins_with_and_without_mfa() -> None:
    root = [e for e in CRITICAL_EVENTS if e.root]
    check = make_check(root, "root_login_only")
    no_mfa_only = {
        "source": ["aws.signin"],
        "detail": {"userIdentity": {"type": ["Root"]}, "additionalEventData": {"MFAUsed": ["No"]}},
    }
    b = inventory()
    no_chain(b)
    put_rules(b, MGMT, {HOME: [rule("root-no-mfa", no_mfa_only)]})
    assert finding(run(check, b)).status.value == "FAIL"
    put_rules(b, MGMT, {HOME: [rule("root", {"detail": {"userIdentity": {"type": ["Root"]}}})]})
    assert finding(run(check, b)).status.value == "PASS"


def test_invalid_rule_pattern_is_reported_not_matched() -> None:
    b = inventory()
    no_chain(b)
    put_rules(b, MGMT, {HOME: [rule("bad", {"source": "aws.iam"})]})
    f = finding(run(CHECK, b))
    assert f.status.value == "FAIL"
    iam = next(e for e in f.evidence["events"] if e["event"] == "iam:DeleteRole")
    assert iam["eventbridge"][HOME]["invalid_patterns"][0]["rule"] == "bad"


def _org(member_filter: str = ALL_CRITICAL) -> InventoryBuilder:
    b = inventory()
    org_trail = logging_trail("org", MGMT, org=True)
    alerting(seed(b.account(MGMT), org_trail), filters=[metric_filter(member_filter)])
    alerting(seed(b.account(MEMBER)), filters=[], alarms=[], topics={})
    return b


def test_member_is_covered_by_the_organization_trails_chain() -> None:
    f = finding(run(CHECK, _org()), MEMBER)
    assert f.status.value == "PASS"
    path = f.evidence["events"][0]["metric_filter"]["path"]
    assert path["trail"].endswith(":trail/org") and path["topic"] == topic_arn(MGMT)


def test_a_filter_limited_to_the_management_account_does_not_cover_members() -> None:
    b = _org(f'{{ $.recipientAccountId = "{MGMT}" }}')
    findings = run(CHECK, b)
    assert finding(findings, MGMT).status.value == "PASS"
    assert finding(findings, MEMBER).status.value == "FAIL"


def test_member_errors_when_the_management_filters_are_unavailable() -> None:
    b = _org()
    b.account(MGMT).fail(METRIC_FILTERS, region=HOME, operation="DescribeMetricFilters")
    f = finding(run(CHECK, b), MEMBER)
    assert f.status.value == "ERROR"
    assert "DescribeMetricFilters" in {e.operation for e in f.errors}


def test_a_definitely_uncovered_event_fails_even_when_another_is_unknown() -> None:
    kms_only = "{ ($.eventSource = kms.amazonaws.com) }"
    b = _org(kms_only)
    b.account(MGMT).fail(ALARMS, region=HOME, operation="DescribeAlarms")
    f = finding(run(CHECK, b), MEMBER)
    got = statuses(f)
    assert got["kms:DisableKey"] == "ERROR"  # the filter matches; its alarms are unknown
    assert got["iam:DeleteRole"] == "FAIL"  # no filter matches: whatever the alarms
    assert f.status.value == "FAIL"


def test_chain_through_another_accounts_topic_is_a_warning() -> None:
    b = inventory()
    central = topic_arn(LOGS, "central")
    complete(
        b, filters=[metric_filter(ALL_CRITICAL)], alarms=[alarm(actions=(central,))], topics={}
    )
    assert finding(run(CHECK, b)).status.value == "WARNING"


def test_us_east_1_not_scanned_makes_global_events_unverifiable() -> None:
    b = InventoryBuilder(regions=(OTHER,), management_account_id=MGMT)
    acct = b.account(MGMT)
    seed(acct, logging_trail(home=OTHER))
    alerting(acct, filters=[], alarms=[], topics={}, region=OTHER)
    acct.put(EVENT_RULES, [rule("regional", REGIONAL, region=OTHER)], OTHER)
    f = finding(run(CHECK, b))
    assert f.status.value == "WARNING"
    got = statuses(f)
    assert got["kms:DisableKey"] == "PASS"
    assert got["iam:DeleteRole"] == "WARNING"


def test_failed_rules_listing_is_error() -> None:
    b = inventory()
    complete(b, filters=[metric_filter(ALL_CRITICAL)])
    b.account(MGMT).fail(EVENT_RULES, region=OTHER, operation="ListRules")
    assert finding(run(CHECK, b)).status.value == "ERROR"


def test_the_event_list_is_configurable() -> None:
    custom = (CriticalEvent("iam:CreateAccessKey", "iam.amazonaws.com", "CreateAccessKey"),)
    check = make_check(custom, "custom_critical")
    b = inventory()
    no_chain(b)
    put_rules(b, MGMT, {HOME: [rule("keys", {"detail": {"eventName": ["CreateAccessKey"]}})]})
    f = finding(run(check, b))
    assert f.status.value == "PASS"
    assert [e["event"] for e in f.evidence["events"]] == ["iam:CreateAccessKey"]
    assert finding(run(CHECK, b)).status.value == "FAIL"
