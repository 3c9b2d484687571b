"""Log sources of the service logging datasets: API stages, state machines, build projects,
brokers and GraphQL APIs, logging on and off, unreadable resources and failed listings."""

from __future__ import annotations

from scanner.core.datasets.apigateway import (
    APIGW_REST_APIS,
    APIGW_V2_APIS,
    RestApi,
    RestStage,
    V2Api,
    V2Stage,
)
from scanner.core.datasets.appsync import APPSYNC_APIS, GraphqlApi
from scanner.core.datasets.codebuild import CODEBUILD_PROJECTS, CodeBuildProject
from scanner.core.datasets.elasticbeanstalk import BEANSTALK_ENVIRONMENTS, BeanstalkEnvironment
from scanner.core.datasets.mq import MQ_BROKERS, Broker
from scanner.core.datasets.stepfunctions import STATE_MACHINES, StateMachine
from scanner.core.logsource import DestinationType, LogSource, extract
from scanner.core.model import CollectionError
from tests.builders import MGMT, InventoryBuilder

R1 = "us-east-1"
GROUP = f"arn:aws:logs:{R1}:{MGMT}:log-group:/apps/orders"
DENIED = CollectionError(operation="X", iam_action="x:X", code="AccessDenied", message="denied")


def _sources(inv: InventoryBuilder, kind: str) -> list[LogSource]:
    return sorted((s for s in extract(inv.build()).sources if s.kind == kind), key=lambda s: s.id)


def _targets(source: LogSource) -> list[str]:
    return [d.target for d in source.destinations]


def test_api_stages_execution_and_access_logs() -> None:
    inv = InventoryBuilder(regions=(R1,))
    rest = RestApi(
        api_id="r1",
        name="orders",
        stages=(
            RestStage(name="prod", method_logging={"*/*": "INFO"}, access_log_destination=GROUP),
            RestStage(name="dev", method_logging={"*/*": "OFF"}),
        ),
    )
    ws = V2Api(
        api_id="w1",
        protocol_type="WEBSOCKET",
        stages=(V2Stage(name="live", default_logging_level="ERROR"),),
    )
    http = V2Api(
        api_id="h1",
        protocol_type="HTTP",
        stages=(V2Stage(name="live", default_logging_level="INFO"),),
    )
    broken = V2Api(api_id="x1", protocol_type="HTTP", errors=V2Api.failed(DENIED, "stages"))
    inv.account(MGMT).put(APIGW_REST_APIS, [rest]).put(APIGW_V2_APIS, [ws, http, broken])
    got = {s.id.split("::", 1)[1]: s for s in _sources(inv, "api-stage")}
    assert {k: (s.logging, _targets(s)) for k, s in got.items()} == {
        "/restapis/r1/stages/prod": (True, ["API-Gateway-Execution-Logs_r1/prod", "/apps/orders"]),
        "/restapis/r1/stages/dev": (False, []),
        "/apis/w1/stages/live": (True, ["/aws/apigateway/w1/live"]),
        "/apis/h1/stages/live": (False, []),  # HTTP APIs have no execution logs
        "/apis/x1": (None, []),
    }
    assert got["/apis/x1"].note
    assert got["/restapis/r1/stages/prod"].destinations[0].type is DestinationType.CLOUDWATCH_LOGS


def test_state_machines_projects_brokers_graphql() -> None:
    inv = InventoryBuilder(regions=(R1,))
    acct = inv.account(MGMT)
    acct.put(
        STATE_MACHINES,
        [
            StateMachine(
                arn="arn:sm:a", name="a", log_level="ERROR", log_destinations=(f"{GROUP}:*",)
            ),
            StateMachine(arn="arn:sm:b", name="b", log_level="OFF"),
            StateMachine(
                arn="arn:sm:c",
                errors=StateMachine.failed(
                    DENIED, "log_level", "include_execution_data", "log_destinations"
                ),
            ),
        ],
    )
    acct.put(
        CODEBUILD_PROJECTS,
        [
            CodeBuildProject(
                name="cw",
                arn="arn:cb:cw",
                cloudwatch_logs_status="ENABLED",
                s3_logs_status="DISABLED",
            ),
            CodeBuildProject(
                name="s3",
                arn="arn:cb:s3",
                s3_logs_status="ENABLED",
                s3_logs_location="build-logs/ci",
            ),
            CodeBuildProject(name="off", arn="arn:cb:off", cloudwatch_logs_status="DISABLED"),
        ],
    )
    acct.put(
        MQ_BROKERS,
        [
            Broker(
                broker_id="b-1",
                arn="arn:mq:1",
                engine_type="ACTIVEMQ",
                audit_log=True,
                general_log=False,
            ),
            Broker(broker_id="b-2", arn="arn:mq:2", engine_type="RABBITMQ", general_log=False),
        ],
    )
    acct.put(
        APPSYNC_APIS,
        [
            GraphqlApi(api_id="g1", arn="arn:gq:1", field_log_level="ERROR"),
            GraphqlApi(api_id="g2", arn="arn:gq:2", field_log_level="NONE"),
        ],
    )
    sm = {s.id: (s.logging, _targets(s)) for s in _sources(inv, "state-machine")}
    assert sm == {
        "arn:sm:a": (True, ["/apps/orders"]),
        "arn:sm:b": (False, []),
        "arn:sm:c": (None, []),
    }
    cb = {s.id: (s.logging, _targets(s)) for s in _sources(inv, "project")}
    assert cb == {
        "arn:cb:cw": (True, ["/aws/codebuild/cw"]),
        "arn:cb:s3": (True, ["build-logs"]),
        "arn:cb:off": (False, []),
    }
    mq = {s.id: (s.logging, s.log_types, _targets(s)) for s in _sources(inv, "broker")}
    assert mq == {
        "arn:mq:1": (True, ("audit",), ["/aws/amazonmq/broker/b-1/audit"]),
        "arn:mq:2": (False, (), []),
    }
    gq = {s.id: (s.logging, _targets(s)) for s in _sources(inv, "graphql-api")}
    assert gq == {"arn:gq:1": (True, ["/aws/appsync/apis/g1"]), "arn:gq:2": (False, [])}


def test_failed_listing_is_a_gap() -> None:
    inv = InventoryBuilder(regions=(R1,))
    inv.account(MGMT).fail(MQ_BROKERS, R1, operation="ListBrokers", iam_action="mq:ListBrokers")
    gaps = extract(inv.build()).gaps
    assert "mq.brokers" in {g.extractor for g in gaps}
    assert [s for s in extract(inv.build()).sources if s.kind == "broker"] == []


def test_beanstalk_environments_streaming_on_off_and_unreadable() -> None:
    inv = InventoryBuilder(regions=(R1,))
    arn = f"arn:aws:elasticbeanstalk:{R1}:{MGMT}:environment/shop/"
    envs = [
        BeanstalkEnvironment(arn=arn + "on", name="on", stream_logs=True, retention_in_days=7),
        BeanstalkEnvironment(arn=arn + "off", name="off", stream_logs=False),
        BeanstalkEnvironment(
            arn=arn + "x",
            name="x",
            errors=BeanstalkEnvironment.failed(DENIED, "stream_logs", "retention_in_days"),
        ),
    ]
    inv.account(MGMT).put(BEANSTALK_ENVIRONMENTS, envs)
    got = {s.name: s for s in _sources(inv, "environment")}
    assert {k: (s.logging, _targets(s)) for k, s in got.items()} == {
        "on": (True, []),  # the log groups depend on the platform: none is named
        "off": (False, []),
        "x": (None, []),
    }
    assert "/aws/elasticbeanstalk/on/" in got["on"].note
    assert "x:X" in got["x"].note
