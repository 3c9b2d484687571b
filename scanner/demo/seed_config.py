"""Demo AWS Config: a good setup in the management account, typical gaps in the members."""

from __future__ import annotations

from typing import Any

from scanner.demo.world import DemoAccount, DemoOrg

ORDER = 30

SLR = "role/aws-service-role/config.amazonaws.com/AWSServiceRoleForConfig"


def _recorder(
    account: DemoAccount, region: str, group: dict[str, Any], role: str | None = None
) -> Any:
    client = account.client("config", region)
    client.put_configuration_recorder(
        ConfigurationRecorder={
            "name": "default",
            "roleARN": role or f"arn:aws:iam::{account.account_id}:{SLR}",
            "recordingGroup": group,
        }
    )
    return client


def _channel_and_start(client: Any, bucket: str) -> None:
    client.put_delivery_channel(DeliveryChannel={"name": "default", "s3BucketName": bucket})
    client.start_configuration_recorder(ConfigurationRecorderName="default")


def seed(org: DemoOrg) -> None:
    bucket = f"aws-config-{org.suffix}"  # delivery bucket (moto does not check that it exists)
    org.names["config_bucket"] = bucket
    everything = {"allSupported": True, "includeGlobalResourceTypes": False}
    with_global = {"allSupported": True, "includeGlobalResourceTypes": True}

    # management: recording everything in both regions, global types in us-east-1.
    mgmt = org.management
    _channel_and_start(_recorder(mgmt, "us-east-1", with_global), bucket)
    _channel_and_start(_recorder(mgmt, "eu-west-1", everything), bucket)

    # log-archive: good in us-east-1, nothing in eu-west-1.
    _channel_and_start(_recorder(org.log_archive, "us-east-1", with_global), bucket)

    # workloads-prod: excludes EC2 instances and uses its own role instead of the SLR.
    wl = _recorder(
        org.workloads,
        "us-east-1",
        {
            "allSupported": False,
            "includeGlobalResourceTypes": False,
            "exclusionByResourceTypes": {"resourceTypes": ["AWS::EC2::Instance"]},
            "recordingStrategy": {"useOnly": "EXCLUSION_BY_RESOURCE_TYPES"},
        },
        role=f"arn:aws:iam::{org.workloads.account_id}:role/config-recorder",
    )
    _channel_and_start(wl, bucket)

    # sandbox: a recorder but no delivery channel, so it could never be started.
    _recorder(org.sandbox, "us-east-1", with_global)
