"""Config.1: recorder on, all supported types, service-linked role, delivery channel, global types.

The factories (no `test_` prefix) are imported by the other AWS Config check tests.
"""

from __future__ import annotations

from typing import Any

from checks.config_enabled import CHECK, build_check, service_linked_role_arn
from scanner.core.datasets.awsconfig import (
    CONFIG,
    ConfigRecorder,
    ConfigRegion,
    DeliveryChannel,
    RecordingGroup,
)
from scanner.core.model import Severity, Status
from tests.builders import MEMBER, MGMT, InventoryBuilder, by_resource, run

HOME = "us-east-1"
OTHER = "eu-west-1"
ACCOUNT = f"AWS::::Account:{MGMT}"


def recorder(
    account: str = MGMT,
    *,
    global_types: bool = False,
    recording: bool = True,
    group: dict[str, Any] | None = None,
    **fields: Any,
) -> ConfigRecorder:
    values: dict[str, Any] = {
        "name": "default",
        "role_arn": service_linked_role_arn("aws", account),
        "recording_group": RecordingGroup(
            **{
                "all_supported": True,
                "include_global_resource_types": global_types,
                **(group or {}),
            }
        ),
        "has_status": True,
        "recording": recording,
        "last_status": "SUCCESS" if recording else None,
    }
    values.update(fields)
    return ConfigRecorder(**values)


def config(*recorders: ConfigRecorder, channel: bool = True) -> ConfigRegion:
    return ConfigRegion(
        recorders=recorders,
        delivery_channels=(DeliveryChannel(name="default", s3_bucket_name="cfg"),)
        if channel
        else (),
    )


def inventory(home: ConfigRegion | None, other: ConfigRegion | None) -> InventoryBuilder:
    b = InventoryBuilder(regions=(HOME, OTHER), management_account_id=MGMT)
    acct = b.account(MGMT)
    if home is not None:
        acct.put(CONFIG, home, HOME)
    if other is not None:
        acct.put(CONFIG, other, OTHER)
    return b


def statuses(b: InventoryBuilder, check: Any = CHECK) -> dict[str, str]:
    return {region: s for (_, region, _), s in by_resource(run(check, b)).items()}


def test_good_setup_passes_in_every_region_with_global_types_in_one() -> None:
    b = inventory(config(recorder(global_types=True)), config(recorder()))
    findings = run(CHECK, b)
    assert by_resource(findings) == {(MGMT, HOME, ACCOUNT): "PASS", (MGMT, OTHER, ACCOUNT): "PASS"}
    assert {f.severity for f in findings} == {Severity.CRITICAL}
    assert {f.resource.type for f in findings} == {"AwsAccount"}


def test_global_types_recorded_in_a_non_home_region_also_count() -> None:
    b = inventory(config(recorder()), config(recorder(global_types=True)))
    assert statuses(b) == {HOME: "PASS", OTHER: "PASS"}


def test_global_types_recorded_nowhere_fail_every_region() -> None:
    b = inventory(config(recorder()), config(recorder()))
    assert statuses(b) == {HOME: "FAIL", OTHER: "FAIL"}


def test_global_types_on_a_stopped_recorder_do_not_count() -> None:
    b = inventory(config(recorder()), config(recorder(global_types=True, recording=False)))
    assert statuses(b) == {HOME: "FAIL", OTHER: "FAIL"}


def test_no_recorder_fails_that_region_only() -> None:
    b = inventory(config(recorder(global_types=True)), config(channel=False))
    assert statuses(b) == {HOME: "PASS", OTHER: "FAIL"}


def test_not_recording_fails() -> None:
    b = inventory(config(recorder(global_types=True)), config(recorder(recording=False)))
    assert statuses(b) == {HOME: "PASS", OTHER: "FAIL"}


def test_exclusion_strategy_fails_even_if_all_supported_claims_true() -> None:
    excluded = recorder(
        group={
            "all_supported": False,
            "recording_strategy": "EXCLUSION_BY_RESOURCE_TYPES",
            "excluded_resource_types": ("AWS::EC2::Instance",),
        }
    )
    contradictory = recorder(
        group={"recording_strategy": "EXCLUSION_BY_RESOURCE_TYPES"}, global_types=True
    )
    b = inventory(config(contradictory), config(excluded))
    assert statuses(b) == {HOME: "FAIL", OTHER: "FAIL"}


def test_inclusion_list_fails() -> None:
    some = recorder(
        group={
            "all_supported": False,
            "recording_strategy": "INCLUSION_BY_RESOURCE_TYPES",
            "resource_types": ("AWS::S3::Bucket",),
        }
    )
    b = inventory(config(recorder(global_types=True)), config(some))
    assert statuses(b) == {HOME: "PASS", OTHER: "FAIL"}


def test_all_supported_strategy_passes() -> None:
    strategy = recorder(
        group={"all_supported": False, "recording_strategy": "ALL_SUPPORTED_RESOURCE_TYPES"}
    )
    b = inventory(config(recorder(global_types=True)), config(strategy))
    assert statuses(b) == {HOME: "PASS", OTHER: "PASS"}


def test_missing_recording_group_fails() -> None:
    b = inventory(config(recorder(global_types=True)), config(recorder(recording_group=None)))
    assert statuses(b) == {HOME: "PASS", OTHER: "FAIL"}


def test_custom_role_fails_unless_the_slr_check_is_off() -> None:
    custom = recorder(role_arn=f"arn:aws:iam::{MGMT}:role/my-config-role")
    b = inventory(config(recorder(global_types=True)), config(custom))
    assert statuses(b) == {HOME: "PASS", OTHER: "FAIL"}
    assert statuses(b, build_check(include_slr_check=False)) == {HOME: "PASS", OTHER: "PASS"}


def test_slr_of_another_account_fails() -> None:
    b = inventory(
        config(recorder(global_types=True, role_arn=service_linked_role_arn("aws", MEMBER))),
        config(recorder()),
    )
    assert statuses(b) == {HOME: "FAIL", OTHER: "PASS"}


def test_no_delivery_channel_fails() -> None:
    b = inventory(config(recorder(global_types=True)), config(recorder(), channel=False))
    assert statuses(b) == {HOME: "PASS", OTHER: "FAIL"}


def test_service_linked_recorder_alone_is_no_recorder() -> None:
    linked = recorder(name="AWSConfigurationRecorderForX", service_principal="x.amazonaws.com")
    b = inventory(config(recorder(global_types=True)), config(linked))
    assert statuses(b) == {HOME: "PASS", OTHER: "FAIL"}


def test_failed_dataset_is_error_in_that_region() -> None:
    b = inventory(config(recorder(global_types=True)), None)
    b.account(MGMT).fail(
        CONFIG,
        OTHER,
        operation="DescribeConfigurationRecorders",
        iam_action="config:DescribeConfigurationRecorders",
    )
    findings = run(CHECK, b)
    assert statuses(b) == {HOME: "PASS", OTHER: "ERROR"}
    error = next(f for f in findings if f.region == OTHER)
    assert error.errors and error.errors[0].operation == "DescribeConfigurationRecorders"


def test_global_types_unknown_when_the_other_region_failed_is_error() -> None:
    b = inventory(config(recorder()), None)
    b.account(MGMT).fail(CONFIG, OTHER, operation="DescribeConfigurationRecorders")
    findings = run(CHECK, b)
    assert statuses(b) == {HOME: "ERROR", OTHER: "ERROR"}
    home = next(f for f in findings if f.region == HOME)
    assert home.status is Status.ERROR and home.errors[0].region == OTHER


def test_local_failure_stays_fail_when_another_region_is_unknown() -> None:
    b = inventory(config(recorder(recording=False)), None)
    b.account(MGMT).fail(CONFIG, OTHER)
    assert statuses(b) == {HOME: "FAIL", OTHER: "ERROR"}


def test_global_types_recorded_here_need_no_other_region() -> None:
    b = inventory(config(recorder(global_types=True)), None)
    b.account(MGMT).fail(CONFIG, OTHER)
    assert statuses(b)[HOME] == "PASS"


def test_partition_of_the_inventory_is_used_for_the_slr() -> None:
    b = inventory(
        config(recorder(global_types=True, role_arn=service_linked_role_arn("aws-cn", MGMT))),
        config(recorder(role_arn=service_linked_role_arn("aws-cn", MGMT))),
    )
    inv = b.build().model_copy(update={"partition": "aws-cn"})
    assert {f.status.value for f in run(CHECK, inv)} == {"PASS"}
    assert {f.status.value for f in run(CHECK, b)} == {"FAIL"}
