"""Critical API calls raise an alert in real time (our own check, one finding per account).

For every event of CRITICAL_EVENTS, at least one real-time path must exist:

- a metric-filter chain (checks.lib.alarm_chain): a multi-Region trail that records the
  account's activity (its own, or the Organization's trail: the chain is then in the trail
  owner's account), logging all management events to a log group; a metric filter there that
  matches the sample events; an alarm on its metric with actions enabled and an SNS topic with a
  confirmed subscription. A multi-Region trail records every region, so one chain covers all.
- or EventBridge rules of the account itself (default bus, enabled, at least one target) whose
  pattern matches the sample events, in every region where the event is delivered: us-east-1
  for global services (IAM) and sign-in; each scanned region of the account for regional
  services (KMS, EC2, CloudTrail), since a regional call can happen in any of them.

Samples (checks.lib.cloudtrail_events): the call made successfully by a role session, in each
region where it is delivered; root ConsoleLogin: a successful root sign-in with and without MFA.

Per event: PASS if covered; ERROR when an uncovered event's path could not be evaluated (failed
call); WARNING when it could only be covered through something outside the scan (another
account's SNS topic, an account or region not scanned); else FAIL. The account FAILs if any
event is definitely uncovered; the evidence lists each event's paths.

The list is configuration: edit CRITICAL_EVENTS, or build a variant check with make_check().
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from checks.lib.alarm_chain import (
    Outcome,
    best,
    cloudtrail_envelopes,
    matches_all,
    rules_matching,
    trail_chain,
)
from checks.lib.cloudtrail_events import GLOBAL_REGION, GLOBAL_SOURCES, CorpusEvent, sample_events
from checks.lib.trails import visible_trails
from scanner.core.check import Check
from scanner.core.dataset import Scope
from scanner.core.datasets.cloudtrail import TRAIL_SELECTORS, TRAIL_STATUS, TRAILS
from scanner.core.datasets.cloudwatch import ALARMS
from scanner.core.datasets.eventbridge import EVENT_RULES, EventRule
from scanner.core.datasets.metric_filters import METRIC_FILTERS
from scanner.core.datasets.sns import TOPIC_SUBSCRIPTIONS
from scanner.core.model import CollectionError, Result, Severity, Status
from scanner.core.view import EVIDENCE_CALLS, View, error_result


@dataclass(frozen=True)
class CriticalEvent:
    """A call that must alert: its CloudTrail source and name (root: made by the root user)."""

    label: str
    event_source: str
    event_name: str
    root: bool = False

    @property
    def global_service(self) -> bool:
        return self.event_source in GLOBAL_SOURCES


CRITICAL_EVENTS: tuple[CriticalEvent, ...] = (
    CriticalEvent("kms:ScheduleKeyDeletion", "kms.amazonaws.com", "ScheduleKeyDeletion"),
    CriticalEvent("kms:DisableKey", "kms.amazonaws.com", "DisableKey"),
    CriticalEvent("iam:DeleteRole", "iam.amazonaws.com", "DeleteRole"),
    CriticalEvent("iam:AttachRolePolicy", "iam.amazonaws.com", "AttachRolePolicy"),
    CriticalEvent("iam:PutRolePolicy", "iam.amazonaws.com", "PutRolePolicy"),
    CriticalEvent(
        "ec2:AuthorizeSecurityGroupIngress", "ec2.amazonaws.com", "AuthorizeSecurityGroupIngress"
    ),
    CriticalEvent("cloudtrail:StopLogging", "cloudtrail.amazonaws.com", "StopLogging"),
    CriticalEvent("cloudtrail:DeleteTrail", "cloudtrail.amazonaws.com", "DeleteTrail"),
    CriticalEvent("cloudtrail:UpdateTrail", "cloudtrail.amazonaws.com", "UpdateTrail"),
    CriticalEvent("signin:ConsoleLogin (root)", "signin.amazonaws.com", "ConsoleLogin", root=True),
)

_ORDER = {Status.FAIL: 0, Status.ERROR: 1, Status.WARNING: 2, Status.PASS: 3}


@dataclass(frozen=True)
class EventCoverage:
    status: Status
    facts: dict[str, Any]
    errors: tuple[CollectionError, ...] = ()


def delivery_regions(event: CriticalEvent, view: View) -> tuple[str, ...]:
    """Where the event reaches EventBridge: us-east-1 for global services, else every region."""
    return (GLOBAL_REGION,) if event.global_service else view.regions


def _samples(event: CriticalEvent, account: str, region: str) -> tuple[CorpusEvent, ...]:
    return sample_events(
        event.event_source, event.event_name, account=account, region=region, root=event.root
    )


def _metric_filter_path(
    view: View, event: CriticalEvent, regions: Sequence[str], trails: Sequence[Any]
) -> Outcome:
    samples = [s for r in regions for s in _samples(event, view.account_id, r)]
    if not trails:
        return Outcome(Status.FAIL, "no multi-Region trail records the account's activity")
    outcomes = [trail_chain(view, t, matches_all(samples), detail=False) for t in trails]
    return best(outcomes)


def _eventbridge_path(view: View, event: CriticalEvent, regions: Sequence[str]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for region in regions:
        if region not in view.regions:
            out[region] = {"covered": False, "why": f"region {region} was not scanned"}
            continue
        envelopes = cloudtrail_envelopes(_samples(event, view.account_id, region))
        rules: list[EventRule] = view.get(EVENT_RULES, region)
        match = rules_matching(rules, envelopes)
        entry: dict[str, Any] = {"covered": bool(match.covering), "rules": list(match.covering)}
        if match.unusable:
            entry["matching_but_unusable"] = list(match.unusable)
        if match.invalid:
            entry["invalid_patterns"] = list(match.invalid)
        out[region] = entry
    return out


def _coverage(
    view: View,
    event: CriticalEvent,
    trails: Sequence[Any],
    trail_errors: tuple[CollectionError, ...],
) -> EventCoverage:
    regions = delivery_regions(event, view)
    mf = _metric_filter_path(view, event, regions, trails)
    eb = _eventbridge_path(view, event, regions)
    facts: dict[str, Any] = {
        "event": event.label,
        "delivered_in": list(regions),
        "metric_filter": {"status": mf.status.value, "why": mf.why, "path": mf.path},
        "eventbridge": eb,
    }
    eb_ok = all(e["covered"] for e in eb.values())
    if mf.status is Status.PASS or eb_ok:
        facts["covered_by"] = (["metric filter"] if mf.status is Status.PASS else []) + (
            ["EventBridge"] if eb_ok else []
        )
        return EventCoverage(Status.PASS, facts)
    if mf.status is Status.ERROR or trail_errors:
        return EventCoverage(Status.ERROR, facts, tuple(dict.fromkeys(mf.errors + trail_errors)))
    unscanned = any(r not in view.regions for r in regions)
    if mf.status is Status.WARNING or unscanned:
        return EventCoverage(Status.WARNING, facts)
    return EventCoverage(Status.FAIL, facts)


def make_check(
    events: Sequence[CriticalEvent] = CRITICAL_EVENTS, check_id: str = "critical_api_alerting"
) -> Check:
    """The check for a given list of critical events."""
    chosen = tuple(events)

    def evaluate(view: View) -> Iterator[Result]:
        visible = visible_trails(view)
        trails = [vt.trail for vt in visible.trails if vt.trail.is_multi_region]
        results = [(ev, _coverage(view, ev, trails, visible.errors)) for ev in chosen]
        status = min((c.status for _, c in results), key=lambda s: _ORDER[s], default=Status.PASS)
        by_status: dict[Status, list[str]] = {}
        for ev, c in results:
            by_status.setdefault(c.status, []).append(ev.label)
        parts = []
        if by_status.get(Status.FAIL):
            parts.append("uncovered: " + ", ".join(by_status[Status.FAIL]))
        if by_status.get(Status.ERROR):
            parts.append("not evaluable (missing data): " + ", ".join(by_status[Status.ERROR]))
        if by_status.get(Status.WARNING):
            parts.append("unverifiable: " + ", ".join(by_status[Status.WARNING]))
        covered = len(by_status.get(Status.PASS, []))
        reason = f"{covered} of {len(chosen)} critical API calls alert in real time"
        reason += ("; " + "; ".join(parts) + ".") if parts else "."
        errors = tuple(dict.fromkeys(e for _, c in results for e in c.errors))
        evidence: dict[str, Any] = {
            "api": [
                "cloudtrail:DescribeTrails",
                "cloudtrail:GetTrailStatus",
                "cloudtrail:GetEventSelectors",
                "logs:DescribeMetricFilters",
                "cloudwatch:DescribeAlarms",
                "sns:ListSubscriptionsByTopic",
                "events:ListRules",
                "events:ListTargetsByRule",
            ],
            "trails": [vt.trail.arn for vt in visible.trails if vt.trail.is_multi_region],
            "events": [{**c.facts, "status": c.status.value} for _, c in results],
        }
        if status is Status.ERROR:
            yield error_result(view.account_resource(), errors, evidence, lead=reason[:-1])
            return
        if errors:
            evidence["failed_calls"] = [e.model_dump() for e in errors[:EVIDENCE_CALLS]]
        yield Result(
            status=status, resource=view.account_resource(), reason=reason, evidence=evidence
        )

    return Check(
        id=check_id,
        title="Critical API calls should raise a real-time alert",
        severity=Severity.MEDIUM,
        resource_type="AwsAccount",
        scope=Scope.ACCOUNT,
        requires=(
            TRAILS,
            TRAIL_STATUS,
            TRAIL_SELECTORS,
            METRIC_FILTERS,
            ALARMS,
            TOPIC_SUBSCRIPTIONS,
            EVENT_RULES,
        ),
        evaluate=evaluate,
        rationale="Key deletion, IAM privilege changes, opening security groups, stopping or "
        "changing CloudTrail and root sign-in must reach a responder within minutes; logs that "
        "nobody watches only help after the damage is done.",
        remediation="For each uncovered call, add an EventBridge rule on the default bus "
        "(in us-east-1 for IAM and sign-in, in every region for regional services), e.g. "
        '{"source":["aws.kms"],"detail-type":["AWS API Call via CloudTrail"],'
        '"detail":{"eventName":["ScheduleKeyDeletion","DisableKey"]}}, with an SNS or SIEM '
        "target; or a metric filter and alarm on the CloudTrail log group of a multi-Region "
        "trail, with a subscribed SNS topic.",
    )


CHECK = make_check()
