"""CodeBuild.4: CodeBuild project environments have a logging configuration.

Security Hub control CodeBuild.4, "CodeBuild project environments should have a logging AWS
Configuration" (severity Medium; AWS Config rule codebuild-project-logging-enabled; resource type
AWS::CodeBuild::Project; no parameters). PASS when at least one of logsConfig's CloudWatch Logs
or S3 logs has status ENABLED; FAIL when both are DISABLED or the project has no logsConfig (no
false PASS from a missing answer). One finding per project; a project BatchGetProjects failed
for (or did not return) is ERROR. moto gap: moto returns no logsConfig for a project created
without one, where AWS returns the default (CloudWatch Logs ENABLED); such a project fails here,
so the demo and the integration test set logsConfig explicitly.
"""

from __future__ import annotations

from collections.abc import Iterator

from checks.lib.service_resources import each_judged, regional_resource
from scanner.core.check import Check
from scanner.core.dataset import Scope
from scanner.core.datasets.codebuild import CODEBUILD_PROJECTS, CodeBuildProject
from scanner.core.model import Resource, Result, Severity, Status
from scanner.core.view import View


def project_arn(view: View, project: CodeBuildProject) -> str:
    if project.arn:
        return project.arn
    region = view.region or view.home_region
    partition = view.org.inventory.partition
    return f"arn:{partition}:codebuild:{region}:{view.account_id}:project/{project.name}"


def evaluate(view: View) -> Iterator[Result]:
    """One result per build project in this account and region."""

    def decide(project: CodeBuildProject, resource: Resource) -> Result:
        cw, s3 = project.cloudwatch_logs_status, project.s3_logs_status
        evidence = {
            "api": ["codebuild:ListProjects", "codebuild:BatchGetProjects"],
            "logsConfig.cloudWatchLogs.status": cw,
            "logsConfig.cloudWatchLogs.groupName": project.cloudwatch_logs_group,
            "logsConfig.s3Logs.status": s3,
            "logsConfig.s3Logs.location": project.s3_logs_location,
        }
        enabled = [n for n, s in (("CloudWatch Logs", cw), ("S3", s3)) if s == "ENABLED"]
        if enabled:
            status, reason = Status.PASS, f"Build logs go to {' and '.join(enabled)}."
        elif cw is None and s3 is None:
            status, reason = Status.FAIL, "The project has no logs configuration."
        else:
            status, reason = Status.FAIL, "Both CloudWatch Logs and S3 logs are disabled."
        return Result(status=status, resource=resource, reason=reason, evidence=evidence)

    items = view.get(CODEBUILD_PROJECTS)
    yield from each_judged(
        view,
        items,
        lambda p: regional_resource(view, "AwsCodeBuildProject", project_arn(view, p)),
        decide,
    )


CHECK = Check(
    id="codebuild_project_logging",
    control_id="CodeBuild.4",
    title="CodeBuild project environments should have a logging AWS Configuration",
    severity=Severity.MEDIUM,
    resource_type="AwsCodeBuildProject",
    scope=Scope.REGION,
    requires=(CODEBUILD_PROJECTS,),
    evaluate=evaluate,
    rationale="Build logs show what ran in the build environment, with its credentials: the "
    "record needed to investigate a compromised pipeline.",
    remediation="aws codebuild update-project --name <project> --logs-config "
    "cloudWatchLogs={status=ENABLED}",
    remediation_url="https://docs.aws.amazon.com/securityhub/latest/userguide/codebuild-controls.html#codebuild-4",
)
