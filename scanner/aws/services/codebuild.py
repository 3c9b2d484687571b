"""CodeBuild collectors: build projects and their logs configuration, per region."""

from __future__ import annotations

from typing import Any

from scanner.aws.collector import Collector, on
from scanner.aws.engine import CollectContext
from scanner.aws.services._subcalls import Failed, sub_call
from scanner.core.datasets.codebuild import CODEBUILD_PROJECTS, CodeBuildProject
from scanner.core.model import CollectionError

#: BatchGetProjects takes at most this many names a call.
BATCH = 100
_LOG_FIELDS = (
    "cloudwatch_logs_status",
    "cloudwatch_logs_group",
    "s3_logs_status",
    "s3_logs_location",
)


def _project(name: str, raw: dict[str, Any]) -> CodeBuildProject:
    logs = raw.get("logsConfig") or {}
    cw = logs.get("cloudWatchLogs") or {}
    s3 = logs.get("s3Logs") or {}
    return CodeBuildProject(
        name=name,
        arn=raw.get("arn") or None,
        cloudwatch_logs_status=cw.get("status") or None,
        cloudwatch_logs_group=cw.get("groupName") or None,
        s3_logs_status=s3.get("status") or None,
        s3_logs_location=s3.get("location") or None,
    )


def _not_returned(name: str, region: str) -> dict[str, CollectionError]:
    error = CollectionError(
        operation="BatchGetProjects",
        iam_action="codebuild:BatchGetProjects",
        code="ProjectNotReturned",
        message=f"project {name} was listed but BatchGetProjects did not return it",
        region=region,
    )
    return CodeBuildProject.failed(error, *_LOG_FIELDS)


def fetch_projects(ctx: CollectContext) -> list[CodeBuildProject]:
    client = ctx.client("codebuild")
    names = sorted(set(ctx.paginate("codebuild", "list_projects", "projects")))  # ListProjects
    out: list[CodeBuildProject] = []
    for start in range(0, len(names), BATCH):
        batch = names[start : start + BATCH]
        raw = sub_call(
            ctx.region,
            _LOG_FIELDS,
            lambda: client.batch_get_projects(names=batch),  # noqa: B023 - codebuild:BatchGetProjects
        )
        if isinstance(raw, Failed):
            out.extend(CodeBuildProject(name=n, errors=raw.errors) for n in batch)
            continue
        found = {str(p.get("name")): p for p in raw.get("projects", ())}
        for name in batch:
            if name in found:
                out.append(_project(name, found[name]))
            else:  # deleted since it was listed, or not readable: never a verdict
                out.append(CodeBuildProject(name=name, errors=_not_returned(name, ctx.region)))
    return out


COLLECTORS = (
    Collector(
        CODEBUILD_PROJECTS,
        ("codebuild:ListProjects", "codebuild:BatchGetProjects"),
        fetch_projects,
        events=on("codebuild.amazonaws.com", "CreateProject", "UpdateProject", "DeleteProject"),
    ),
)
