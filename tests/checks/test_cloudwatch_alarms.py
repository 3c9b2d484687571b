"""CloudWatch.1-14: the trail -> metric filter -> alarm -> SNS chain on hand-built inventories.

The factories (no `test_` prefix) are imported by the other alerting check tests.
"""

from __future__ import annotations

from typing import Any

import pytest

from checks.cloudwatch_alarms import CHECKS, CONTROLS
from scanner.core.check import Check
from scanner.core.dataset import Dataset
from scanner.core.datasets.cloudtrail import TRAIL_SELECTORS, TRAIL_STATUS, TRAILS, Trail
from scanner.core.datasets.cloudwatch import ALARMS, MetricAlarm, MetricRef
from scanner.core.datasets.eventbridge import EVENT_RULES
from scanner.core.datasets.metric_filters import METRIC_FILTERS, MetricFilter, MetricTransformation
from scanner.core.datasets.sns import (
    TOPIC_SUBSCRIPTIONS,
    Subscription,
    TopicState,
    TopicSubscriptions,
)
from scanner.core.findings import Finding
from tests.builders import LOGS, MEMBER, MGMT, AccountBuilder, InventoryBuilder, run
from tests.checks.test_cloudtrail_lib import (
    HOME,
    OTHER,
    basic,
    inventory,
    seed,
    stopped,
    trail,
)

BY_ID = {c.control_id: c for c in CONTROLS}
CHECK_BY_ID: dict[str, Check] = {c.control_id or c.id: c for c in CHECKS}
ROOT = CHECK_BY_ID["CloudWatch.1"]
GROUP = "/cloudtrail/main"
NAMESPACE = "LogMetrics"
ROOT_PATTERN = BY_ID["CloudWatch.1"].patterns[0].text


# --- factories ----------------------------------------------------------------------------------


def group_arn(account: str = MGMT, region: str = HOME, name: str = GROUP) -> str:
    return f"arn:aws:logs:{region}:{account}:log-group:{name}:*"


def topic_arn(account: str = MGMT, name: str = "alerts", region: str = HOME) -> str:
    return f"arn:aws:sns:{region}:{account}:{name}"


def logging_trail(
    name: str = "main", account: str = MGMT, home: str = HOME, **fields: Any
) -> Trail:
    fields.setdefault("cloudwatch_logs_log_group_arn", group_arn(account, home))
    return trail(name, account, home, **fields)


def metric_filter(
    pattern: str = ROOT_PATTERN,
    *,
    metric: str = "RootUsage",
    namespace: str = NAMESPACE,
    name: str | None = None,
    group: str = GROUP,
) -> MetricFilter:
    return MetricFilter(
        filter_name=name or f"filter-{metric}",
        log_group_name=group,
        filter_pattern=pattern,
        metric_transformations=(
            MetricTransformation(metric_name=metric, metric_namespace=namespace),
        ),
    )


def alarm(
    metric: str = "RootUsage",
    *,
    namespace: str = NAMESPACE,
    actions: tuple[str, ...] | None = None,
    enabled: bool = True,
    account: str = MGMT,
    region: str = HOME,
    name: str | None = None,
    math: bool = False,
) -> MetricAlarm:
    alarm_name = name or f"alarm-{metric}"
    ref = MetricRef(namespace=namespace, metric_name=metric)
    return MetricAlarm(
        alarm_name=alarm_name,
        alarm_arn=f"arn:aws:cloudwatch:{region}:{account}:alarm:{alarm_name}",
        namespace=None if math else namespace,
        metric_name=None if math else metric,
        metrics=(ref,) if math else (),
        actions_enabled=enabled,
        alarm_actions=(topic_arn(account, region=region),) if actions is None else actions,
    )


def subscribed(arn: str, *subscription_arns: str) -> TopicSubscriptions:
    subs = subscription_arns if subscription_arns else (f"{arn}:0f1e2d3c",)
    return TopicSubscriptions(
        topic_arn=arn,
        state=TopicState.LISTED,
        subscriptions=tuple(
            Subscription(subscription_arn=s, protocol="email", owner=arn.split(":")[4])
            for s in subs
        ),
    )


def alerting(
    acct: AccountBuilder,
    *,
    filters: list[MetricFilter] | None = None,
    alarms: list[MetricAlarm] | None = None,
    topics: dict[str, TopicSubscriptions] | None = None,
    region: str = HOME,
    rules: list[Any] | None = None,
) -> AccountBuilder:
    """Metric filters, alarms and topic subscriptions in `region` (empty in the others)."""
    account = acct.account_id
    if filters is None:
        filters = [metric_filter()]
    if alarms is None:
        alarms = [alarm(account=account, region=region)]
    if topics is None:
        arn = topic_arn(account, region=region)
        topics = {arn: subscribed(arn)}
    for r in acct.regions:
        here = r == region
        acct.put(METRIC_FILTERS, filters if here else [], r)
        acct.put(ALARMS, alarms if here else [], r)
        acct.put(TOPIC_SUBSCRIPTIONS, topics if here else {}, r)
        acct.put(EVENT_RULES, (rules or []) if here else [], r)
    return acct


def complete(b: InventoryBuilder, account: str = MGMT, **kwargs: Any) -> AccountBuilder:
    """A complete CloudWatch.1 chain on the account's own multi-Region trail."""
    acct = b.account(account)
    seed(acct, logging_trail(account=account))
    return alerting(acct, **kwargs)


def findings_for(check: Check, b: InventoryBuilder) -> dict[tuple[str, str], Finding]:
    out: dict[tuple[str, str], Finding] = {}
    for f in run(check, b):
        assert (f.account_id, f.region) not in out
        out[(f.account_id, f.region)] = f
    return out


def one(check: Check, b: InventoryBuilder, account: str = MGMT, region: str = HOME) -> Finding:
    return findings_for(check, b)[(account, region)]


# --- the whole chain ------------------------------------------------------------------------------


def test_complete_chain_passes_once_in_the_trails_home_region() -> None:
    b = inventory()
    complete(b)
    found = findings_for(ROOT, b)
    assert list(found) == [(MGMT, HOME)]
    f = found[(MGMT, HOME)]
    assert f.status.value == "PASS"
    assert f.resource.type == "AwsAccount" and f.resource.id == f"AWS::::Account:{MGMT}"
    assert f.evidence["covered_by"]["topic"] == topic_arn()
    assert f.evidence["covered_by"]["metric_filter"] == "filter-RootUsage"


@pytest.mark.parametrize("control", CONTROLS, ids=lambda c: c.control_id)
def test_every_control_passes_with_each_accepted_pattern(control: Any) -> None:
    check = CHECK_BY_ID[control.control_id]
    for pattern in control.patterns:
        b = inventory()
        complete(b, filters=[metric_filter(pattern.text)])
        assert one(check, b).status.value == "PASS", (control.control_id, pattern.source)


@pytest.mark.parametrize("control", CONTROLS, ids=lambda c: c.control_id)
def test_every_control_fails_with_another_controls_filter(control: Any) -> None:
    other = CONTROLS[(CONTROLS.index(control) + 4) % len(CONTROLS)]
    b = inventory()
    complete(b, filters=[metric_filter(other.patterns[0].text)])
    f = one(CHECK_BY_ID[control.control_id], b)
    assert f.status.value == "FAIL"
    assert f.reason_code == "CLOUDTRAIL_METRIC_FILTER_NOT_VALID"


def test_reformatted_equivalent_filter_passes() -> None:
    b = inventory()
    reformatted = (
        '{ ( $.eventType != AwsServiceEvent ) && ( ( $.userIdentity.type = "Root" ) ) '
        "&& ($.userIdentity.invokedBy NOT EXISTS) }"
    )
    complete(b, filters=[metric_filter(reformatted)])
    assert one(ROOT, b).status.value == "PASS"


def test_narrower_filter_fails_and_lists_missed_events() -> None:
    b = inventory()
    narrow = '{ $.userIdentity.type = "Root" && $.eventName = "ConsoleLogin" }'
    complete(b, filters=[metric_filter(narrow)])
    f = one(ROOT, b)
    assert f.status.value == "FAIL"
    assert f.reason_code == "CLOUDTRAIL_METRIC_FILTER_NOT_VALID"
    (described,) = f.evidence["trails"][0]["metric_filters"]
    assert described["valid"] is False
    assert "iam:CreateAccessKey by Root in us-east-1" in described["missed_events"]


def test_unparsable_filter_fails_with_the_parse_error() -> None:
    b = inventory()
    complete(b, filters=[metric_filter("{ $.userIdentity.type = 'Root' }")])
    f = one(ROOT, b)
    assert f.status.value == "FAIL"
    assert f.reason_code == "CLOUDTRAIL_METRIC_FILTER_NOT_VALID"
    assert "single quotes" in f.evidence["trails"][0]["metric_filters"][0]["parse_error"]


def test_a_valid_filter_among_invalid_ones_passes() -> None:
    b = inventory()
    complete(
        b,
        filters=[
            metric_filter("{ $.a = 'x' }", metric="Broken"),
            metric_filter('{ $.eventName = "ConsoleLogin" }', metric="Logins"),
            metric_filter(),
        ],
    )
    f = one(ROOT, b)
    assert f.status.value == "PASS"
    assert [m["valid"] for m in f.evidence["trails"][0]["metric_filters"]] == [False, False, True]


def test_filter_on_another_log_group_does_not_count() -> None:
    b = inventory()
    complete(b, filters=[metric_filter(group="/some/app")])
    f = one(ROOT, b)
    assert (f.status.value, f.reason_code) == ("FAIL", "CLOUDTRAIL_METRIC_FILTERS_NOT_PRESENT")


def test_no_alarm_on_the_filters_metric_fails() -> None:
    b = inventory()
    complete(b, alarms=[alarm("SomethingElse")])
    f = one(ROOT, b)
    assert (f.status.value, f.reason_code) == ("FAIL", "CLOUDWATCH_ALARMS_NOT_PRESENT")


def test_alarm_on_the_metric_name_in_another_namespace_does_not_count() -> None:
    b = inventory()
    complete(b, alarms=[alarm(namespace="CISBenchmark")])
    assert one(ROOT, b).reason_code == "CLOUDWATCH_ALARMS_NOT_PRESENT"


def test_metric_math_alarm_on_the_metric_counts() -> None:
    b = inventory()
    complete(b, alarms=[alarm(math=True)])
    assert one(ROOT, b).status.value == "PASS"


def test_alarm_with_actions_disabled_fails() -> None:
    b = inventory()
    complete(b, alarms=[alarm(enabled=False)])
    f = one(ROOT, b)
    assert (f.status.value, f.reason_code) == ("FAIL", "CLOUDWATCH_ALARM_ACTIONS_NOT_VALID")


@pytest.mark.parametrize(
    "actions",
    [(), ("arn:aws:lambda:us-east-1:111111111111:function:page",)],
    ids=["no actions", "no SNS action"],
)
def test_alarm_without_an_sns_action_fails(actions: tuple[str, ...]) -> None:
    b = inventory()
    complete(b, alarms=[alarm(actions=actions)])
    f = one(ROOT, b)
    assert (f.status.value, f.reason_code) == ("FAIL", "CLOUDWATCH_ALARM_ACTIONS_NOT_VALID")


def test_pending_confirmation_subscription_fails() -> None:
    b = inventory()
    arn = topic_arn()
    complete(b, topics={arn: subscribed(arn, "PendingConfirmation")})
    f = one(ROOT, b)
    assert (f.status.value, f.reason_code) == ("FAIL", "SNS_SUBSCRIPTION_NOT_PRESENT")
    topics = f.evidence["trails"][0]["alarms"][0]["topics"]
    assert topics[0]["pending_subscriptions"] == 1


def test_topic_without_subscriptions_fails() -> None:
    b = inventory()
    arn = topic_arn()
    complete(b, topics={arn: TopicSubscriptions(topic_arn=arn, state=TopicState.LISTED)})
    assert one(ROOT, b).reason_code == "SNS_SUBSCRIPTION_NOT_PRESENT"


def test_one_confirmed_subscription_among_pending_ones_passes() -> None:
    b = inventory()
    arn = topic_arn()
    complete(b, topics={arn: subscribed(arn, "PendingConfirmation", f"{arn}:abc")})
    assert one(ROOT, b).status.value == "PASS"


def test_topic_that_does_not_exist_fails() -> None:
    b = inventory()
    arn = topic_arn()
    complete(b, topics={arn: TopicSubscriptions(topic_arn=arn, state=TopicState.NOT_FOUND)})
    f = one(ROOT, b)
    assert (f.status.value, f.reason_code) == ("FAIL", "SNS_TOPIC_INVALID")


def test_topic_in_another_account_is_a_warning() -> None:
    b = inventory()
    central = topic_arn(LOGS, "central")
    complete(b, alarms=[alarm(actions=(central,))], topics={})
    f = one(ROOT, b)
    assert (f.status.value, f.reason_code) == ("WARNING", "SNS_TOPIC_CROSS_ACCOUNT")


def test_a_working_alarm_beats_a_cross_account_one() -> None:
    b = inventory()
    central = topic_arn(LOGS, "central")
    complete(b, alarms=[alarm(actions=(central,), name="a1"), alarm(name="a2")])
    assert one(ROOT, b).status.value == "PASS"


def test_cross_account_warning_beats_a_pending_subscription() -> None:
    b = inventory()
    own, central = topic_arn(), topic_arn(LOGS, "central")
    complete(
        b,
        alarms=[alarm(actions=(own,), name="a1"), alarm(actions=(central,), name="a2")],
        topics={own: subscribed(own, "PendingConfirmation")},
    )
    assert one(ROOT, b).status.value == "WARNING"


def test_uncollected_topic_is_an_error_not_a_verdict() -> None:
    b = inventory()
    complete(b, topics={})
    f = one(ROOT, b)
    assert f.status.value == "ERROR"
    assert [e.operation for e in f.errors] == ["ListSubscriptionsByTopic"]


# --- the trail link -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("why", "trail_kwargs", "status", "selectors"),
    [
        ("not logging", {}, stopped(), None),
        ("read-only selectors", {}, None, basic("ReadOnly")),
        ("no log group", {"cloudwatch_logs_log_group_arn": None}, None, None),
    ],
    ids=["stopped", "read-only", "no log group"],
)
def test_trail_that_does_not_qualify_fails_multi_region_not_present(
    why: str, trail_kwargs: dict[str, Any], status: Any, selectors: Any
) -> None:
    b = inventory()
    acct = b.account(MGMT)
    t = logging_trail(**trail_kwargs)
    seed(
        acct,
        t,
        status={t.arn: status} if status else None,
        selectors={t.arn: selectors} if selectors else None,
    )
    alerting(acct)
    f = one(ROOT, b)
    assert (f.status.value, f.reason_code) == ("FAIL", "CLOUDTRAIL_MULTI_REGION_NOT_PRESENT"), why


def test_no_multi_region_trail_fails_in_every_region() -> None:
    b = inventory()
    acct = b.account(MGMT)
    seed(acct, logging_trail("local", multi=False, home=OTHER))
    alerting(acct)
    found = findings_for(ROOT, b)
    assert {k: (f.status.value, f.reason_code) for k, f in found.items()} == {
        (MGMT, HOME): ("FAIL", "CLOUDTRAIL_MULTI_REGION_NOT_PRESENT"),
        (MGMT, OTHER): ("FAIL", "CLOUDTRAIL_MULTI_REGION_NOT_PRESENT"),
    }


def test_trail_homed_in_another_region_gives_no_finding_there() -> None:
    b = inventory()
    acct = b.account(MGMT)
    seed(acct, logging_trail(home=OTHER))
    alerting(acct, region=OTHER)
    found = findings_for(ROOT, b)
    assert list(found) == [(MGMT, OTHER)]
    assert found[(MGMT, OTHER)].status.value == "PASS"


def test_one_good_trail_among_bad_ones_passes() -> None:
    b = inventory()
    acct = b.account(MGMT)
    bad, good = logging_trail("bad"), logging_trail("good")
    seed(acct, bad, good, status={bad.arn: stopped()})
    alerting(acct)
    f = one(ROOT, b)
    assert f.status.value == "PASS"
    assert f.evidence["covered_by"]["trail"] == good.arn
    assert len(f.evidence["trails"]) == 2


# --- organizations --------------------------------------------------------------------------------


def _org(member_lists_it: bool) -> InventoryBuilder:
    b = inventory()
    org_trail = logging_trail("org", MGMT, org=True)
    alerting(seed(b.account(MGMT), org_trail))
    member = b.account(MEMBER)
    if member_lists_it:
        seed(member, org_trail)
    else:
        seed(member)
    alerting(member, filters=[], alarms=[], topics={})
    return b


@pytest.mark.parametrize("listed", [True, False], ids=["shadow listed", "not listed"])
def test_org_trail_seen_from_a_member_gives_no_finding(listed: bool) -> None:
    found = findings_for(ROOT, _org(listed))
    assert list(found) == [(MGMT, HOME)]
    assert found[(MGMT, HOME)].status.value == "PASS"


def test_member_with_its_own_trail_is_evaluated_on_it() -> None:
    b = _org(True)
    member = b.account(MEMBER)
    own = logging_trail("own", MEMBER)
    org_trail = logging_trail("org", MGMT, org=True)
    seed(member, own, org_trail)
    alerting(member, filters=[], alarms=[], topics={})
    f = one(ROOT, b, MEMBER)
    assert (f.status.value, f.reason_code) == ("FAIL", "CLOUDTRAIL_METRIC_FILTERS_NOT_PRESENT")


def test_member_without_trail_errors_when_the_management_listing_failed() -> None:
    b = inventory()
    seed(b.account(MGMT))
    b.account(MGMT).fail(TRAILS)
    alerting(seed(b.account(MEMBER)), filters=[], alarms=[], topics={})
    assert one(ROOT, b, MEMBER).status.value == "ERROR"


# --- missing data is ERROR, never a verdict ------------------------------------------------------


@pytest.mark.parametrize(
    ("ds", "op"),
    [
        (METRIC_FILTERS, "DescribeMetricFilters"),
        (ALARMS, "DescribeAlarms"),
        (TOPIC_SUBSCRIPTIONS, "ListSubscriptionsByTopic"),
        (TRAIL_STATUS, "GetTrailStatus"),
        (TRAIL_SELECTORS, "GetEventSelectors"),
        (TRAILS, "DescribeTrails"),
    ],
    ids=lambda v: getattr(v, "name", v),
)
def test_failed_dataset_is_error(ds: Dataset[Any], op: str) -> None:
    b = inventory()
    complete(b).fail(ds, region=HOME if ds.scope.value == "region" else None, operation=op)
    f = one(ROOT, b)
    assert f.status.value == "ERROR"
    assert op in {e.operation for e in f.errors}
