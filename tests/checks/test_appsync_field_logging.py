"""AppSync.2: GraphQL APIs log resolver fields at an allowed level (ERROR or ALL by default)."""

from __future__ import annotations

from checks.appsync_field_logging import CHECK, build_check
from scanner.core.check import Check
from scanner.core.datasets.appsync import APPSYNC_APIS, GraphqlApi
from tests.builders import MGMT, InventoryBuilder, run

HOME = "us-east-1"
LEVELS = {
    "all": "ALL",
    "error": "ERROR",
    "info": "INFO",
    "debug": "DEBUG",
    "none": "NONE",
    "unset": None,
}


def statuses(check: Check = CHECK, levels: dict[str, str | None] = LEVELS) -> dict[str, str]:
    apis = [
        GraphqlApi(
            api_id=k, arn=f"arn:aws:appsync:us-east-1:111111111111:apis/{k}", field_log_level=v
        )
        for k, v in levels.items()
    ]
    b = InventoryBuilder(regions=(HOME,))
    b.account(MGMT).put(APPSYNC_APIS, apis)
    return {f.resource.id.rsplit("/", 1)[-1]: f.status.value for f in run(check, b)}


def test_default_passes_error_and_all_only() -> None:
    assert statuses() == {
        "all": "PASS",
        "error": "PASS",
        "info": "FAIL",  # the control page: without a parameter, ERROR or ALL pass
        "debug": "FAIL",
        "none": "FAIL",
        "unset": "FAIL",
    }


def test_field_logging_level_parameter() -> None:
    got = statuses(build_check(("INFO", "DEBUG", "ALL")))
    assert got == {
        "all": "PASS",
        "error": "FAIL",
        "info": "PASS",
        "debug": "PASS",
        "none": "FAIL",
        "unset": "FAIL",
    }


def test_no_apis_no_findings() -> None:
    assert statuses(levels={}) == {}


def test_denied_listing_is_error() -> None:
    b = InventoryBuilder(regions=(HOME,))
    b.account(MGMT).fail(
        APPSYNC_APIS, operation="ListGraphqlApis", iam_action="appsync:ListGraphqlApis"
    )
    findings = run(CHECK, b)
    assert [f.status.value for f in findings] == ["ERROR"]
    assert findings[0].errors[0].iam_action == "appsync:ListGraphqlApis"
