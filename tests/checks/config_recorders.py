"""AWS Config recorders and channels as hand-built inventories for check tests."""

from __future__ import annotations

from typing import Any

from checks.config_enabled import CHECK, service_linked_role_arn
from scanner.core.datasets.awsconfig import (
    CONFIG,
    ConfigRecorder,
    ConfigRegion,
    DeliveryChannel,
    RecordingGroup,
)
from tests.builders import MGMT, InventoryBuilder, by_resource, run

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
