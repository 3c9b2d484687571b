"""APIGateway.9: every HTTP and WebSocket API stage has an access log destination."""

from __future__ import annotations

from checks.apigateway_v2_access_logging import CHECK
from scanner.core.datasets.apigateway import APIGW_V2_APIS, V2Api, V2Stage
from scanner.core.model import Collected, CollectionError
from tests.builders import MEMBER, MGMT, InventoryBuilder, run

HOME = "us-east-1"
DEST = "arn:aws:logs:us-east-1:111111111111:log-group:access"


def api(api_id: str, protocol: str, *stages: V2Stage) -> V2Api:
    return V2Api(api_id=api_id, protocol_type=protocol, stages=stages)


def test_access_log_destination_per_stage() -> None:
    b = InventoryBuilder(regions=(HOME,))
    b.account(MGMT).put(
        APIGW_V2_APIS,
        [
            api("h", "HTTP", V2Stage(name="on", access_log_destination=DEST), V2Stage(name="off")),
            api("w", "WEBSOCKET", V2Stage(name="ws", access_log_format="$context.requestId")),
        ],
    )
    found = {f.resource.id: f.status.value for f in run(CHECK, b)}
    assert found == {
        "arn:aws:apigateway:us-east-1::/apis/h/stages/on": "PASS",
        "arn:aws:apigateway:us-east-1::/apis/h/stages/off": "FAIL",
        "arn:aws:apigateway:us-east-1::/apis/w/stages/ws": "FAIL",  # a format but no destination
    }
    assert {f.resource.type for f in run(CHECK, b)} == {"AwsApiGatewayV2Stage"}


def test_api_without_stages_or_no_apis_have_no_findings() -> None:
    b = InventoryBuilder(regions=(HOME,))
    b.account(MGMT).put(APIGW_V2_APIS, [api("h", "HTTP")])
    b.account(MEMBER).put(APIGW_V2_APIS, [])
    assert run(CHECK, b) == []


def test_denied_get_stages_is_error_for_that_api_only() -> None:
    err = CollectionError(
        operation="GetStages", iam_action="apigateway:GET", code="AccessDenied", message="x"
    )
    b = InventoryBuilder(regions=(HOME,))
    b.account(MGMT).put(
        APIGW_V2_APIS,
        [
            V2Api(api_id="x", protocol_type="HTTP", errors=Collected.failed(err, "stages")),
            api("h", "HTTP", V2Stage(name="on", access_log_destination=DEST)),
        ],
    )
    found = {f.resource.id: f.status.value for f in run(CHECK, b)}
    assert found == {
        "arn:aws:apigateway:us-east-1::/apis/x": "ERROR",
        "arn:aws:apigateway:us-east-1::/apis/h/stages/on": "PASS",
    }


def test_denied_get_apis_is_error() -> None:
    b = InventoryBuilder(regions=(HOME, "eu-west-1"))
    b.account(MGMT).put(APIGW_V2_APIS, [], HOME).fail(
        APIGW_V2_APIS, region="eu-west-1", operation="GetApis", iam_action="apigateway:GET"
    )
    findings = run(CHECK, b)
    assert [(f.region, f.status.value) for f in findings] == [("eu-west-1", "ERROR")]
