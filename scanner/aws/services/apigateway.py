"""API Gateway collectors: REST APIs and HTTP/WebSocket APIs with their stages, per region."""

from __future__ import annotations

from typing import Any

from scanner.aws.collector import Collector, on
from scanner.aws.engine import CollectContext
from scanner.aws.services._subcalls import Failed, sub_call
from scanner.core.datasets.apigateway import (
    APIGW_REST_APIS,
    APIGW_V2_APIS,
    RestApi,
    RestStage,
    V2Api,
    V2Stage,
)

#: API Gateway authorises its reads with the HTTP verb: GetRestApis, GetStages (REST and v2)
#: and GetApis are all `apigateway:GET`. On `*` that would also read API key values, so the
#: generated policy allows it only on the paths these calls read.
ACTIONS = ("apigateway:GET",)
RESOURCES = (
    "arn:*:apigateway:*::/restapis",
    "arn:*:apigateway:*::/restapis/*/stages",
    "arn:*:apigateway:*::/apis",
    "arn:*:apigateway:*::/apis/*/stages",
)


def _rest_stage(raw: dict[str, Any]) -> RestStage:
    settings = raw.get("methodSettings") or {}
    access = raw.get("accessLogSettings") or {}
    return RestStage(
        name=str(raw.get("stageName", "")),
        method_logging={
            str(key): (str(v["loggingLevel"]) if v.get("loggingLevel") else None)
            for key, v in settings.items()
        },
        access_log_destination=access.get("destinationArn") or None,
    )


def fetch_rest_apis(ctx: CollectContext) -> list[RestApi]:
    client = ctx.client("apigateway")
    out: list[RestApi] = []
    for item in ctx.paginate("apigateway", "get_rest_apis", "items"):  # apigateway:GET
        api_id = str(item["id"])
        name = str(item.get("name", ""))
        raw = sub_call(
            ctx.region,
            ("stages",),
            lambda: client.get_stages(restApiId=api_id),  # noqa: B023 - apigateway:GET
        )
        if isinstance(raw, Failed):
            out.append(RestApi(api_id=api_id, name=name, errors=raw.errors))
            continue
        stages = tuple(sorted((_rest_stage(s) for s in raw.get("item", ())), key=_by_name))
        out.append(RestApi(api_id=api_id, name=name, stages=stages))
    return sorted(out, key=lambda a: a.api_id)


def _by_name(stage: RestStage | V2Stage) -> str:
    return stage.name


def _v2_stage(raw: dict[str, Any]) -> V2Stage:
    access = raw.get("AccessLogSettings") or {}
    default = raw.get("DefaultRouteSettings") or {}
    routes = raw.get("RouteSettings") or {}
    return V2Stage(
        name=str(raw.get("StageName", "")),
        access_log_destination=access.get("DestinationArn") or None,
        access_log_format=access.get("Format") or None,
        default_logging_level=default.get("LoggingLevel") or None,
        route_logging={str(k): (v.get("LoggingLevel") or None) for k, v in routes.items()},
    )


def fetch_v2_apis(ctx: CollectContext) -> list[V2Api]:
    out: list[V2Api] = []
    for item in ctx.paginate("apigatewayv2", "get_apis", "Items"):  # apigateway:GET
        api_id = str(item["ApiId"])
        base = {
            "api_id": api_id,
            "name": str(item.get("Name", "")),
            "protocol_type": str(item.get("ProtocolType", "")),
        }
        raw = sub_call(
            ctx.region,
            ("stages",),
            lambda: ctx.paginate("apigatewayv2", "get_stages", "Items", ApiId=api_id),  # noqa: B023
        )
        if isinstance(raw, Failed):
            out.append(V2Api(**base, errors=raw.errors))
            continue
        stages = tuple(sorted((_v2_stage(s) for s in raw), key=_by_name))
        out.append(V2Api(**base, stages=stages))
    return sorted(out, key=lambda a: a.api_id)


COLLECTORS = (
    Collector(
        APIGW_REST_APIS,
        ACTIONS,
        fetch_rest_apis,
        iam_resources=RESOURCES,
        events=on(
            "apigateway.amazonaws.com",
            "CreateRestApi",
            "DeleteRestApi",
            "ImportRestApi",
            "CreateStage",
            "UpdateStage",
            "DeleteStage",
        ),
    ),
    Collector(
        APIGW_V2_APIS,
        ACTIONS,
        fetch_v2_apis,
        iam_resources=RESOURCES,
        events=on(
            "apigateway.amazonaws.com",
            "CreateApi",
            "DeleteApi",
            "ImportApi",
            "ReimportApi",
            "CreateStage",
            "UpdateStage",
            "DeleteStage",
        ),
    ),
)
