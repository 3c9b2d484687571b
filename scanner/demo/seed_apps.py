"""Demo service logs: the workloads' APIs, workflows, builds, brokers log; the sandbox's do not."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from scanner.demo.world import DemoOrg

ORDER = 80

#: (service, region) -> a boto3 client as one account.
ClientOf = Callable[[str, str], Any]

_PASS_STATE = json.dumps({"StartAt": "Done", "States": {"Done": {"Type": "Pass", "End": True}}})
_ENV = {
    "type": "LINUX_CONTAINER",
    "image": "aws/codebuild/standard:7.0",
    "computeType": "BUILD_GENERAL1_SMALL",
}


def _rest_api(client: ClientOf, region: str, name: str, log_level: str | None) -> None:
    api = client("apigateway", region)
    api_id = api.create_rest_api(name=name)["id"]
    root = api.get_resources(restApiId=api_id)["items"][0]["id"]
    api.put_method(restApiId=api_id, resourceId=root, httpMethod="GET", authorizationType="NONE")
    api.put_integration(restApiId=api_id, resourceId=root, httpMethod="GET", type="MOCK")
    deployment = api.create_deployment(restApiId=api_id)["id"]
    api.create_stage(restApiId=api_id, stageName="prod", deploymentId=deployment)
    if log_level:
        api.update_stage(
            restApiId=api_id,
            stageName="prod",
            patchOperations=[
                {"op": "replace", "path": "/*/*/logging/loglevel", "value": log_level}
            ],
        )


def seed_services(client: ClientOf, region: str, account_id: str, logged: bool) -> None:
    """One of each service logging resource in `region`: with logging on when `logged`, off
    otherwise (APIGateway.1/.9, StepFunctions.1, CodeBuild.4, MQ.2, AppSync.2)."""
    prefix = "orders" if logged else "scratch"
    group = f"/apps/{prefix}"
    group_arn = f"arn:aws:logs:{region}:{account_id}:log-group:{group}"
    role = f"arn:aws:iam::{account_id}:role/{prefix}-service"
    if logged:
        client("logs", region).create_log_group(logGroupName=group)
    _rest_api(client, region, f"{prefix}-rest", "INFO" if logged else None)

    v2 = client("apigatewayv2", region)
    access = {"DestinationArn": group_arn, "Format": "$context.requestId"} if logged else None
    http_id = v2.create_api(Name=f"{prefix}-http", ProtocolType="HTTP")["ApiId"]
    ws_id = v2.create_api(
        Name=f"{prefix}-ws",
        ProtocolType="WEBSOCKET",
        RouteSelectionExpression="$request.body.action",
    )["ApiId"]
    for api_id, extra in (
        (http_id, {}),
        (ws_id, {"DefaultRouteSettings": {"LoggingLevel": "ERROR" if logged else "OFF"}}),
    ):
        kwargs: dict[str, Any] = {"ApiId": api_id, "StageName": "live", **extra}
        if access:
            kwargs["AccessLogSettings"] = access
        v2.create_stage(**kwargs)

    logging_config: dict[str, Any] = (
        {
            "level": "ERROR",
            "includeExecutionData": False,
            "destinations": [{"cloudWatchLogsLogGroup": {"logGroupArn": f"{group_arn}:*"}}],
        }
        if logged
        else {"level": "OFF"}
    )
    client("stepfunctions", region).create_state_machine(
        name=f"{prefix}-workflow",
        definition=_PASS_STATE,
        roleArn=role,
        loggingConfiguration=logging_config,
    )

    status = "ENABLED" if logged else "DISABLED"
    client("codebuild", region).create_project(
        name=f"{prefix}-build",
        source={"type": "S3", "location": f"{prefix}-src/source.zip"},
        artifacts={"type": "NO_ARTIFACTS"},
        environment=_ENV,
        serviceRole=role,
        logsConfig={"cloudWatchLogs": {"status": status}, "s3Logs": {"status": "DISABLED"}},
    )

    client("mq", region).create_broker(
        BrokerName=f"{prefix}-broker",
        EngineType="ACTIVEMQ",
        EngineVersion="5.17.6",
        HostInstanceType="mq.t3.micro",
        DeploymentMode="SINGLE_INSTANCE",
        PubliclyAccessible=False,
        AutoMinorVersionUpgrade=True,
        Users=[{"Username": "app", "Password": "demo-password-123"}],
        Logs={"Audit": logged, "General": logged},
    )

    appsync_args: dict[str, Any] = {"name": f"{prefix}-graphql", "authenticationType": "AWS_IAM"}
    if logged:
        appsync_args["logConfig"] = {"fieldLogLevel": "ERROR", "cloudWatchLogsRoleArn": role}
    client("appsync", region).create_graphql_api(**appsync_args)


def seed(org: DemoOrg) -> None:
    # Workloads: the production services log (PASS); the sandbox's experiments do not (FAIL).
    seed_services(org.workloads.client, "us-east-1", org.workloads.account_id, logged=True)
    seed_services(org.sandbox.client, "us-east-1", org.sandbox.account_id, logged=False)
