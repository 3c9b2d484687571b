"""Service logging collectors against moto: API Gateway (REST, HTTP, WebSocket), Step Functions,
CodeBuild, Amazon MQ, AppSync; logged and unlogged resources, denied listings and sub-calls."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from scanner.core.datasets.apigateway import APIGW_REST_APIS, APIGW_V2_APIS
from scanner.core.evaluate import evaluate
from scanner.core.findings import Finding
from scanner.core.frameworks import Frameworks
from scanner.core.inventory import Inventory
from scanner.core.registry import all_checks, select_checks
from scanner.demo.seed_apps import seed_services
from tests.conftest import DEFAULT_ACCOUNT, Faults

CHECKS = (
    "APIGateway.1",
    "APIGateway.9",
    "StepFunctions.1",
    "CodeBuild.4",
    "MQ.2",
    "AppSync.2",
)


def _findings(inv: Inventory) -> list[Finding]:
    return list(evaluate(inv, select_checks(all_checks(), list(CHECKS)), Frameworks(())))


def _by_region(inv: Inventory) -> dict[tuple[str, str], list[str]]:
    out: dict[tuple[str, str], list[str]] = {}
    for f in _findings(inv):
        out.setdefault((f.control_id or f.check_id, f.region), []).append(f.status.value)
    return {k: sorted(v) for k, v in out.items()}


def _seed(client: Callable[..., Any]) -> None:
    seed_services(client, "us-east-1", DEFAULT_ACCOUNT, logged=True)
    seed_services(client, "eu-west-1", DEFAULT_ACCOUNT, logged=False)


def test_logged_and_unlogged_resources_per_region(
    account_client: Callable[..., Any], scan_inventory: Callable[..., Inventory]
) -> None:
    _seed(account_client)
    inv = scan_inventory(CHECKS)
    acct = inv.account(DEFAULT_ACCOUNT)
    assert acct is not None
    rest = acct.record(APIGW_REST_APIS.name, "us-east-1")
    assert rest is not None and rest.error is None
    (api,) = APIGW_REST_APIS.load(rest.data)
    assert api.stages[0].method_logging == {"*/*": "INFO"}
    v2 = acct.record(APIGW_V2_APIS.name, "eu-west-1")
    assert v2 is not None and v2.error is None
    assert sorted(a.protocol_type for a in APIGW_V2_APIS.load(v2.data)) == ["HTTP", "WEBSOCKET"]
    assert _by_region(inv) == {
        ("APIGateway.1", "us-east-1"): ["PASS", "PASS"],  # the REST stage and the WebSocket stage
        ("APIGateway.1", "eu-west-1"): ["FAIL", "FAIL"],
        ("APIGateway.9", "us-east-1"): ["PASS", "PASS"],  # the HTTP stage and the WebSocket stage
        ("APIGateway.9", "eu-west-1"): ["FAIL", "FAIL"],
        ("StepFunctions.1", "us-east-1"): ["PASS"],
        ("StepFunctions.1", "eu-west-1"): ["FAIL"],
        ("CodeBuild.4", "us-east-1"): ["PASS"],
        ("CodeBuild.4", "eu-west-1"): ["FAIL"],
        ("MQ.2", "us-east-1"): ["PASS"],
        ("MQ.2", "eu-west-1"): ["FAIL"],
        ("AppSync.2", "us-east-1"): ["PASS"],
        ("AppSync.2", "eu-west-1"): ["FAIL"],
    }


def test_denied_sub_calls_are_error_on_each_resource(
    account_client: Callable[..., Any],
    scan_inventory: Callable[..., Inventory],
    faults: Faults,
) -> None:
    _seed(account_client)
    faults.deny("GetStages", "DescribeStateMachine", "DescribeBroker")
    faults.deny("BatchGetProjects", code="AccessDeniedException")
    findings = _findings(scan_inventory(CHECKS))
    judged = [f for f in findings if f.control_id != "AppSync.2"]
    assert judged and {f.status.value for f in judged} == {"ERROR"}
    # The error is on the resource (the API, machine, project, broker), not the account.
    assert "AwsAccount" not in {f.resource.type for f in judged}
    assert {e.iam_action for f in judged for e in f.errors} == {
        "apigateway:GET",
        "states:DescribeStateMachine",
        "codebuild:BatchGetProjects",
        "mq:DescribeBroker",
    }
    # AppSync needs no sub-call: still judged.
    assert {f.status.value for f in findings if f.control_id == "AppSync.2"} == {"PASS", "FAIL"}


def test_denied_listings_are_error_never_fail(
    account_client: Callable[..., Any],
    scan_inventory: Callable[..., Inventory],
    faults: Faults,
) -> None:
    _seed(account_client)
    faults.deny("GetRestApis", "GetApis", "ListStateMachines", "ListProjects", "ListBrokers")
    faults.deny("ListGraphqlApis", code="AccessDeniedException")
    findings = _findings(scan_inventory(CHECKS))
    assert findings and {f.status.value for f in findings} == {"ERROR"}
    assert {e.iam_action for f in findings for e in f.errors} == {
        "apigateway:GET",
        "states:ListStateMachines",
        "codebuild:ListProjects",
        "mq:ListBrokers",
        "appsync:ListGraphqlApis",
    }
