"""AppSync collectors: GraphQL APIs and their logging configuration, per region."""

from __future__ import annotations

from scanner.aws.collector import Collector, on
from scanner.aws.engine import CollectContext
from scanner.core.datasets.appsync import APPSYNC_APIS, GraphqlApi


def fetch_apis(ctx: CollectContext) -> list[GraphqlApi]:
    out: list[GraphqlApi] = []
    # appsync:ListGraphqlApis (its answer carries each API's logConfig: no per-API call)
    for item in ctx.paginate("appsync", "list_graphql_apis", "graphqlApis"):
        log_config = item.get("logConfig") or {}
        out.append(
            GraphqlApi(
                api_id=str(item["apiId"]),
                arn=str(item.get("arn", "")),
                name=str(item.get("name", "")),
                field_log_level=log_config.get("fieldLogLevel") or None,
                cloudwatch_logs_role_arn=log_config.get("cloudWatchLogsRoleArn") or None,
            )
        )
    return sorted(out, key=lambda a: a.api_id)


COLLECTORS = (
    Collector(
        APPSYNC_APIS,
        ("appsync:ListGraphqlApis",),
        fetch_apis,
        events=on(
            "appsync.amazonaws.com", "CreateGraphqlApi", "UpdateGraphqlApi", "DeleteGraphqlApi"
        ),
    ),
)
