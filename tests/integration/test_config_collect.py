"""AWS Config collector against moto: recorders, status and delivery channels per region."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from checks.config_enabled import service_linked_role_arn
from scanner.core.datasets.awsconfig import CONFIG, ConfigRegion
from scanner.core.evaluate import evaluate
from scanner.core.frameworks import Frameworks
from scanner.core.inventory import Inventory
from scanner.core.registry import all_checks, select_checks
from tests.conftest import DEFAULT_ACCOUNT, Faults

CHECKS = ("Config.1", "config_recorder_healthy", "config_delivery_channel")
SLR = service_linked_role_arn("aws", DEFAULT_ACCOUNT)


def _config(inv: Inventory, region: str) -> ConfigRegion:
    rec = inv.accounts[0].record(CONFIG.name, region)
    assert rec is not None and rec.error is None
    return CONFIG.load(rec.data)


def _statuses(inv: Inventory) -> dict[tuple[str, str], str]:
    checks = select_checks(all_checks(), list(CHECKS))
    return {(f.check_id, f.region): f.status.value for f in evaluate(inv, checks, Frameworks(()))}


def _good_recorder(client: Any) -> None:
    client.put_configuration_recorder(
        ConfigurationRecorder={
            "name": "default",
            "roleARN": SLR,
            "recordingGroup": {"allSupported": True, "includeGlobalResourceTypes": True},
        }
    )
    client.put_delivery_channel(DeliveryChannel={"name": "default", "s3BucketName": "cfg-bucket"})
    client.start_configuration_recorder(ConfigurationRecorderName="default")


def test_recorders_status_and_channels_are_collected_per_region(
    account_client: Callable[..., Any], scan_inventory: Callable[..., Inventory]
) -> None:
    _good_recorder(account_client("config", "us-east-1"))
    account_client("config", "eu-west-1").put_configuration_recorder(
        ConfigurationRecorder={
            "name": "partial",
            "roleARN": f"arn:aws:iam::{DEFAULT_ACCOUNT}:role/config-role",
            "recordingGroup": {
                "allSupported": False,
                "includeGlobalResourceTypes": False,
                "exclusionByResourceTypes": {"resourceTypes": ["AWS::EC2::Instance"]},
                "recordingStrategy": {"useOnly": "EXCLUSION_BY_RESOURCE_TYPES"},
            },
        }
    )
    inv = scan_inventory(CHECKS)

    home = _config(inv, "us-east-1")
    assert [r.name for r in home.recorders] == ["default"]
    rec = home.recorders[0]
    assert rec.role_arn == SLR and rec.recording and rec.has_status
    assert rec.recording_group is not None
    assert rec.recording_group.all_supported and rec.recording_group.include_global_resource_types
    assert rec.last_status == "PENDING"  # moto never reaches SUCCESS
    assert [c.s3_bucket_name for c in home.delivery_channels] == ["cfg-bucket"]

    eu = _config(inv, "eu-west-1")
    group = eu.recorders[0].recording_group
    assert group is not None and not group.records_all_supported
    assert group.recording_strategy == "EXCLUSION_BY_RESOURCE_TYPES"
    assert group.excluded_resource_types == ("AWS::EC2::Instance",)
    assert not eu.recorders[0].recording and eu.delivery_channels == ()

    assert _statuses(inv) == {
        ("config_enabled", "us-east-1"): "PASS",
        ("config_enabled", "eu-west-1"): "FAIL",
        ("config_recorder_healthy", "us-east-1"): "PASS",
        ("config_recorder_healthy", "eu-west-1"): "WARNING",
        ("config_delivery_channel", "us-east-1"): "PASS",
        ("config_delivery_channel", "eu-west-1"): "FAIL",
    }


def test_no_config_at_all_fails_config_1_only(scan_inventory: Callable[..., Inventory]) -> None:
    inv = scan_inventory(CHECKS)
    assert _config(inv, "us-east-1") == ConfigRegion()
    assert _statuses(inv) == {
        ("config_enabled", "us-east-1"): "FAIL",
        ("config_enabled", "eu-west-1"): "FAIL",
    }


def test_denied_call_is_recorded_and_makes_the_checks_error(
    account_client: Callable[..., Any],
    scan_inventory: Callable[..., Inventory],
    faults: Faults,
) -> None:
    _good_recorder(account_client("config", "us-east-1"))
    faults.deny("DescribeDeliveryChannels")
    inv = scan_inventory(CHECKS)
    rec = inv.accounts[0].record(CONFIG.name, "us-east-1")
    assert rec is not None and rec.error is not None
    assert rec.error.operation == "DescribeDeliveryChannels"
    assert rec.error.iam_action == "config:DescribeDeliveryChannels"
    assert set(_statuses(inv).values()) == {"ERROR"}
