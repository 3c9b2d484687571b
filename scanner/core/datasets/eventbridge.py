"""EventBridge rules on the default event bus, with their targets, per region."""

from __future__ import annotations

from scanner.core.dataset import Dataset, Scope
from scanner.core.model import Frozen

ENABLED_STATES = frozenset({"ENABLED", "ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS"})


class RuleTarget(Frozen):
    id: str
    arn: str


class EventRule(Frozen):
    """A rule as ListRules returns it, plus ListTargetsByRule."""

    name: str
    arn: str
    state: str
    event_pattern: str | None = None
    schedule_expression: str | None = None
    event_bus_name: str = "default"
    managed_by: str | None = None
    targets: tuple[RuleTarget, ...] = ()

    @property
    def enabled(self) -> bool:
        return self.state in ENABLED_STATES


EVENT_RULES: Dataset[list[EventRule]] = Dataset(
    "events.rules",
    Scope.REGION,
    list[EventRule],
    "ListRules on the default event bus and ListTargetsByRule for each rule, in each region",
)
