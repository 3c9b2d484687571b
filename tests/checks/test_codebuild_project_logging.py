"""CodeBuild.4: each build project logs to CloudWatch Logs or S3."""

from __future__ import annotations

from checks.codebuild_project_logging import CHECK
from scanner.core.datasets.codebuild import CODEBUILD_PROJECTS, CodeBuildProject
from scanner.core.model import CollectionError
from tests.builders import MGMT, InventoryBuilder, run

HOME = "us-east-1"


def project(name: str, cw: str | None, s3: str | None) -> CodeBuildProject:
    return CodeBuildProject(name=name, cloudwatch_logs_status=cw, s3_logs_status=s3)


def statuses(projects: list[CodeBuildProject]) -> dict[str, str]:
    b = InventoryBuilder(regions=(HOME,))
    b.account(MGMT).put(CODEBUILD_PROJECTS, projects)
    return {f.resource.id.rsplit("/", 1)[-1]: f.status.value for f in run(CHECK, b)}


def test_one_enabled_destination_is_enough() -> None:
    assert statuses(
        [
            project("cw", "ENABLED", "DISABLED"),
            project("s3", "DISABLED", "ENABLED"),
            project("both", "ENABLED", "ENABLED"),
            project("none", "DISABLED", "DISABLED"),
            project("noconfig", None, None),
        ]
    ) == {"cw": "PASS", "s3": "PASS", "both": "PASS", "none": "FAIL", "noconfig": "FAIL"}


def test_resource_is_the_project_arn() -> None:
    b = InventoryBuilder(regions=(HOME,))
    b.account(MGMT).put(CODEBUILD_PROJECTS, [project("p", "ENABLED", None)])
    (finding,) = run(CHECK, b)
    assert finding.resource.type == "AwsCodeBuildProject"
    assert finding.resource.id == "arn:aws:codebuild:us-east-1:111111111111:project/p"


def test_no_projects_no_findings() -> None:
    assert statuses([]) == {}


def test_unreadable_project_is_error_the_others_are_judged() -> None:
    err = CollectionError(
        operation="BatchGetProjects",
        iam_action="codebuild:BatchGetProjects",
        code="AccessDeniedException",
        message="x",
    )
    broken = CodeBuildProject(
        name="broken",
        errors=CodeBuildProject.failed(
            err,
            "cloudwatch_logs_status",
            "cloudwatch_logs_group",
            "s3_logs_status",
            "s3_logs_location",
        ),
    )
    assert statuses([broken, project("cw", "ENABLED", None)]) == {"broken": "ERROR", "cw": "PASS"}


def test_denied_listing_is_error() -> None:
    b = InventoryBuilder(regions=(HOME,))
    b.account(MGMT).fail(
        CODEBUILD_PROJECTS, operation="ListProjects", iam_action="codebuild:ListProjects"
    )
    assert [f.status.value for f in run(CHECK, b)] == ["ERROR"]
