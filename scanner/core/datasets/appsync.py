"""AppSync datasets: GraphQL APIs with their logging configuration."""

from __future__ import annotations

from scanner.core.dataset import Dataset, Scope
from scanner.core.model import Frozen


class GraphqlApi(Frozen):
    """A GraphQL API (ListGraphqlApis): logConfig.fieldLogLevel (NONE, ERROR, INFO, DEBUG, ALL;
    None when the API has no logConfig) and the log role."""

    api_id: str
    arn: str
    name: str = ""
    field_log_level: str | None = None
    cloudwatch_logs_role_arn: str | None = None


APPSYNC_APIS: Dataset[list[GraphqlApi]] = Dataset(
    "appsync.graphql_apis",
    Scope.REGION,
    list[GraphqlApi],
    "ListGraphqlApis in each region",
)
