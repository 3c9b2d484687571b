"""Step Functions collectors: state machines and their logging configuration, per region."""

from __future__ import annotations

from scanner.aws.collector import Collector, on
from scanner.aws.engine import CollectContext
from scanner.aws.services._subcalls import Failed, sub_call
from scanner.core.datasets.stepfunctions import STATE_MACHINES, StateMachine

_LOG_FIELDS = ("log_level", "include_execution_data", "log_destinations")


def fetch_state_machines(ctx: CollectContext) -> list[StateMachine]:
    client = ctx.client("stepfunctions")
    out: list[StateMachine] = []
    # states:ListStateMachines
    for item in ctx.paginate("stepfunctions", "list_state_machines", "stateMachines"):
        arn = str(item["stateMachineArn"])
        base = {"arn": arn, "name": str(item.get("name", "")), "type": item.get("type")}
        raw = sub_call(
            ctx.region,
            _LOG_FIELDS,
            lambda: client.describe_state_machine(stateMachineArn=arn),  # noqa: B023 - states:DescribeStateMachine
        )
        if isinstance(raw, Failed):
            out.append(StateMachine(**base, errors=raw.errors))
            continue
        logging = raw.get("loggingConfiguration") or {}
        destinations = tuple(
            str(d["cloudWatchLogsLogGroup"]["logGroupArn"])
            for d in logging.get("destinations") or ()
            if (d.get("cloudWatchLogsLogGroup") or {}).get("logGroupArn")
        )
        out.append(
            StateMachine(
                **{**base, "type": raw.get("type") or base["type"]},
                log_level=logging.get("level") or None,
                include_execution_data=logging.get("includeExecutionData"),
                log_destinations=destinations,
            )
        )
    return sorted(out, key=lambda m: m.arn)


COLLECTORS = (
    Collector(
        STATE_MACHINES,
        ("states:ListStateMachines", "states:DescribeStateMachine"),
        fetch_state_machines,
        events=on(
            "states.amazonaws.com", "CreateStateMachine", "UpdateStateMachine", "DeleteStateMachine"
        ),
    ),
)
