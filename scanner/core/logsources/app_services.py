"""Service logs as log sources: API stages, state machines, projects, brokers, APIs, environments.

A resource whose own call failed (GetStages, DescribeStateMachine, BatchGetProjects,
DescribeBroker, DescribeConfigurationSettings) is listed with `logging` None and the failed call
in `note`; a listing that failed is a gap for the whole account and region (the runner records it).
"""

from __future__ import annotations

from collections.abc import Iterator

from scanner.core.dataset import Scope
from scanner.core.datasets.apigateway import APIGW_REST_APIS, APIGW_V2_APIS
from scanner.core.datasets.appsync import APPSYNC_APIS
from scanner.core.datasets.codebuild import CODEBUILD_PROJECTS, CodeBuildProject
from scanner.core.datasets.elasticbeanstalk import BEANSTALK_ENVIRONMENTS
from scanner.core.datasets.mq import MQ_BROKERS, Broker
from scanner.core.datasets.stepfunctions import STATE_MACHINES
from scanner.core.logsource import Destination, Extractor, LogSource
from scanner.core.model import Collected
from scanner.core.view import View

#: Execution logging levels that write to the execution log group.
_EXECUTION_LEVELS = frozenset({"ERROR", "INFO"})


def _unread(value: Collected) -> str:
    """The failed calls behind a resource's unreadable fields, for `note`."""
    calls = sorted({f"{e.operation} ({e.iam_action}): {e.code}" for e in value.errors.values()})
    return "not read: " + "; ".join(calls)


def _group(view: View, name: str) -> Destination:
    region = view.region or view.home_region
    return Destination.log_group(name, view.account_id, region, view.org.inventory.partition)


def _apigateway_arn(view: View, path: str) -> str:
    region = view.region or view.home_region
    return f"arn:{view.org.inventory.partition}:apigateway:{region}::{path}"


def api_stages(view: View) -> Iterator[LogSource]:
    """REST, HTTP and WebSocket API stages: execution logs (REST, WebSocket) to API Gateway's
    fixed log groups, access logs to their destination."""
    for api in view.get(APIGW_REST_APIS):
        if api.errors:
            yield _unread_api(view, f"/restapis/{api.api_id}", api.name, "REST API", api)
            continue
        for stage in api.stages:
            level = stage.method_logging.get("*/*")
            group = f"API-Gateway-Execution-Logs_{api.api_id}/{stage.name}"
            yield _stage(
                view,
                f"/restapis/{api.api_id}/stages/{stage.name}",
                f"{api.name or api.api_id}/{stage.name}",
                "REST API stage",
                _group(view, group) if level in _EXECUTION_LEVELS else None,
                level,
                stage.access_log_destination,
            )
    for v2 in view.get(APIGW_V2_APIS):
        if v2.errors:
            kind = f"{v2.protocol_type} API"
            yield _unread_api(view, f"/apis/{v2.api_id}", v2.name, kind, v2)
            continue
        for ws in v2.stages:
            level = ws.default_logging_level if v2.websocket else None
            execution = (
                _group(view, f"/aws/apigateway/{v2.api_id}/{ws.name}")
                if level in _EXECUTION_LEVELS
                else None
            )
            yield _stage(
                view,
                f"/apis/{v2.api_id}/stages/{ws.name}",
                f"{v2.name or v2.api_id}/{ws.name}",
                f"{v2.protocol_type} API stage",
                execution,
                level,
                ws.access_log_destination,
            )


def _stage(
    view: View,
    path: str,
    name: str,
    detail: str,
    execution: Destination | None,
    level: str | None,
    access: str | None,
) -> LogSource:
    destinations: list[Destination] = []
    log_types: list[str] = []
    if execution is not None:
        destinations.append(execution)
        log_types.append(f"execution {level}")
    if access:
        destinations.append(Destination.from_arn(access))
        log_types.append("access")
    return LogSource(
        kind="api-stage",
        id=_apigateway_arn(view, path),
        name=name,
        account_id=view.account_id,
        region=view.region,
        logging=bool(destinations),
        log_types=tuple(log_types),
        destinations=tuple(destinations),
        detail=detail,
    )


def _unread_api(view: View, path: str, name: str, detail: str, api: Collected) -> LogSource:
    return LogSource(
        kind="api-stage",
        id=_apigateway_arn(view, path),
        name=name,
        account_id=view.account_id,
        region=view.region,
        logging=None,
        detail=f"{detail} (its stages)",
        note=_unread(api),
    )


def state_machines(view: View) -> Iterator[LogSource]:
    """State machines: the log level and the CloudWatch Logs groups they deliver to."""
    for machine in view.get(STATE_MACHINES):
        common = {
            "kind": "state-machine",
            "id": machine.arn,
            "name": machine.name,
            "account_id": view.account_id,
            "region": view.region,
            "detail": f"{machine.type or 'STANDARD'} state machine",
        }
        if machine.errors:
            yield LogSource(**common, logging=None, note=_unread(machine))
            continue
        level = machine.log_level or "OFF"
        destinations = tuple(Destination.from_arn(a) for a in machine.log_destinations)
        on = level != "OFF" and bool(destinations)
        yield LogSource(
            **common,
            logging=on,
            log_types=(level,) if on else (),
            destinations=destinations if on else (),
        )


def _codebuild_destinations(view: View, project: CodeBuildProject) -> list[Destination]:
    out: list[Destination] = []
    if project.cloudwatch_logs_status == "ENABLED":
        group = project.cloudwatch_logs_group or f"/aws/codebuild/{project.name}"
        out.append(_group(view, group))
    if project.s3_logs_status == "ENABLED" and project.s3_logs_location:
        bucket, _, prefix = project.s3_logs_location.partition("/")
        out.append(Destination.s3(bucket, prefix))
    return out


def projects(view: View) -> Iterator[LogSource]:
    """Build projects: CloudWatch Logs (the named group, or /aws/codebuild/<project>) and S3."""
    for project in view.get(CODEBUILD_PROJECTS):
        common = {
            "kind": "project",
            "id": project.arn or project.name,
            "name": project.name,
            "account_id": view.account_id,
            "region": view.region,
            "detail": "CodeBuild project",
        }
        if project.errors:
            yield LogSource(**common, logging=None, note=_unread(project))
            continue
        destinations = _codebuild_destinations(view, project)
        yield LogSource(
            **common,
            logging=bool(destinations),
            log_types=("build",) if destinations else (),
            destinations=tuple(destinations),
        )


def _broker_logs(view: View, broker: Broker) -> tuple[list[str], list[Destination]]:
    base = f"/aws/amazonmq/broker/{broker.broker_id}"
    types: list[str] = []
    destinations: list[Destination] = []
    if broker.audit_log:
        types.append("audit")
        destinations.append(_group(view, broker.audit_log_group or f"{base}/audit"))
    if broker.general_log:
        types.append("general")
        destinations.append(_group(view, f"{base}/general"))
    return types, destinations


def brokers(view: View) -> Iterator[LogSource]:
    """Amazon MQ brokers: audit (ActiveMQ) and general logs to their CloudWatch Logs groups."""
    for broker in view.get(MQ_BROKERS):
        common = {
            "kind": "broker",
            "id": broker.arn,
            "name": broker.name,
            "account_id": view.account_id,
            "region": view.region,
            "detail": f"{broker.engine_type} broker",
        }
        if broker.errors:
            yield LogSource(**common, logging=None, note=_unread(broker))
            continue
        types, destinations = _broker_logs(view, broker)
        yield LogSource(
            **common,
            logging=bool(destinations),
            log_types=tuple(types),
            destinations=tuple(destinations),
        )


def graphql_apis(view: View) -> Iterator[LogSource]:
    """AppSync GraphQL APIs: field-level logs to /aws/appsync/apis/<api id>."""
    for api in view.get(APPSYNC_APIS):
        level = api.field_log_level or "NONE"
        on = level != "NONE"
        yield LogSource(
            kind="graphql-api",
            id=api.arn,
            name=api.name,
            account_id=view.account_id,
            region=view.region,
            logging=on,
            log_types=(f"field {level}",) if on else (),
            destinations=(_group(view, f"/aws/appsync/apis/{api.api_id}"),) if on else (),
            detail="AppSync GraphQL API",
        )


def beanstalk_environments(view: View) -> Iterator[LogSource]:
    """Elastic Beanstalk environments: whether instance logs stream to CloudWatch Logs. The log
    groups (/aws/elasticbeanstalk/<environment>/<log file>) depend on the platform's log files,
    so none is named."""
    for env in view.get(BEANSTALK_ENVIRONMENTS):
        common = {
            "kind": "environment",
            "id": env.arn,
            "name": env.name,
            "account_id": view.account_id,
            "region": view.region,
            "detail": f"Elastic Beanstalk environment of {env.application}",
        }
        if env.errors:
            yield LogSource(**common, logging=None, note=_unread(env))
            continue
        on = env.stream_logs is True
        days = env.retention_in_days
        yield LogSource(
            **common,
            logging=on,
            log_types=("instance",) if on else (),
            note=(
                "streams to /aws/elasticbeanstalk/"
                f"{env.name}/* log groups (one per log file), kept {days} days"
                if on
                else ""
            ),
        )


EXTRACTORS = (
    Extractor(
        name="apigateway.stages",
        kind="api-stage",
        scope=Scope.REGION,
        requires=(APIGW_REST_APIS, APIGW_V2_APIS),
        extract=api_stages,
    ),
    Extractor(
        name="stepfunctions.state_machines",
        kind="state-machine",
        scope=Scope.REGION,
        requires=(STATE_MACHINES,),
        extract=state_machines,
    ),
    Extractor(
        name="codebuild.projects",
        kind="project",
        scope=Scope.REGION,
        requires=(CODEBUILD_PROJECTS,),
        extract=projects,
    ),
    Extractor(
        name="mq.brokers",
        kind="broker",
        scope=Scope.REGION,
        requires=(MQ_BROKERS,),
        extract=brokers,
    ),
    Extractor(
        name="appsync.graphql_apis",
        kind="graphql-api",
        scope=Scope.REGION,
        requires=(APPSYNC_APIS,),
        extract=graphql_apis,
    ),
    Extractor(
        name="elasticbeanstalk.environments",
        kind="environment",
        scope=Scope.REGION,
        requires=(BEANSTALK_ENVIRONMENTS,),
        extract=beanstalk_environments,
    ),
)
