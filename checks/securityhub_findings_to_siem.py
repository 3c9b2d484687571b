"""Security Hub findings reach a SIEM: an EventBridge rule forwards imported findings (our own).

Per account and region (scope REGION): Security Hub sends "Security Hub Findings - Imported"
events to EventBridge in the region where the finding is imported, so each region needs an
enabled rule on the default bus, with at least one target, whose pattern matches such an event
(a sample CRITICAL, FAILED, NEW, ACTIVE control finding: a rule that forwards only the severe
findings passes, one that filters them out does not). Cross-Region aggregation is not collected,
so a region relying on an aggregation region FAILs rather than PASSing on an assumption.
"""

from __future__ import annotations

from collections.abc import Iterator

from checks.lib.alarm_chain import rules_matching
from checks.lib.cloudtrail_events import securityhub_finding_event
from scanner.core.check import Check
from scanner.core.dataset import Scope
from scanner.core.datasets.eventbridge import EVENT_RULES, EventRule
from scanner.core.model import Result, Severity, Status
from scanner.core.view import View


def evaluate(view: View) -> Iterator[Result]:
    region = view.region or view.home_region
    sample = securityhub_finding_event(view.account_id, region)
    rules: list[EventRule] = view.get(EVENT_RULES)
    match = rules_matching(rules, [sample])
    evidence = {
        "api": ["events:ListRules", "events:ListTargetsByRule"],
        "sample_event": {"source": sample["source"], "detail-type": sample["detail-type"]},
        "covering_rules": list(match.covering),
        "matching_but_unusable": list(match.unusable),
        "invalid_patterns": list(match.invalid),
    }
    if match.covering:
        reason = "Imported findings are forwarded by EventBridge rule(s) " + ", ".join(
            match.covering
        )
    elif match.unusable:
        why = "; ".join(f"{u['rule']}: {', '.join(u['problems'])}" for u in match.unusable)
        reason = f"Rules match imported findings but forward nothing ({why})"
    else:
        reason = "No EventBridge rule forwards Security Hub findings from this region"
    yield Result(
        status=Status.PASS if match.covering else Status.FAIL,
        resource=view.account_resource(),
        reason=reason + ".",
        evidence=evidence,
    )


CHECK = Check(
    id="securityhub_findings_to_siem",
    title="Security Hub findings should be forwarded to a SIEM or ticketing system",
    severity=Severity.LOW,
    resource_type="AwsAccount",
    scope=Scope.REGION,
    requires=(EVENT_RULES,),
    evaluate=evaluate,
    rationale="Findings that stay in the Security Hub console are seen late or never; "
    "forwarding them to the SIEM puts them in the responders' queue.",
    remediation="aws events put-rule --name securityhub-to-siem --event-pattern "
    '\'{"source":["aws.securityhub"],"detail-type":["Security Hub Findings - Imported"]}\' '
    "and aws events put-targets --rule securityhub-to-siem --targets Id=siem,Arn=<target-arn> "
    "(in every region where findings are imported)",
)
