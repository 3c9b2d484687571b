"""A region with a recorder needs a delivery channel."""

from __future__ import annotations

from checks.config_delivery_channel import CHECK
from scanner.core.datasets.awsconfig import CONFIG
from tests.builders import MGMT, by_resource, run
from tests.checks.test_config_enabled import HOME, OTHER, config, inventory, recorder

ACCOUNT = f"AWS::::Account:{MGMT}"


def test_recorder_without_channel_fails_with_channel_passes() -> None:
    b = inventory(config(recorder()), config(recorder(recording=False), channel=False))
    assert by_resource(run(CHECK, b)) == {
        (MGMT, HOME, ACCOUNT): "PASS",
        (MGMT, OTHER, ACCOUNT): "FAIL",
    }


def test_no_recorder_no_finding_even_with_a_channel() -> None:
    assert run(CHECK, inventory(config(), config(channel=False))) == []


def test_failed_dataset_is_error() -> None:
    b = inventory(config(recorder()), None)
    b.account(MGMT).fail(CONFIG, OTHER, operation="DescribeDeliveryChannels")
    assert by_resource(run(CHECK, b))[(MGMT, OTHER, ACCOUNT)] == "ERROR"
