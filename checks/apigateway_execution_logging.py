"""APIGateway.1: REST and WebSocket API stages log execution at ERROR or INFO level.

Security Hub control APIGateway.1, "API Gateway REST and WebSocket API execution logging should be
enabled" (severity Medium; AWS Config rule api-gw-execution-logging-enabled; resource types
AWS::ApiGateway::Stage and AWS::ApiGatewayV2::Stage). Parameter `loggingLevel` (ERROR, INFO; no
default value): without it a stage passes at ERROR or INFO; given, only the listed levels pass.

The Config rule checks that *all methods* of a stage log at an allowed level. A REST stage
passes when its stage-wide method setting ("*/*") has an allowed loggingLevel and no method
override sets another level (an override without a loggingLevel inherits the stage's). A stage
without a stage-wide setting fails: per-method settings alone cannot show that every method
(including ones added later) logs, so we do not pass it (no false PASS). A WebSocket stage
passes when DefaultRouteSettings.LoggingLevel is allowed and no RouteSettings override sets
another level. HTTP APIs have no execution logging and are not evaluated (APIGateway.9 covers
their access logs). One finding per stage; a REST or WebSocket API whose GetStages failed is
ERROR on the API, the others are still judged.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from checks.lib.service_resources import apigateway_arn, regional_resource
from scanner.core.check import Check
from scanner.core.dataset import Scope
from scanner.core.datasets.apigateway import APIGW_REST_APIS, APIGW_V2_APIS
from scanner.core.model import Result, Severity, Status
from scanner.core.view import DataUnavailable, View, error_result

LOGGING_LEVELS: tuple[str, ...] = ("ERROR", "INFO")
"""Security Hub's `loggingLevel` parameter (no default: ERROR and INFO both pass).
Configurable: change this constant, or call `build_check(logging_levels=...)`."""

STAGE_WIDE = "*/*"


def _judge(
    stage_level: str | None, overrides: dict[str, str | None], allowed: tuple[str, ...]
) -> tuple[Status, str]:
    bad = {k: v for k, v in overrides.items() if v is not None and v not in allowed}
    if stage_level is None:
        return Status.FAIL, "Execution logging is not configured for the stage."
    if stage_level not in allowed:
        return Status.FAIL, f"Execution logging level is {stage_level}, not {' or '.join(allowed)}."
    if bad:
        listed = ", ".join(f"{k}={v}" for k, v in sorted(bad.items()))
        return Status.FAIL, f"Some methods or routes override the logging level: {listed}."
    return Status.PASS, f"Execution logging is on at {stage_level} for every method."


def evaluate(view: View, logging_levels: tuple[str, ...] = LOGGING_LEVELS) -> Iterator[Result]:
    """One result per REST stage and WebSocket stage in this account and region."""
    for api in view.get(APIGW_REST_APIS):
        api_res = regional_resource(
            view, "AwsApiGatewayRestApi", apigateway_arn(view, f"/restapis/{api.api_id}")
        )
        try:
            stages = api.stages
        except DataUnavailable as exc:  # GetStages failed for this API: ERROR on the API
            yield error_result(api_res, exc.errors)
            continue
        for stage in stages:
            overrides = {k: v for k, v in stage.method_logging.items() if k != STAGE_WIDE}
            status, reason = _judge(stage.method_logging.get(STAGE_WIDE), overrides, logging_levels)
            evidence: dict[str, Any] = {
                "api": ["apigateway:GET /restapis", "apigateway:GET /restapis/{id}/stages"],
                "restApiId": api.api_id,
                "stageName": stage.name,
                "methodSettings.loggingLevel": stage.method_logging,
                "loggingLevel_allowed": list(logging_levels),
            }
            resource = regional_resource(
                view,
                "AwsApiGatewayStage",
                apigateway_arn(view, f"/restapis/{api.api_id}/stages/{stage.name}"),
            )
            yield Result(status=status, resource=resource, reason=reason, evidence=evidence)
    for v2 in view.get(APIGW_V2_APIS):
        if not v2.websocket:
            continue
        api_res = regional_resource(
            view, "AwsApiGatewayV2Api", apigateway_arn(view, f"/apis/{v2.api_id}")
        )
        try:
            v2_stages = v2.stages
        except DataUnavailable as exc:
            yield error_result(api_res, exc.errors)
            continue
        for ws in v2_stages:
            status, reason = _judge(ws.default_logging_level, ws.route_logging, logging_levels)
            evidence = {
                "api": ["apigateway:GET /apis", "apigateway:GET /apis/{id}/stages"],
                "apiId": v2.api_id,
                "protocolType": v2.protocol_type,
                "stageName": ws.name,
                "DefaultRouteSettings.LoggingLevel": ws.default_logging_level,
                "RouteSettings.LoggingLevel": ws.route_logging,
                "loggingLevel_allowed": list(logging_levels),
            }
            resource = regional_resource(
                view,
                "AwsApiGatewayV2Stage",
                apigateway_arn(view, f"/apis/{v2.api_id}/stages/{ws.name}"),
            )
            yield Result(status=status, resource=resource, reason=reason, evidence=evidence)


def build_check(logging_levels: tuple[str, ...] = LOGGING_LEVELS) -> Check:
    def run(view: View) -> Iterator[Result]:
        return evaluate(view, logging_levels)

    return Check(
        id="apigateway_execution_logging",
        control_id="APIGateway.1",
        title="API Gateway REST and WebSocket API execution logging should be enabled",
        severity=Severity.MEDIUM,
        resource_type="AwsApiGatewayStage",
        scope=Scope.REGION,
        requires=(APIGW_REST_APIS, APIGW_V2_APIS),
        evaluate=run,
        rationale="Execution logs record each request API Gateway handles (integration "
        "responses, authorizer decisions, request ids): evidence for incidents and audits.",
        remediation="aws apigateway update-stage --rest-api-id <id> --stage-name <stage> "
        "--patch-operations op=replace,path=/*/*/logging/loglevel,value=ERROR (WebSocket: "
        "aws apigatewayv2 update-stage --default-route-settings LoggingLevel=ERROR)",
        remediation_url="https://docs.aws.amazon.com/securityhub/latest/userguide/apigateway-controls.html#apigateway-1",
    )


CHECK = build_check()
