"""The alerting chains: CloudTrail -> metric filter -> alarm -> SNS, and EventBridge rules.

A trail's chain is followed link by link, and the first broken link names the Security Hub
reason code (controls.md 1.3 / 4.1):

1. multi-Region trail, logging, all management events, delivering to a log group
   (else CLOUDTRAIL_MULTI_REGION_NOT_PRESENT);
2. metric filters on that log group (else CLOUDTRAIL_METRIC_FILTERS_NOT_PRESENT), one of which
   the caller accepts (else CLOUDTRAIL_METRIC_FILTER_NOT_VALID);
3. an alarm on the accepted filter's metric, same namespace and name, in the log group's
   account and region (else CLOUDWATCH_ALARMS_NOT_PRESENT);
4. the alarm has ActionsEnabled and an SNS topic in AlarmActions
   (else CLOUDWATCH_ALARM_ACTIONS_NOT_VALID);
5. the topic exists (else SNS_TOPIC_INVALID) and has a confirmed subscription
   (else SNS_SUBSCRIPTION_NOT_PRESENT). A topic of another account cannot be listed:
   WARNING SNS_TOPIC_CROSS_ACCOUNT.

Missing data never becomes a verdict: a link whose data could not be collected is ERROR, and a
link in an account or region outside the scan is WARNING. Among several paths the best wins:
PASS, then ERROR (it might pass), then WARNING, then the FAIL that got furthest.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, TypeVar

from checks.lib.cloudtrail_events import CorpusEvent, corpus, eventbridge_event
from checks.lib.event_pattern import EventPatternError, parse_event_pattern
from checks.lib.filter_pattern import FilterPattern, FilterPatternError, parse
from checks.lib.selectors import management_events
from checks.lib.trails import logging_trail, selector_judgement
from scanner.core.dataset import Dataset
from scanner.core.datasets.cloudtrail import Trail
from scanner.core.datasets.cloudwatch import ALARMS, MetricAlarm, MetricRef
from scanner.core.datasets.eventbridge import EventRule
from scanner.core.datasets.metric_filters import METRIC_FILTERS, MetricFilter
from scanner.core.datasets.sns import TOPIC_SUBSCRIPTIONS, TopicState, TopicSubscriptions
from scanner.core.model import CollectionError, Status
from scanner.core.view import DataUnavailable, View

T = TypeVar("T")

MULTI_REGION_NOT_PRESENT = "CLOUDTRAIL_MULTI_REGION_NOT_PRESENT"
METRIC_FILTERS_NOT_PRESENT = "CLOUDTRAIL_METRIC_FILTERS_NOT_PRESENT"
METRIC_FILTER_NOT_VALID = "CLOUDTRAIL_METRIC_FILTER_NOT_VALID"
ALARMS_NOT_PRESENT = "CLOUDWATCH_ALARMS_NOT_PRESENT"
ALARM_ACTIONS_NOT_VALID = "CLOUDWATCH_ALARM_ACTIONS_NOT_VALID"
SNS_TOPIC_INVALID = "SNS_TOPIC_INVALID"
SNS_SUBSCRIPTION_NOT_PRESENT = "SNS_SUBSCRIPTION_NOT_PRESENT"
SNS_TOPIC_CROSS_ACCOUNT = "SNS_TOPIC_CROSS_ACCOUNT"

_PROGRESS = (
    MULTI_REGION_NOT_PRESENT,
    METRIC_FILTERS_NOT_PRESENT,
    METRIC_FILTER_NOT_VALID,
    ALARMS_NOT_PRESENT,
    ALARM_ACTIONS_NOT_VALID,
    SNS_TOPIC_INVALID,
    SNS_SUBSCRIPTION_NOT_PRESENT,
)
_STATUS_ORDER = {Status.PASS: 0, Status.ERROR: 1, Status.WARNING: 2, Status.FAIL: 3}
MAX_LISTED = 25  # events listed in evidence per filter


@dataclass(frozen=True)
class Outcome:
    """How far one path got: status, why, the reason code of the broken link, facts, errors."""

    status: Status
    why: str
    reason_code: str | None = None
    facts: dict[str, Any] = field(default_factory=dict)
    errors: tuple[CollectionError, ...] = ()
    path: dict[str, Any] = field(default_factory=dict)  # the links of a passing chain


def _progress(o: Outcome) -> int:
    return _PROGRESS.index(o.reason_code) if o.reason_code in _PROGRESS else -1


def best(outcomes: Sequence[Outcome]) -> Outcome:
    """The most favourable outcome; ERROR outcomes carry every error of the ERROR paths."""
    top = min(outcomes, key=lambda o: (_STATUS_ORDER[o.status], -_progress(o)))
    if top.status is Status.ERROR:
        errors = tuple(
            dict.fromkeys(e for o in outcomes if o.status is Status.ERROR for e in o.errors)
        )
        return Outcome(top.status, top.why, top.reason_code, top.facts, errors, top.path)
    return top


def _with(o: Outcome, facts: Mapping[str, Any]) -> Outcome:
    return Outcome(o.status, o.why, o.reason_code, {**facts, **o.facts}, o.errors, o.path)


# --- reading data from any account of the scan --------------------------------------------------


def read(view: View, account: str, ds: Dataset[T], region: str) -> T | Outcome:
    """A dataset of `account` in `region`, or the Outcome that says why it cannot be read."""
    acct = view.org.account(account)
    if acct is None or not view.org.in_scan(account):
        return Outcome(Status.WARNING, f"account {account} is outside the scan")
    if region not in acct.regions:
        return Outcome(Status.WARNING, f"region {region} of account {account} was not scanned")
    try:
        return view.org.get(account, ds, region)
    except DataUnavailable as exc:
        return Outcome(
            Status.ERROR,
            f"{ds.name} of account {account} in {region} is unavailable",
            errors=exc.errors,
        )


# --- link 1: the trail --------------------------------------------------------------------------


@dataclass(frozen=True)
class LogGroupRef:
    arn: str
    account: str
    region: str
    name: str


def log_group_ref(arn: str | None) -> LogGroupRef | None:
    """`arn:aws:logs:<region>:<account>:log-group:<name>[:*]` -> its parts."""
    if not arn:
        return None
    parts = arn.split(":")
    if len(parts) < 7 or parts[2] != "logs" or parts[5] != "log-group":
        return None
    return LogGroupRef(arn=arn, account=parts[4], region=parts[3], name=parts[6])


def trail_facts(trail: Trail) -> dict[str, Any]:
    return {
        "TrailARN": trail.arn,
        "HomeRegion": trail.home_region,
        "IsMultiRegionTrail": trail.is_multi_region,
        "IsOrganizationTrail": trail.is_organization_trail,
        "CloudWatchLogsLogGroupArn": trail.cloudwatch_logs_log_group_arn,
    }


def trail_prerequisites(view: View, trail: Trail) -> Outcome | LogGroupRef:
    """Link 1: multi-Region, logging, all management events, a CloudWatch Logs group."""
    j = selector_judgement(view, trail, logging_trail(view, trail), management_events)
    if j.errors:
        return Outcome(Status.ERROR, f"trail {trail.name}: {j.why}", facts=j.facts, errors=j.errors)
    if not j.ok:
        return Outcome(
            Status.FAIL, f"trail {trail.name}: {j.why}", MULTI_REGION_NOT_PRESENT, j.facts
        )
    ref = log_group_ref(trail.cloudwatch_logs_log_group_arn)
    if ref is None:
        return Outcome(
            Status.FAIL,
            f"trail {trail.name} does not deliver to CloudWatch Logs",
            MULTI_REGION_NOT_PRESENT,
            j.facts,
        )
    return ref


# --- link 2: metric filters ---------------------------------------------------------------------


@dataclass(frozen=True)
class Candidate:
    """A metric filter and its parsed pattern (or the parse error)."""

    filter: MetricFilter
    pattern: FilterPattern | None
    error: str | None = None


def candidate(mf: MetricFilter) -> Candidate:
    try:
        return Candidate(mf, parse(mf.filter_pattern))
    except FilterPatternError as exc:
        return Candidate(mf, None, str(exc))


@dataclass(frozen=True)
class FilterVerdict:
    """Whether a filter is accepted; `missed` counts the required events it misses (when it
    matches some of them: a near miss worth naming in the reason)."""

    ok: bool
    why: str
    facts: dict[str, Any] = field(default_factory=dict)
    missed: int | None = None


Acceptor = Callable[[Candidate], FilterVerdict]


_ACCOUNT_ID = re.compile(r"\d{12}")
_ANY_ACCOUNT = "000000000000"


def matched_labels(pattern_text: str, account: str) -> frozenset[str]:
    """Labels of the corpus events (recorded in `account`) that the pattern matches.

    A pattern that names no account id matches the same events whatever the account, so it is
    evaluated once for all accounts (an Organization scan would otherwise repeat it per account).
    """
    if not _ACCOUNT_ID.search(pattern_text):
        account = _ANY_ACCOUNT
    return _matched_labels(pattern_text, account)


@lru_cache(maxsize=8192)
def _matched_labels(pattern_text: str, account: str) -> frozenset[str]:
    pattern = parse(pattern_text)
    return frozenset(e.label for e in corpus(account) if pattern.matches(e.record))


@lru_cache(maxsize=1024)
def required_labels(patterns: tuple[str, ...], account: str) -> frozenset[str]:
    """The corpus events every accepted pattern matches (their intersection)."""
    sets = [matched_labels(p, account) for p in patterns]
    return frozenset.intersection(*sets)


def coverage(required: frozenset[str], account: str) -> Acceptor:
    """Accept a filter that matches every required corpus event (semantic coverage)."""

    def accept(c: Candidate) -> FilterVerdict:
        if c.pattern is None:
            return FilterVerdict(
                False, f"unparsable filter pattern: {c.error}", {"parse_error": c.error}
            )
        matched = matched_labels(c.filter.filter_pattern, account)
        missed = [
            e.label for e in corpus(account) if e.label in required and e.label not in matched
        ]
        if missed and len(missed) == len(required):
            return FilterVerdict(
                False,
                f"matches none of the {len(required)} required events",
                {"missed_count": len(missed)},
            )
        if missed:
            shown = ", ".join(missed[:3]) + (", ..." if len(missed) > 3 else "")
            return FilterVerdict(
                False,
                f"narrower than required: misses {len(missed)} of {len(required)} required "
                f"events ({shown})",
                {"missed_events": missed[:MAX_LISTED], "missed_count": len(missed)},
                missed=len(missed),
            )
        return FilterVerdict(
            True,
            f"matches all {len(required)} required events",
            {"required_events": len(required), "other_events_matched": len(matched - required)},
        )

    return accept


def matches_all(events: Sequence[CorpusEvent]) -> Acceptor:
    """Accept a filter that matches every one of the given events."""

    def accept(c: Candidate) -> FilterVerdict:
        if c.pattern is None:
            return FilterVerdict(False, f"unparsable filter pattern: {c.error}")
        pattern = c.pattern
        missed = [e.label for e in events if not pattern.matches(e.record)]
        if missed:
            near = len(missed) if len(missed) < len(events) else None
            return FilterVerdict(False, "does not match " + ", ".join(missed), missed=near)
        return FilterVerdict(True, "matches " + ", ".join(e.label for e in events))

    return accept


# --- the whole chain ----------------------------------------------------------------------------


def trail_chain(view: View, trail: Trail, accept: Acceptor, *, detail: bool = True) -> Outcome:
    """Follow one trail's chain; `detail` puts every filter and alarm in the facts."""
    facts = trail_facts(trail)
    pre = trail_prerequisites(view, trail)
    if isinstance(pre, Outcome):
        return _with(pre, facts)
    ref = pre
    filters = read(view, ref.account, METRIC_FILTERS, ref.region)
    if isinstance(filters, Outcome):
        return _with(filters, facts)
    on_group = [f for f in filters if f.log_group_name == ref.name]
    if not on_group:
        return Outcome(
            Status.FAIL,
            f"no metric filter on log group {ref.name} of trail {trail.name}",
            METRIC_FILTERS_NOT_PRESENT,
            {**facts, "metric_filters": []},
        )
    verdicts = [(c, accept(c)) for c in (candidate(f) for f in on_group)]
    accepted = [c for c, v in verdicts if v.ok]
    if detail or not accepted:
        facts["metric_filters"] = [_filter_facts(c, v) for c, v in verdicts]
    if not accepted:
        return Outcome(
            Status.FAIL,
            f"no metric filter on log group {ref.name} is valid ({_rejections(verdicts)})",
            METRIC_FILTER_NOT_VALID,
            facts,
        )
    alarms = read(view, ref.account, ALARMS, ref.region)
    if isinstance(alarms, Outcome):
        return _with(alarms, facts)
    outcomes: list[Outcome] = []
    metrics: list[str] = []
    for c in accepted:
        for mt in c.filter.metric_transformations:
            metric = MetricRef(namespace=mt.metric_namespace, metric_name=mt.metric_name)
            metrics.append(f"{metric.namespace}/{metric.metric_name}")
            for alarm in alarms:
                if metric in alarm.watches():
                    o = alarm_outcome(view, ref.account, ref.region, alarm)
                    path = {
                        "trail": trail.arn,
                        "log_group": ref.arn,
                        "metric_filter": c.filter.filter_name,
                        "metric": f"{metric.namespace}/{metric.metric_name}",
                        **o.path,
                    }
                    outcomes.append(
                        Outcome(o.status, o.why, o.reason_code, o.facts, o.errors, path)
                    )
    if not outcomes:
        return Outcome(
            Status.FAIL,
            f"no alarm watches the metric(s) {', '.join(metrics) or '(none)'} of the valid "
            "metric filter(s)",
            ALARMS_NOT_PRESENT,
            {**facts, "alarms": []},
        )
    top = best(outcomes)
    facts["alarms"] = [o.facts for o in outcomes] if detail else [top.facts]
    return Outcome(top.status, top.why, top.reason_code, facts, top.errors, top.path)


def _rejections(verdicts: Sequence[tuple[Candidate, FilterVerdict]]) -> str:
    """The rejected filters worth naming: unparsable ones and near misses (fewest missed)."""
    broken = [(c, v) for c, v in verdicts if c.pattern is None]
    near = sorted(
        ((c, v) for c, v in verdicts if c.pattern is not None and v.missed is not None),
        key=lambda cv: cv[1].missed or 0,
    )
    named = (broken[:3] + near[:3]) or list(verdicts[:1])
    parts = [f"{c.filter.filter_name}: {v.why}" for c, v in named]
    others = len(verdicts) - len(named)
    if others:
        parts.append(f"{others} other filter(s) match none of the required events")
    return "; ".join(parts)


def _filter_facts(c: Candidate, v: FilterVerdict) -> dict[str, Any]:
    return {
        "filterName": c.filter.filter_name,
        "filterPattern": c.filter.filter_pattern,
        "metrics": [
            f"{t.metric_namespace}/{t.metric_name}" for t in c.filter.metric_transformations
        ],
        "valid": v.ok,
        "why": v.why,
        **v.facts,
    }


def is_sns(arn: str) -> bool:
    return arn.startswith("arn:") and arn.split(":")[2:3] == ["sns"]


def alarm_outcome(view: View, account: str, region: str, alarm: MetricAlarm) -> Outcome:
    """Links 4 and 5 for one alarm (in `account` and `region`)."""
    facts: dict[str, Any] = {
        "AlarmName": alarm.alarm_name,
        "AlarmArn": alarm.alarm_arn,
        "ActionsEnabled": alarm.actions_enabled,
        "AlarmActions": list(alarm.alarm_actions),
    }
    name = alarm.alarm_name
    if not alarm.actions_enabled:
        return Outcome(
            Status.FAIL, f"alarm {name} has ActionsEnabled false", ALARM_ACTIONS_NOT_VALID, facts
        )
    topics = [a for a in alarm.alarm_actions if is_sns(a)]
    if not topics:
        return Outcome(
            Status.FAIL,
            f"alarm {name} has no SNS topic in AlarmActions",
            ALARM_ACTIONS_NOT_VALID,
            facts,
        )
    outcomes: list[Outcome] = []
    own = [t for t in topics if t.split(":")[4] == account]
    for t in topics:
        if t not in own:
            outcomes.append(
                Outcome(
                    Status.WARNING,
                    f"alarm {name} notifies topic {t} of another account, whose subscriptions "
                    "cannot be listed (its owner must grant sns:ListSubscriptionsByTopic)",
                    SNS_TOPIC_CROSS_ACCOUNT,
                    {"TopicArn": t, "cross_account": True},
                )
            )
    if own:
        subs = read(view, account, TOPIC_SUBSCRIPTIONS, region)
        if isinstance(subs, Outcome):
            outcomes.append(subs)
        else:
            outcomes.extend(_topic_outcome(name, t, subs.get(t), region) for t in own)
    top = best(outcomes)
    facts["topics"] = [o.facts for o in outcomes if o.facts]
    path = {"alarm": alarm.alarm_arn, **top.path}
    return Outcome(top.status, top.why, top.reason_code, facts, top.errors, path)


def _topic_outcome(alarm: str, arn: str, entry: TopicSubscriptions | None, region: str) -> Outcome:
    if entry is None:
        err = CollectionError.not_collected(
            f"no subscription listing for {arn}",
            operation="ListSubscriptionsByTopic",
            iam_action="sns:ListSubscriptionsByTopic",
            region=region,
        )
        return Outcome(Status.ERROR, f"subscriptions of {arn} were not collected", errors=(err,))
    if entry.state is TopicState.CROSS_ACCOUNT:
        return Outcome(
            Status.WARNING,
            f"topic {arn} belongs to another account",
            SNS_TOPIC_CROSS_ACCOUNT,
            {"TopicArn": arn, "cross_account": True},
        )
    if entry.state is TopicState.NOT_FOUND:
        return Outcome(
            Status.FAIL,
            f"alarm {alarm} notifies topic {arn}, which does not exist",
            SNS_TOPIC_INVALID,
            {"TopicArn": arn, "exists": False},
        )
    confirmed = [s for s in entry.subscriptions if s.confirmed]
    facts = {
        "TopicArn": arn,
        "confirmed_subscriptions": len(confirmed),
        "pending_subscriptions": len(entry.subscriptions) - len(confirmed),
        "protocols": sorted({s.protocol for s in confirmed}),
    }
    if not confirmed:
        pending = len(entry.subscriptions)
        return Outcome(
            Status.FAIL,
            f"alarm {alarm} notifies topic {arn}, which has no confirmed subscription"
            + (f" ({pending} pending confirmation)" if pending else ""),
            SNS_SUBSCRIPTION_NOT_PRESENT,
            facts,
        )
    return Outcome(
        Status.PASS,
        f"alarm {alarm} notifies topic {arn} with {len(confirmed)} confirmed subscription(s)",
        facts=facts,
        path={"topic": arn},
    )


# --- EventBridge rules --------------------------------------------------------------------------


@dataclass(frozen=True)
class RuleMatch:
    """Rules whose pattern matches every given event: usable ones, and the others with why."""

    covering: tuple[str, ...]
    unusable: tuple[dict[str, Any], ...] = ()
    invalid: tuple[dict[str, Any], ...] = ()


def rules_matching(rules: Iterable[EventRule], envelopes: Sequence[Mapping[str, Any]]) -> RuleMatch:
    """Enabled rules on the default bus with a target whose pattern matches every envelope."""
    covering: list[str] = []
    unusable: list[dict[str, Any]] = []
    invalid: list[dict[str, Any]] = []
    for rule in rules:
        if not rule.event_pattern:
            continue  # scheduled rule
        try:
            pattern = parse_event_pattern(rule.event_pattern)
        except EventPatternError as exc:
            invalid.append({"rule": rule.name, "error": str(exc)})
            continue
        if not all(pattern.matches(e) for e in envelopes):
            continue
        problems = []
        if rule.event_bus_name != "default":
            problems.append(f"on event bus {rule.event_bus_name}")
        if not rule.enabled:
            problems.append(f"state {rule.state}")
        if not rule.targets:
            problems.append("no targets")
        if problems:
            unusable.append({"rule": rule.name, "problems": problems})
        else:
            covering.append(rule.name)
    return RuleMatch(tuple(covering), tuple(unusable), tuple(invalid))


def cloudtrail_envelopes(events: Sequence[CorpusEvent]) -> list[dict[str, Any]]:
    return [eventbridge_event(e.record) for e in events]
