"""AWS Config datasets: recorders (with their status) and delivery channels per region."""

from __future__ import annotations

from scanner.core.dataset import Dataset, Scope
from scanner.core.model import Frozen

ALL_SUPPORTED = "ALL_SUPPORTED_RESOURCE_TYPES"


class RecordingGroup(Frozen):
    """recordingGroup of a recorder (AWS defaults when a field is absent)."""

    all_supported: bool = True
    include_global_resource_types: bool = False
    resource_types: tuple[str, ...] = ()
    excluded_resource_types: tuple[str, ...] = ()
    recording_strategy: str | None = None

    @property
    def records_all_supported(self) -> bool:
        """All supported resource types, with nothing excluded or hand-picked.

        recordingStrategy INCLUSION_BY_RESOURCE_TYPES or EXCLUSION_BY_RESOURCE_TYPES is never
        "all", even if allSupported were also true (a contradictory state AWS rejects).
        """
        strategy_ok = self.recording_strategy in (None, ALL_SUPPORTED)
        wanted = self.all_supported or self.recording_strategy == ALL_SUPPORTED
        return wanted and strategy_ok and not self.excluded_resource_types


class ConfigRecorder(Frozen):
    """DescribeConfigurationRecorders merged with DescribeConfigurationRecorderStatus (by name)."""

    name: str
    arn: str | None = None
    role_arn: str | None = None
    recording_group: RecordingGroup | None = None
    recording_mode_frequency: str | None = None
    service_principal: str | None = None
    has_status: bool = False
    recording: bool = False
    last_status: str | None = None
    last_error_code: str | None = None
    last_error_message: str | None = None
    last_status_change_time: str | None = None

    @property
    def customer_managed(self) -> bool:
        """False for service-linked recorders (servicePrincipal set): they record one service."""
        return not self.service_principal


class DeliveryChannel(Frozen):
    name: str
    s3_bucket_name: str | None = None
    s3_key_prefix: str | None = None
    s3_kms_key_arn: str | None = None
    sns_topic_arn: str | None = None


class ConfigRegion(Frozen):
    """AWS Config as set up in one region."""

    recorders: tuple[ConfigRecorder, ...] = ()
    delivery_channels: tuple[DeliveryChannel, ...] = ()


CONFIG: Dataset[ConfigRegion] = Dataset(
    "config.recorders",
    Scope.REGION,
    ConfigRegion,
    "DescribeConfigurationRecorders, DescribeConfigurationRecorderStatus and "
    "DescribeDeliveryChannels in each region",
)
