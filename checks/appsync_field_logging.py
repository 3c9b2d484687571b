"""AppSync.2: AppSync GraphQL APIs have field-level logging turned on.

Security Hub control AppSync.2, "AWS AppSync should have field-level logging enabled" (severity
Medium; AWS Config rule appsync-logging-enabled; resource type AWS::AppSync::GraphQLApi).
Parameter `fieldLoggingLevel` (ERROR, ALL, INFO, DEBUG; no default value): the control page says
that without it an API passes when the field resolver log level is ERROR or ALL, so INFO and
DEBUG fail by default (as documented; allow them through the parameter). NONE or no logConfig
fails. One finding per GraphQL API. moto represents logConfig (tests/integration).
"""

from __future__ import annotations

from collections.abc import Iterator

from checks.lib.service_resources import regional_resource
from scanner.core.check import Check
from scanner.core.dataset import Scope
from scanner.core.datasets.appsync import APPSYNC_APIS
from scanner.core.model import Result, Severity, Status
from scanner.core.view import View

FIELD_LOGGING_LEVELS: tuple[str, ...] = ("ERROR", "ALL")
"""The levels that pass: Security Hub's default (no `fieldLoggingLevel` value). Configurable:
change this constant, or call `build_check(field_logging_levels=...)`."""


def evaluate(
    view: View, field_logging_levels: tuple[str, ...] = FIELD_LOGGING_LEVELS
) -> Iterator[Result]:
    """One result per GraphQL API in this account and region."""
    for api in view.get(APPSYNC_APIS):
        level = api.field_log_level or "NONE"
        evidence = {
            "api": ["appsync:ListGraphqlApis"],
            "logConfig.fieldLogLevel": api.field_log_level,
            "logConfig.cloudWatchLogsRoleArn": api.cloudwatch_logs_role_arn,
            "fieldLoggingLevel_allowed": list(field_logging_levels),
        }
        if level in field_logging_levels:
            status, reason = Status.PASS, f"Field-level logging is on at {level}."
        elif level == "NONE":
            status, reason = Status.FAIL, "Field-level logging is off (NONE)."
        else:
            allowed = " or ".join(field_logging_levels)
            status, reason = Status.FAIL, f"Field log level {level} is not {allowed}."
        resource = regional_resource(view, "AwsAppSyncGraphQlApi", api.arn)
        yield Result(status=status, resource=resource, reason=reason, evidence=evidence)


def build_check(field_logging_levels: tuple[str, ...] = FIELD_LOGGING_LEVELS) -> Check:
    def run(view: View) -> Iterator[Result]:
        return evaluate(view, field_logging_levels)

    return Check(
        id="appsync_field_logging",
        control_id="AppSync.2",
        title="AWS AppSync should have field-level logging enabled",
        severity=Severity.MEDIUM,
        resource_type="AwsAppSyncGraphQlApi",
        scope=Scope.REGION,
        requires=(APPSYNC_APIS,),
        evaluate=run,
        rationale="Field-level logs show which resolvers ran for each GraphQL request and what "
        "failed: the record needed to investigate data access through the API.",
        remediation="aws appsync update-graphql-api --api-id <id> --name <name> --log-config "
        "fieldLogLevel=ERROR,cloudWatchLogsRoleArn=<role-arn>",
        remediation_url="https://docs.aws.amazon.com/securityhub/latest/userguide/appsync-controls.html#appsync-2",
    )


CHECK = build_check()
