"""CloudTrail collectors: DescribeTrails per region; status, selectors, tags once per trail ARN."""

from __future__ import annotations

from typing import Any

from botocore.exceptions import ClientError

from scanner.aws.collector import Collector, on
from scanner.aws.engine import CollectContext
from scanner.core.datasets.cloudtrail import (
    TRAIL_INSIGHTS,
    TRAIL_SELECTORS,
    TRAIL_STATUS,
    TRAIL_TAGS,
    TRAILS,
    AdvancedEventSelector,
    DataResource,
    EventSelector,
    FieldSelector,
    Trail,
    TrailInsights,
    TrailSelectors,
    TrailStatus,
    TrailTags,
)


def _trail(raw: dict[str, Any]) -> Trail:
    return Trail(
        name=raw["Name"],
        arn=raw["TrailARN"],
        home_region=raw.get("HomeRegion") or raw["TrailARN"].split(":")[3],
        s3_bucket_name=raw.get("S3BucketName"),
        s3_key_prefix=raw.get("S3KeyPrefix"),
        sns_topic_arn=raw.get("SnsTopicARN"),
        include_global_service_events=bool(raw.get("IncludeGlobalServiceEvents", False)),
        is_multi_region=bool(raw.get("IsMultiRegionTrail", False)),
        is_organization_trail=bool(raw.get("IsOrganizationTrail", False)),
        log_file_validation_enabled=bool(raw.get("LogFileValidationEnabled", False)),
        cloudwatch_logs_log_group_arn=raw.get("CloudWatchLogsLogGroupArn") or None,
        cloudwatch_logs_role_arn=raw.get("CloudWatchLogsRoleArn") or None,
        kms_key_id=raw.get("KmsKeyId") or None,
        has_custom_event_selectors=bool(raw.get("HasCustomEventSelectors", False)),
        has_insight_selectors=bool(raw.get("HasInsightSelectors", False)),
    )


def fetch_trails(ctx: CollectContext) -> list[Trail]:
    resp = ctx.client("cloudtrail").describe_trails(includeShadowTrails=True)
    seen: dict[str, Trail] = {}
    for raw in resp.get("trailList", []):
        trail = _trail(raw)
        seen.setdefault(trail.arn, trail)
    return sorted(seen.values(), key=lambda t: t.arn)


def unique_trails(ctx: CollectContext) -> list[Trail]:
    """Every trail seen in any region, once per ARN."""
    seen: dict[str, Trail] = {}
    for trails in ctx.regional(TRAILS).values():
        for trail in trails:
            seen.setdefault(trail.arn, trail)
    return sorted(seen.values(), key=lambda t: t.arn)


def _text(value: Any) -> str | None:
    return None if value in (None, "") else str(value)


def fetch_status(ctx: CollectContext) -> dict[str, TrailStatus]:
    out: dict[str, TrailStatus] = {}
    for trail in unique_trails(ctx):
        raw = ctx.client("cloudtrail", trail.home_region).get_trail_status(Name=trail.arn)
        out[trail.arn] = TrailStatus(
            is_logging=bool(raw.get("IsLogging", False)),
            latest_delivery_error=_text(raw.get("LatestDeliveryError")),
            latest_delivery_time=_text(raw.get("LatestDeliveryTime")),
            latest_cloudwatch_logs_delivery_error=_text(
                raw.get("LatestCloudWatchLogsDeliveryError")
            ),
            latest_cloudwatch_logs_delivery_time=_text(raw.get("LatestCloudWatchLogsDeliveryTime")),
            latest_notification_error=_text(raw.get("LatestNotificationError")),
            latest_digest_delivery_error=_text(raw.get("LatestDigestDeliveryError")),
            start_logging_time=_text(raw.get("StartLoggingTime")),
            stop_logging_time=_text(raw.get("StopLoggingTime")),
        )
    return out


def _field_selector(raw: dict[str, Any]) -> FieldSelector:
    return FieldSelector(
        field=raw["Field"],
        equals=tuple(raw.get("Equals", ())),
        starts_with=tuple(raw.get("StartsWith", ())),
        ends_with=tuple(raw.get("EndsWith", ())),
        not_equals=tuple(raw.get("NotEquals", ())),
        not_starts_with=tuple(raw.get("NotStartsWith", ())),
        not_ends_with=tuple(raw.get("NotEndsWith", ())),
    )


def fetch_selectors(ctx: CollectContext) -> dict[str, TrailSelectors]:
    out: dict[str, TrailSelectors] = {}
    for trail in unique_trails(ctx):
        raw = ctx.client("cloudtrail", trail.home_region).get_event_selectors(TrailName=trail.arn)
        basic = tuple(
            EventSelector(
                read_write_type=sel.get("ReadWriteType", "All"),
                include_management_events=bool(sel.get("IncludeManagementEvents", True)),
                data_resources=tuple(
                    DataResource(type=d["Type"], values=tuple(d.get("Values", ())))
                    for d in sel.get("DataResources", ())
                ),
                exclude_management_event_sources=tuple(
                    sel.get("ExcludeManagementEventSources", ())
                ),
            )
            for sel in raw.get("EventSelectors") or ()
        )
        advanced = tuple(
            AdvancedEventSelector(
                name=sel.get("Name"),
                field_selectors=tuple(_field_selector(f) for f in sel.get("FieldSelectors", ())),
            )
            for sel in raw.get("AdvancedEventSelectors") or ()
        )
        out[trail.arn] = TrailSelectors(event_selectors=basic, advanced_event_selectors=advanced)
    return out


def fetch_insights(ctx: CollectContext) -> dict[str, TrailInsights]:

    out: dict[str, TrailInsights] = {}
    for trail in unique_trails(ctx):
        if not trail.is_multi_region:
            continue
        client = ctx.client("cloudtrail", trail.home_region)
        try:
            raw = client.get_insight_selectors(TrailName=trail.arn)
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") == "InsightNotEnabledException":
                out[trail.arn] = TrailInsights()
                continue
            raise
        types = tuple(s["InsightType"] for s in raw.get("InsightSelectors") or ())
        out[trail.arn] = TrailInsights(insight_types=types)
    return out


LIST_TAGS_BATCH = 20
"""ListTags accepts at most 20 trail ARNs per call."""


def fetch_tags(ctx: CollectContext) -> dict[str, TrailTags]:
    """ListTags for the account's own trails, batched per home region.

    Trails owned by another account (organization trails seen from a member) are skipped:
    their tags are read, and CloudTrail.9 evaluated, in the owner's account.
    """
    by_region: dict[str, list[str]] = {}
    for trail in unique_trails(ctx):
        if trail.owner_account == ctx.account_id:
            by_region.setdefault(trail.home_region, []).append(trail.arn)
    out: dict[str, TrailTags] = {}
    for region, arns in sorted(by_region.items()):
        for start in range(0, len(arns), LIST_TAGS_BATCH):
            batch = arns[start : start + LIST_TAGS_BATCH]
            for item in ctx.paginate(
                "cloudtrail", "list_tags", "ResourceTagList", region=region, ResourceIdList=batch
            ):
                tags = {t["Key"]: t.get("Value", "") for t in item.get("TagsList") or ()}
                out[item["ResourceId"]] = TrailTags(tags=tags)
    return out


_CLOUDTRAIL = "cloudtrail.amazonaws.com"

# A trail created, changed or deleted changes the listing (and, through `depends_on`, each
# per-trail dataset below).
COLLECTORS = (
    Collector(
        TRAILS,
        ("cloudtrail:DescribeTrails",),
        fetch_trails,
        events=on(_CLOUDTRAIL, "CreateTrail", "UpdateTrail", "DeleteTrail"),
    ),
    Collector(
        TRAIL_STATUS,
        ("cloudtrail:GetTrailStatus",),
        fetch_status,
        events=on(_CLOUDTRAIL, "StartLogging", "StopLogging"),
    ),
    Collector(
        TRAIL_SELECTORS,
        ("cloudtrail:GetEventSelectors",),
        fetch_selectors,
        events=on(_CLOUDTRAIL, "PutEventSelectors"),
    ),
    Collector(
        TRAIL_INSIGHTS,
        ("cloudtrail:GetInsightSelectors",),
        fetch_insights,
        events=on(_CLOUDTRAIL, "PutInsightSelectors"),
    ),
    Collector(
        TRAIL_TAGS,
        ("cloudtrail:ListTags",),
        fetch_tags,
        events=on(_CLOUDTRAIL, "AddTags", "RemoveTags"),
    ),
)
