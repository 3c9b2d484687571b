"""CloudTrail datasets: trails as seen per region, and per-trail status, selectors and tags."""

from __future__ import annotations

from pydantic import Field

from scanner.core.dataset import Dataset, Scope
from scanner.core.model import Frozen


class Trail(Frozen):
    """A trail as DescribeTrails returns it (shadow copies included, deduplicated by ARN)."""

    name: str
    arn: str
    home_region: str
    s3_bucket_name: str | None = None
    s3_key_prefix: str | None = None
    sns_topic_arn: str | None = None
    include_global_service_events: bool = False
    is_multi_region: bool = False
    is_organization_trail: bool = False
    log_file_validation_enabled: bool = False
    cloudwatch_logs_log_group_arn: str | None = None
    cloudwatch_logs_role_arn: str | None = None
    kms_key_id: str | None = None
    has_custom_event_selectors: bool = False
    has_insight_selectors: bool = False

    @property
    def owner_account(self) -> str:
        return self.arn.split(":")[4]

    @property
    def region_of_arn(self) -> str:
        return self.arn.split(":")[3]


class TrailStatus(Frozen):
    """GetTrailStatus, called in the trail's home region with its ARN."""

    is_logging: bool
    latest_delivery_error: str | None = None
    latest_delivery_time: str | None = None
    latest_cloudwatch_logs_delivery_error: str | None = None
    latest_cloudwatch_logs_delivery_time: str | None = None
    latest_notification_error: str | None = None
    latest_digest_delivery_error: str | None = None
    start_logging_time: str | None = None
    stop_logging_time: str | None = None


class DataResource(Frozen):
    type: str
    values: tuple[str, ...] = ()


class EventSelector(Frozen):
    """A basic event selector (AWS defaults when a field is absent)."""

    read_write_type: str = "All"
    include_management_events: bool = True
    data_resources: tuple[DataResource, ...] = ()
    exclude_management_event_sources: tuple[str, ...] = ()


class FieldSelector(Frozen):
    field: str
    equals: tuple[str, ...] = ()
    starts_with: tuple[str, ...] = ()
    ends_with: tuple[str, ...] = ()
    not_equals: tuple[str, ...] = ()
    not_starts_with: tuple[str, ...] = ()
    not_ends_with: tuple[str, ...] = ()


class AdvancedEventSelector(Frozen):
    name: str | None = None
    field_selectors: tuple[FieldSelector, ...] = ()


class TrailSelectors(Frozen):
    """GetEventSelectors: a trail has basic or advanced selectors (none: all management)."""

    event_selectors: tuple[EventSelector, ...] = ()
    advanced_event_selectors: tuple[AdvancedEventSelector, ...] = ()


class TrailInsights(Frozen):
    """GetInsightSelectors: the enabled insight types (empty when Insights is off)."""

    insight_types: tuple[str, ...] = Field(default=())


class TrailTags(Frozen):
    """ListTags for one trail (called in its home region, only for trails the account owns)."""

    tags: dict[str, str] = Field(default_factory=dict)


TRAILS: Dataset[list[Trail]] = Dataset(
    "cloudtrail.trails",
    Scope.REGION,
    list[Trail],
    "DescribeTrails (shadow trails included) in each region",
)
TRAIL_STATUS: Dataset[dict[str, TrailStatus]] = Dataset(
    "cloudtrail.trail_status",
    Scope.ACCOUNT,
    dict[str, TrailStatus],
    "GetTrailStatus per trail ARN, in the trail's home region",
    depends_on=(TRAILS,),
)
TRAIL_SELECTORS: Dataset[dict[str, TrailSelectors]] = Dataset(
    "cloudtrail.event_selectors",
    Scope.ACCOUNT,
    dict[str, TrailSelectors],
    "GetEventSelectors per trail ARN, in the trail's home region",
    depends_on=(TRAILS,),
)
TRAIL_INSIGHTS: Dataset[dict[str, TrailInsights]] = Dataset(
    "cloudtrail.insight_selectors",
    Scope.ACCOUNT,
    dict[str, TrailInsights],
    "GetInsightSelectors per multi-Region trail ARN, in the trail's home region",
    depends_on=(TRAILS,),
)
TRAIL_TAGS: Dataset[dict[str, TrailTags]] = Dataset(
    "cloudtrail.trail_tags",
    Scope.ACCOUNT,
    dict[str, TrailTags],
    "ListTags per trail ARN the account owns, in the trail's home region (20 ARNs a call)",
    depends_on=(TRAILS,),
)
