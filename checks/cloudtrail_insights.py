"""CloudTrail Insights is enabled on a logging multi-Region trail that covers the account.

Not a Security Hub control. PASS if a logging multi-Region trail (own, or an organization trail
that covers the account) has at least one insight type (ApiCallRateInsight,
ApiErrorRateInsight); FAIL otherwise, saying whether there is no multi-Region trail at all.
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import partial

from checks.lib.trails import Judgement, account_result, logging_trail, trail_data, visible_trails
from scanner.core.check import Check
from scanner.core.dataset import Scope
from scanner.core.datasets.cloudtrail import TRAIL_INSIGHTS, TRAIL_STATUS, TRAILS, Trail
from scanner.core.model import Result, Severity
from scanner.core.view import View


def judge(view: View, trail: Trail) -> Judgement:
    base = logging_trail(view, trail)
    if not base.ok:
        return base
    insights = trail_data(view, trail, TRAIL_INSIGHTS)
    if insights.value is None:
        return Judgement(False, "insight selectors unavailable", base.facts, insights.errors)
    types = list(insights.value.insight_types)
    facts = {**base.facts, "InsightTypes": types, "insights_from_account": insights.account}
    return Judgement(bool(types), "Insights enabled" if types else "Insights not enabled", facts)


def evaluate(view: View) -> Iterator[Result]:
    visible = visible_trails(view)
    multi = any(v.trail.is_multi_region for v in visible.trails)
    yield account_result(
        view,
        visible,
        partial(judge, view),
        apis=(
            "cloudtrail:DescribeTrails",
            "cloudtrail:GetTrailStatus",
            "cloudtrail:GetInsightSelectors",
        ),
        passed="CloudTrail Insights is enabled on a logging multi-Region trail",
        failed=(
            "No logging multi-Region trail has CloudTrail Insights enabled"
            if multi
            else "There is no multi-Region trail, so no trail can run CloudTrail Insights"
        ),
    )


CHECK = Check(
    id="cloudtrail_insights",
    title="CloudTrail Insights should be enabled on a multi-Region trail",
    severity=Severity.LOW,
    resource_type="AwsAccount",
    scope=Scope.ACCOUNT,
    requires=(TRAILS, TRAIL_STATUS, TRAIL_INSIGHTS),
    evaluate=evaluate,
    rationale="Insights detects unusual API call and error rates (credential misuse, runaway "
    "automation) that fixed metric filters miss.",
    remediation="aws cloudtrail put-insight-selectors --trail-name <trail> --insight-selectors "
    '\'[{"InsightType":"ApiCallRateInsight"},{"InsightType":"ApiErrorRateInsight"}]\'',
    remediation_url="https://docs.aws.amazon.com/awscloudtrail/latest/userguide/logging-insights-events-with-cloudtrail.html",
)
