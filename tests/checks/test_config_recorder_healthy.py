"""AWS Config recorder health: lastStatus FAILURE fails; SUCCESS/PENDING pass."""

from __future__ import annotations

from checks.config_recorder_healthy import CHECK
from scanner.core.datasets.awsconfig import CONFIG, ConfigRegion
from tests.builders import MGMT, by_resource, run
from tests.checks.test_config_enabled import HOME, OTHER, config, inventory, recorder

ACCOUNT = f"AWS::::Account:{MGMT}"


def statuses(home: ConfigRegion | None, other: ConfigRegion | None) -> dict[str, str]:
    b = inventory(home, other)
    return {region: s for (_, region, _), s in by_resource(run(CHECK, b)).items()}


def test_failure_fails_and_success_passes() -> None:
    failing = recorder(last_status="FAILURE", last_error_code="AccessDenied")
    assert statuses(config(recorder()), config(failing)) == {HOME: "PASS", OTHER: "FAIL"}


def test_failure_reports_the_error_code_in_evidence() -> None:
    failing = recorder(last_status="FAILURE", last_error_code="NoSuchBucketException")
    findings = run(CHECK, inventory(config(failing), config()))
    assert [f.evidence["lastErrorCode"] for f in findings] == ["NoSuchBucketException"]


def test_pending_passes() -> None:
    assert statuses(config(recorder(last_status="PENDING")), config()) == {HOME: "PASS"}


def test_no_recorder_no_finding() -> None:
    assert statuses(config(), config(channel=False)) == {}


def test_missing_status_or_never_ran_is_warning() -> None:
    no_status = recorder(has_status=False, recording=False)
    never = recorder(recording=False)
    assert statuses(config(no_status), config(never)) == {HOME: "WARNING", OTHER: "WARNING"}


def test_service_linked_recorders_are_ignored() -> None:
    linked = recorder(service_principal="x.amazonaws.com", last_status="FAILURE")
    assert statuses(config(linked), config()) == {}


def test_failed_dataset_is_error() -> None:
    b = inventory(config(recorder()), None)
    b.account(MGMT).fail(CONFIG, OTHER, operation="DescribeConfigurationRecorderStatus")
    assert by_resource(run(CHECK, b)) == {
        (MGMT, HOME, ACCOUNT): "PASS",
        (MGMT, OTHER, ACCOUNT): "ERROR",
    }
