"""StepFunctions.1: Step Functions state machines have logging turned on.

Security Hub control StepFunctions.1, "Step Functions state machines should have logging turned
on" (severity Medium; AWS Config rule step-functions-state-machine-logging-enabled; resource type
AWS::StepFunctions::StateMachine). Parameter `logLevel`, "minimum logging level" (ALL, ERROR,
FATAL; no default value): without it any level but OFF passes; given, the machine must log at
that level or a more verbose one (ALL logs everything ERROR does, ERROR everything FATAL does).
A level other than OFF without any CloudWatch Logs destination fails (nothing is delivered: no
false PASS). One finding per state machine; one whose DescribeStateMachine failed is ERROR.
"""

from __future__ import annotations

from collections.abc import Iterator

from checks.lib.service_resources import each_judged, regional_resource
from scanner.core.check import Check
from scanner.core.dataset import Scope
from scanner.core.datasets.stepfunctions import LOG_LEVELS, STATE_MACHINES, StateMachine
from scanner.core.model import Resource, Result, Severity, Status
from scanner.core.view import View

LOG_LEVEL: str | None = None
"""Security Hub's `logLevel` parameter (no default: any level but OFF passes). Configurable:
change this constant, or call `build_check(log_level=...)` with ALL, ERROR or FATAL."""


def evaluate(view: View, log_level: str | None = LOG_LEVEL) -> Iterator[Result]:
    """One result per state machine in this account and region."""

    def decide(machine: StateMachine, resource: Resource) -> Result:
        level = machine.log_level or "OFF"
        destinations = machine.log_destinations
        evidence = {
            "api": ["states:ListStateMachines", "states:DescribeStateMachine"],
            "loggingConfiguration.level": machine.log_level,
            "loggingConfiguration.destinations": list(destinations),
            "logLevel_parameter": log_level,
        }
        if level == "OFF":
            status, reason = Status.FAIL, "Logging is off (level OFF)."
        elif not destinations:
            status, reason = Status.FAIL, f"Level {level} but no CloudWatch Logs destination."
        elif log_level and _rank(level) > _rank(log_level):
            status, reason = Status.FAIL, f"Logging level {level} is less than {log_level}."
        else:
            status, reason = Status.PASS, f"Logging at {level} to {destinations[0]}."
        return Result(status=status, resource=resource, reason=reason, evidence=evidence)

    items = view.get(STATE_MACHINES)
    yield from each_judged(
        view,
        items,
        lambda m: regional_resource(view, "AwsStepFunctionStateMachine", m.arn),
        decide,
    )


def _rank(level: str) -> int:
    """Lower is more verbose; an unknown level counts as OFF."""
    return LOG_LEVELS.index(level) if level in LOG_LEVELS else len(LOG_LEVELS) - 1


def build_check(log_level: str | None = LOG_LEVEL) -> Check:
    if log_level is not None and log_level not in LOG_LEVELS[:-1]:
        raise ValueError(f"logLevel must be one of ALL, ERROR, FATAL, not {log_level!r}")

    def run(view: View) -> Iterator[Result]:
        return evaluate(view, log_level)

    return Check(
        id="stepfunctions_logging",
        control_id="StepFunctions.1",
        title="Step Functions state machines should have logging turned on",
        severity=Severity.MEDIUM,
        resource_type="AwsStepFunctionStateMachine",
        scope=Scope.REGION,
        requires=(STATE_MACHINES,),
        evaluate=run,
        rationale="Execution history in CloudWatch Logs shows what each workflow did and why it "
        "failed, beyond the 90 days Step Functions keeps it.",
        remediation="aws stepfunctions update-state-machine --state-machine-arn <arn> "
        "--logging-configuration level=ERROR,destinations=[{cloudWatchLogsLogGroup="
        "{logGroupArn=<log-group-arn>}}]",
        remediation_url="https://docs.aws.amazon.com/securityhub/latest/userguide/stepfunctions-controls.html#stepfunctions-1",
    )


CHECK = build_check()
