"""StepFunctions.1: state machines log to CloudWatch Logs, at least at the logLevel parameter."""

from __future__ import annotations

import pytest

from checks.stepfunctions_logging import CHECK, build_check
from scanner.core.check import Check
from scanner.core.datasets.stepfunctions import STATE_MACHINES, StateMachine
from scanner.core.model import CollectionError
from tests.builders import MGMT, InventoryBuilder, run

HOME = "us-east-1"
GROUP = ("arn:aws:logs:us-east-1:111111111111:log-group:sfn:*",)


def machine(name: str, level: str | None, destinations: tuple[str, ...] = GROUP) -> StateMachine:
    arn = f"arn:aws:states:us-east-1:111111111111:stateMachine:{name}"
    return StateMachine(arn=arn, name=name, log_level=level, log_destinations=destinations)


MACHINES = [
    machine("all", "ALL"),
    machine("error", "ERROR"),
    machine("fatal", "FATAL"),
    machine("off", "OFF"),
    machine("unset", None, ()),
    machine("nowhere", "ALL", ()),
]


def statuses(check: Check = CHECK, machines: list[StateMachine] = MACHINES) -> dict[str, str]:
    b = InventoryBuilder(regions=(HOME,))
    b.account(MGMT).put(STATE_MACHINES, machines)
    return {f.resource.id.rsplit(":", 1)[-1]: f.status.value for f in run(check, b)}


def test_any_level_but_off_passes_without_parameter() -> None:
    assert statuses() == {
        "all": "PASS",
        "error": "PASS",
        "fatal": "PASS",
        "off": "FAIL",
        "unset": "FAIL",
        "nowhere": "FAIL",  # a level but no destination: nothing is delivered
    }


@pytest.mark.parametrize(
    ("minimum", "expected"),
    [
        ("ALL", {"all": "PASS", "error": "FAIL", "fatal": "FAIL"}),
        ("ERROR", {"all": "PASS", "error": "PASS", "fatal": "FAIL"}),
        ("FATAL", {"all": "PASS", "error": "PASS", "fatal": "PASS"}),
    ],
)
def test_log_level_parameter_is_a_minimum(minimum: str, expected: dict[str, str]) -> None:
    got = statuses(build_check(minimum))
    assert {k: got[k] for k in expected} == expected
    assert got["off"] == "FAIL"


def test_parameter_outside_the_allowed_values_is_refused() -> None:
    with pytest.raises(ValueError, match="logLevel"):
        build_check("OFF")


def test_no_state_machines_no_findings() -> None:
    assert statuses(machines=[]) == {}


def test_denied_describe_is_error_for_that_machine_only() -> None:
    err = CollectionError(
        operation="DescribeStateMachine",
        iam_action="states:DescribeStateMachine",
        code="AccessDeniedException",
        message="x",
    )
    broken = StateMachine(
        arn="arn:aws:states:us-east-1:111111111111:stateMachine:broken",
        errors=StateMachine.failed(err, "log_level", "include_execution_data", "log_destinations"),
    )
    assert statuses(machines=[broken, machine("all", "ALL")]) == {"broken": "ERROR", "all": "PASS"}


def test_denied_listing_is_error() -> None:
    b = InventoryBuilder(regions=(HOME,))
    b.account(MGMT).fail(
        STATE_MACHINES, operation="ListStateMachines", iam_action="states:ListStateMachines"
    )
    findings = run(CHECK, b)
    assert [f.status.value for f in findings] == ["ERROR"]
    assert findings[0].errors[0].iam_action == "states:ListStateMachines"
