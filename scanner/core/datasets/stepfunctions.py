"""Step Functions datasets: state machines with their logging configuration."""

from __future__ import annotations

from scanner.core.dataset import Dataset, Scope
from scanner.core.model import Collected

#: Step Functions log levels, from logging the most to nothing.
LOG_LEVELS = ("ALL", "ERROR", "FATAL", "OFF")


class StateMachine(Collected):
    """A state machine (ListStateMachines) and its loggingConfiguration (DescribeStateMachine;
    `log_level` and `log_destinations` are unavailable when that call failed)."""

    arn: str
    name: str = ""
    type: str | None = None
    log_level: str | None = None
    include_execution_data: bool | None = None
    log_destinations: tuple[str, ...] = ()


STATE_MACHINES: Dataset[list[StateMachine]] = Dataset(
    "stepfunctions.state_machines",
    Scope.REGION,
    list[StateMachine],
    "ListStateMachines, and DescribeStateMachine for each, in each region",
)
