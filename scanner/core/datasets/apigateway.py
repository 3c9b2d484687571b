"""API Gateway datasets: REST APIs (v1) and HTTP/WebSocket APIs (v2), each with its stages."""

from __future__ import annotations

from pydantic import Field

from scanner.core.dataset import Dataset, Scope
from scanner.core.model import Collected, Frozen


class RestStage(Frozen):
    """A REST API stage (GetStages): its method settings' logging levels and access logging.

    `method_logging` maps each methodSettings key ("*/*" for the whole stage, or
    "resource/path/METHOD") to its loggingLevel (OFF, ERROR, INFO; None when not set).
    """

    name: str
    method_logging: dict[str, str | None] = Field(default_factory=dict)
    access_log_destination: str | None = None


class RestApi(Collected):
    """A REST API (GetRestApis) and its stages (GetStages: `stages` unavailable when it failed)."""

    api_id: str
    name: str = ""
    stages: tuple[RestStage, ...] = ()


class V2Stage(Frozen):
    """An HTTP or WebSocket API stage (apigatewayv2 GetStages).

    `default_logging_level` is DefaultRouteSettings.LoggingLevel (WebSocket execution logging:
    OFF, ERROR, INFO; None when not set); `route_logging` the RouteSettings overrides per route.
    """

    name: str
    access_log_destination: str | None = None
    access_log_format: str | None = None
    default_logging_level: str | None = None
    route_logging: dict[str, str | None] = Field(default_factory=dict)


class V2Api(Collected):
    """An HTTP or WebSocket API (GetApis) and its stages (`stages` unavailable when GetStages
    failed for it)."""

    api_id: str
    name: str = ""
    protocol_type: str
    stages: tuple[V2Stage, ...] = ()

    @property
    def websocket(self) -> bool:
        return self.protocol_type == "WEBSOCKET"


APIGW_REST_APIS: Dataset[list[RestApi]] = Dataset(
    "apigateway.rest_apis",
    Scope.REGION,
    list[RestApi],
    "GetRestApis, and GetStages for each REST API, in each region",
)
APIGW_V2_APIS: Dataset[list[V2Api]] = Dataset(
    "apigatewayv2.apis",
    Scope.REGION,
    list[V2Api],
    "GetApis (HTTP and WebSocket), and GetStages for each API, in each region",
)
