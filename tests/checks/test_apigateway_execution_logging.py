"""APIGateway.1: REST and WebSocket stages log execution at an allowed level, per stage."""

from __future__ import annotations

from checks.apigateway_execution_logging import CHECK, build_check
from scanner.core.datasets.apigateway import (
    APIGW_REST_APIS,
    APIGW_V2_APIS,
    RestApi,
    RestStage,
    V2Api,
    V2Stage,
)
from scanner.core.model import Collected, CollectionError
from tests.builders import MGMT, InventoryBuilder, run

HOME = "us-east-1"


def rest(stage: str, logging: dict[str, str | None]) -> RestApi:
    return RestApi(
        api_id=f"r-{stage}", name=stage, stages=(RestStage(name=stage, method_logging=logging),)
    )


def ws(stage: str, default: str | None, routes: dict[str, str | None] | None = None) -> V2Api:
    s = V2Stage(name=stage, default_logging_level=default, route_logging=routes or {})
    return V2Api(api_id=f"w-{stage}", protocol_type="WEBSOCKET", stages=(s,))


def statuses(b: InventoryBuilder, check=CHECK) -> dict[str, str]:  # type: ignore[no-untyped-def]
    return {f.resource.id.rsplit("/", 1)[-1]: f.status.value for f in run(check, b)}


def build(rest_apis: list[RestApi], v2_apis: list[V2Api]) -> InventoryBuilder:
    b = InventoryBuilder(regions=(HOME,))
    b.account(MGMT).put(APIGW_REST_APIS, rest_apis).put(APIGW_V2_APIS, v2_apis)
    return b


def test_rest_stage_levels() -> None:
    b = build(
        [
            rest("info", {"*/*": "INFO"}),
            rest("error", {"*/*": "ERROR"}),
            rest("off", {"*/*": "OFF"}),
            rest("unset", {}),
            rest("override", {"*/*": "INFO", "pets/GET": "OFF"}),
            rest("inherit", {"*/*": "ERROR", "pets/GET": None}),
            rest("methods_only", {"pets/GET": "INFO"}),
        ],
        [],
    )
    assert statuses(b) == {
        "info": "PASS",
        "error": "PASS",
        "off": "FAIL",
        "unset": "FAIL",
        "override": "FAIL",
        "inherit": "PASS",
        "methods_only": "FAIL",  # no stage-wide setting: cannot show every method logs
    }


def test_websocket_stages_and_http_apis_are_not_evaluated() -> None:
    http = V2Api(api_id="h", protocol_type="HTTP", stages=(V2Stage(name="http"),))
    b = build(
        [],
        [
            ws("on", "ERROR"),
            ws("off", "OFF"),
            ws("unset", None),
            ws("route", "INFO", {"$connect": "OFF"}),
            http,
        ],
    )
    assert statuses(b) == {"on": "PASS", "off": "FAIL", "unset": "FAIL", "route": "FAIL"}


def test_logging_level_parameter() -> None:
    b = build(
        [rest("info", {"*/*": "INFO"}), rest("error", {"*/*": "ERROR"})], [ws("wsinfo", "INFO")]
    )
    assert statuses(b, build_check(("ERROR",))) == {
        "info": "FAIL",
        "error": "PASS",
        "wsinfo": "FAIL",
    }
    assert statuses(b, build_check(("INFO",))) == {
        "info": "PASS",
        "error": "FAIL",
        "wsinfo": "PASS",
    }


def test_no_apis_no_findings() -> None:
    assert run(CHECK, build([], [])) == []


def test_stage_resources_are_security_hub_arns() -> None:
    (finding,) = run(CHECK, build([rest("prod", {"*/*": "INFO"})], []))
    assert finding.resource.type == "AwsApiGatewayStage"
    assert finding.resource.id == "arn:aws:apigateway:us-east-1::/restapis/r-prod/stages/prod"


def test_denied_get_stages_is_error_for_that_api_only() -> None:
    err = CollectionError(
        operation="GetStages", iam_action="apigateway:GET", code="AccessDenied", message="x"
    )
    broken = RestApi(api_id="broken", errors=Collected.failed(err, "stages"))
    findings = run(CHECK, build([broken, rest("ok", {"*/*": "INFO"})], []))
    by_id = {f.resource.id: f.status.value for f in findings}
    assert by_id == {
        "arn:aws:apigateway:us-east-1::/restapis/broken": "ERROR",
        "arn:aws:apigateway:us-east-1::/restapis/r-ok/stages/ok": "PASS",
    }


def test_denied_listing_is_error_never_fail() -> None:
    b = InventoryBuilder(regions=(HOME,))
    b.account(MGMT).put(APIGW_V2_APIS, []).fail(
        APIGW_REST_APIS, operation="GetRestApis", iam_action="apigateway:GET"
    )
    assert [f.status.value for f in run(CHECK, b)] == ["ERROR"]
