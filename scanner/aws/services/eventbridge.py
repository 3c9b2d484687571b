"""EventBridge collector: rules on the default bus and their targets, per region."""

from __future__ import annotations

from botocore.exceptions import ClientError

from scanner.aws.collector import Collector, on
from scanner.aws.engine import CollectContext
from scanner.core.datasets.eventbridge import EVENT_RULES, EventRule, RuleTarget


def fetch_rules(ctx: CollectContext) -> list[EventRule]:

    rules: list[EventRule] = []
    for raw in ctx.paginate("events", "list_rules", "Rules", EventBusName="default"):
        try:
            targets = ctx.paginate(
                "events",
                "list_targets_by_rule",
                "Targets",
                Rule=raw["Name"],
                EventBusName="default",
            )
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") == "ResourceNotFoundException":
                continue  # deleted between the two calls
            raise
        rules.append(
            EventRule(
                name=raw["Name"],
                arn=raw["Arn"],
                state=raw.get("State") or "DISABLED",
                event_pattern=raw.get("EventPattern") or None,
                schedule_expression=raw.get("ScheduleExpression") or None,
                event_bus_name=raw.get("EventBusName") or "default",
                managed_by=raw.get("ManagedBy") or None,
                targets=tuple(RuleTarget(id=t["Id"], arn=t["Arn"]) for t in targets),
            )
        )
    return sorted(rules, key=lambda r: r.name)


COLLECTORS = (
    Collector(
        EVENT_RULES,
        ("events:ListRules", "events:ListTargetsByRule"),
        fetch_rules,
        events=on(
            "events.amazonaws.com",
            "PutRule",
            "DeleteRule",
            "EnableRule",
            "DisableRule",
            "PutTargets",
            "RemoveTargets",
        ),
    ),
)
