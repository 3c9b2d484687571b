"""CodeBuild datasets: build projects with their logs configuration."""

from __future__ import annotations

from scanner.core.dataset import Dataset, Scope
from scanner.core.model import Collected


class CodeBuildProject(Collected):
    """A build project (ListProjects, then BatchGetProjects for its logsConfig).

    `cloudwatch_logs_status` / `s3_logs_status` are the logsConfig statuses (ENABLED or
    DISABLED; None when the answer has no such entry). Both are unavailable when
    BatchGetProjects failed or did not return the project.
    """

    name: str
    arn: str | None = None
    cloudwatch_logs_status: str | None = None
    cloudwatch_logs_group: str | None = None
    s3_logs_status: str | None = None
    s3_logs_location: str | None = None


CODEBUILD_PROJECTS: Dataset[list[CodeBuildProject]] = Dataset(
    "codebuild.projects",
    Scope.REGION,
    list[CodeBuildProject],
    "ListProjects, and BatchGetProjects (100 names a call), in each region",
)
