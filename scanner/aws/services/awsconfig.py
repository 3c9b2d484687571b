"""AWS Config collectors: recorders, recorder status and delivery channels in each region."""

from __future__ import annotations

from typing import Any

from scanner.aws.collector import Collector, on
from scanner.aws.engine import CollectContext
from scanner.core.datasets.awsconfig import (
    CONFIG,
    ConfigRecorder,
    ConfigRegion,
    DeliveryChannel,
    RecordingGroup,
)


def _text(value: Any) -> str | None:
    return None if value in (None, "") else str(value)


def _recording_group(raw: dict[str, Any] | None) -> RecordingGroup | None:
    if raw is None:
        return None
    strategy = raw.get("recordingStrategy") or {}
    exclusions = raw.get("exclusionByResourceTypes") or {}
    return RecordingGroup(
        all_supported=bool(raw.get("allSupported", True)),
        include_global_resource_types=bool(raw.get("includeGlobalResourceTypes", False)),
        resource_types=tuple(raw.get("resourceTypes") or ()),
        excluded_resource_types=tuple(exclusions.get("resourceTypes") or ()),
        recording_strategy=_text(strategy.get("useOnly")),
    )


def fetch_config(ctx: CollectContext) -> ConfigRegion:
    client = ctx.client("config")
    recorders = client.describe_configuration_recorders().get("ConfigurationRecorders") or []
    statuses = {
        s["name"]: s
        for s in client.describe_configuration_recorder_status().get("ConfigurationRecordersStatus")
        or []
    }
    channels = client.describe_delivery_channels().get("DeliveryChannels") or []
    out: list[ConfigRecorder] = []
    for raw in recorders:
        status = statuses.get(raw["name"])
        mode = raw.get("recordingMode") or {}
        out.append(
            ConfigRecorder(
                name=raw["name"],
                arn=_text(raw.get("arn")),
                role_arn=_text(raw.get("roleARN")),
                recording_group=_recording_group(raw.get("recordingGroup")),
                recording_mode_frequency=_text(mode.get("recordingFrequency")),
                service_principal=_text(raw.get("servicePrincipal")),
                has_status=status is not None,
                recording=bool((status or {}).get("recording", False)),
                last_status=_text((status or {}).get("lastStatus")),
                last_error_code=_text((status or {}).get("lastErrorCode")),
                last_error_message=_text((status or {}).get("lastErrorMessage")),
                last_status_change_time=_text((status or {}).get("lastStatusChangeTime")),
            )
        )
    return ConfigRegion(
        recorders=tuple(sorted(out, key=lambda r: r.name)),
        delivery_channels=tuple(
            sorted(
                (
                    DeliveryChannel(
                        name=c["name"],
                        s3_bucket_name=_text(c.get("s3BucketName")),
                        s3_key_prefix=_text(c.get("s3KeyPrefix")),
                        s3_kms_key_arn=_text(c.get("s3KmsKeyArn")),
                        sns_topic_arn=_text(c.get("snsTopicARN")),
                    )
                    for c in channels
                ),
                key=lambda c: c.name,
            )
        ),
    )


COLLECTORS = (
    Collector(
        CONFIG,
        (
            "config:DescribeConfigurationRecorders",
            "config:DescribeConfigurationRecorderStatus",
            "config:DescribeDeliveryChannels",
        ),
        fetch_config,
        events=on(
            "config.amazonaws.com",
            "PutConfigurationRecorder",
            "StartConfigurationRecorder",
            "StopConfigurationRecorder",
            "DeleteConfigurationRecorder",
            "PutDeliveryChannel",
            "DeleteDeliveryChannel",
        ),
    ),
)
