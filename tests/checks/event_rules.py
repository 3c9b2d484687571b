"""EventBridge rules as hand-built inventories for check tests."""

from __future__ import annotations

import json
from typing import Any

from scanner.core.datasets.eventbridge import EventRule, RuleTarget
from tests.builders import MGMT
from tests.checks.alarms import topic_arn
from tests.checks.trails import HOME


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
