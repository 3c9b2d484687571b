"""CloudTrail API-call events (EventBridge) -> the account, region, datasets and checks they touch.

`CALLS` is the whole mapping: (eventSource, eventName) of each posture-changing call -> the
datasets whose data the call can change. The affected checks are derived, never listed: every
selected check whose `requires` intersects those datasets. The EventBridge rule pattern
(deploy/eventbridge/rule-pattern.json, `rule_pattern()`) is generated from the same table.

An event is one of:
- an EventBridge event, detail-type "AWS API Call via CloudTrail" (`account`, `region`,
  `detail.eventSource`, `detail.eventName`, `detail.requestParameters`);
- a bare CloudTrail record (`recipientAccountId`, `awsRegion`, `eventSource`, `eventName`), as
  in CloudTrail log files (`jq -c '.Records[]'`), for catching up.

Irrelevant events (another detail-type, a call not in the table, a call that failed: errorCode
set, so nothing changed) give None and a debug log line. Malformed events raise EventError.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from scanner.check import Check
from scanner.dataset import Dataset, Scope
from scanner.datasets.awsconfig import CONFIG
from scanner.datasets.cloudtrail import TRAIL_INSIGHTS, TRAIL_SELECTORS, TRAIL_STATUS, TRAILS
from scanner.datasets.cloudwatch import ALARMS
from scanner.datasets.ec2 import VPC_FLOW_LOGS
from scanner.datasets.events import EVENT_RULES
from scanner.datasets.kms import KMS_KEYS
from scanner.datasets.metric_filters import METRIC_FILTERS
from scanner.datasets.s3 import (
    S3_BUCKET_ACLS,
    S3_BUCKET_LOGGING,
    S3_BUCKET_POLICIES,
    S3_BUCKET_PUBLIC_ACCESS_BLOCKS,
)
from scanner.datasets.sns import TOPIC_SUBSCRIPTIONS
from scanner.errors import TrailwatchError

log = logging.getLogger(__name__)

DETAIL_TYPE = "AWS API Call via CloudTrail"

_TRAIL_CONFIG = (TRAILS, TRAIL_STATUS, TRAIL_SELECTORS, TRAIL_INSIGHTS)
_ALARM_CHAIN = (ALARMS, TOPIC_SUBSCRIPTIONS)

CALLS: dict[tuple[str, str], tuple[Dataset[Any], ...]] = {
    # A trail created, changed or deleted: its listing everywhere (multi-Region trails appear in
    # every region), and its status, selectors and Insights (collected per trail).
    ("cloudtrail.amazonaws.com", "CreateTrail"): _TRAIL_CONFIG,
    ("cloudtrail.amazonaws.com", "UpdateTrail"): _TRAIL_CONFIG,
    ("cloudtrail.amazonaws.com", "DeleteTrail"): _TRAIL_CONFIG,
    ("cloudtrail.amazonaws.com", "StopLogging"): (TRAIL_STATUS,),
    ("cloudtrail.amazonaws.com", "StartLogging"): (TRAIL_STATUS,),
    ("cloudtrail.amazonaws.com", "PutEventSelectors"): (TRAIL_SELECTORS,),
    ("ec2.amazonaws.com", "CreateFlowLogs"): (VPC_FLOW_LOGS,),
    ("ec2.amazonaws.com", "DeleteFlowLogs"): (VPC_FLOW_LOGS,),
    ("config.amazonaws.com", "PutConfigurationRecorder"): (CONFIG,),
    ("config.amazonaws.com", "StopConfigurationRecorder"): (CONFIG,),
    ("config.amazonaws.com", "DeleteConfigurationRecorder"): (CONFIG,),
    ("config.amazonaws.com", "DeleteDeliveryChannel"): (CONFIG,),
    ("s3.amazonaws.com", "PutBucketPolicy"): (S3_BUCKET_POLICIES,),
    ("s3.amazonaws.com", "DeleteBucketPolicy"): (S3_BUCKET_POLICIES,),
    ("s3.amazonaws.com", "PutBucketAcl"): (S3_BUCKET_ACLS,),
    ("s3.amazonaws.com", "PutPublicAccessBlock"): (S3_BUCKET_PUBLIC_ACCESS_BLOCKS,),
    ("s3.amazonaws.com", "DeletePublicAccessBlock"): (S3_BUCKET_PUBLIC_ACCESS_BLOCKS,),
    ("s3.amazonaws.com", "PutBucketLogging"): (S3_BUCKET_LOGGING,),
    ("kms.amazonaws.com", "EnableKeyRotation"): (KMS_KEYS,),
    ("kms.amazonaws.com", "DisableKeyRotation"): (KMS_KEYS,),
    ("kms.amazonaws.com", "ScheduleKeyDeletion"): (KMS_KEYS,),
    ("kms.amazonaws.com", "CancelKeyDeletion"): (KMS_KEYS,),
    ("logs.amazonaws.com", "PutMetricFilter"): (METRIC_FILTERS,),
    ("logs.amazonaws.com", "DeleteMetricFilter"): (METRIC_FILTERS,),
    # An alarm added or removed can change which topics the alarms notify (and so the
    # subscriptions collected); disabling actions changes only the alarm.
    ("monitoring.amazonaws.com", "PutMetricAlarm"): _ALARM_CHAIN,
    ("monitoring.amazonaws.com", "DeleteAlarms"): _ALARM_CHAIN,
    ("monitoring.amazonaws.com", "DisableAlarmActions"): (ALARMS,),
    ("sns.amazonaws.com", "DeleteTopic"): (TOPIC_SUBSCRIPTIONS,),
    ("sns.amazonaws.com", "Unsubscribe"): (TOPIC_SUBSCRIPTIONS,),
    ("events.amazonaws.com", "PutRule"): (EVENT_RULES,),
    ("events.amazonaws.com", "DeleteRule"): (EVENT_RULES,),
    ("events.amazonaws.com", "RemoveTargets"): (EVENT_RULES,),
}

#: The EventBridge `source` of each eventSource (CloudWatch's API is `monitoring`).
EVENTBRIDGE_SOURCES = {
    "cloudtrail.amazonaws.com": "aws.cloudtrail",
    "config.amazonaws.com": "aws.config",
    "ec2.amazonaws.com": "aws.ec2",
    "events.amazonaws.com": "aws.events",
    "kms.amazonaws.com": "aws.kms",
    "logs.amazonaws.com": "aws.logs",
    "monitoring.amazonaws.com": "aws.cloudwatch",
    "s3.amazonaws.com": "aws.s3",
    "sns.amazonaws.com": "aws.sns",
}

#: Regional datasets whose readers evaluate region R from R's data only (a check on a VPC, a key
#: or an event rule of R), so a change in R changes findings in R only. Every other dataset is
#: read across regions: a multi-Region trail is listed in every region; CloudWatch.1-14 in R read
#: the filters and alarms of the trail's log group wherever it is; Config.1 looks for the region
#: that records global resource types; account-level datasets are read by every region.
LOCAL = frozenset({VPC_FLOW_LOGS.name, KMS_KEYS.name, EVENT_RULES.name})

#: requestParameters keys that name what the call changed (for display and evidence only).
_RESOURCE_KEYS = (
    "name",
    "trailName",
    "bucketName",
    "keyId",
    "logGroupName",
    "filterName",
    "alarmName",
    "alarmNames",
    "topicArn",
    "subscriptionArn",
    "configurationRecorderName",
    "deliveryChannelName",
    "flowLogIds",
    "resourceIds",
    "rule",
    "eventBusName",
)
_ACCOUNT = re.compile(r"^\d{12}$")
_REGION = re.compile(r"^[a-z]{2}(-[a-z]+)+-\d{1,2}$")


class EventError(TrailwatchError):
    """An event that cannot be read: not JSON, not an object, or a field missing or invalid."""


@dataclass(frozen=True)
class ApiCall:
    """A posture-changing API call, as the event reports it."""

    event_id: str
    account_id: str
    region: str
    event_source: str
    event_name: str
    time: datetime | None
    request: Mapping[str, Any]

    @property
    def label(self) -> str:
        return f"{self.event_source.split('.', 1)[0]}:{self.event_name}"

    @property
    def resource(self) -> str | None:
        """What the call names (trail, bucket, key, ...), when requestParameters says."""
        for key in _RESOURCE_KEYS:
            value = self.request.get(key)
            if isinstance(value, str) and value:
                return value
            if isinstance(value, list) and value and all(isinstance(v, str) for v in value):
                return ",".join(value)
            if isinstance(value, Mapping):  # e.g. {"items": [{"flowLogId": ...}]}
                items = value.get("items")
                if isinstance(items, list) and items:
                    return json.dumps(items, sort_keys=True)[:200]
        return None


@dataclass(frozen=True)
class Impact:
    """What one call affects: the datasets it can change and the checks that read them."""

    call: ApiCall
    datasets: tuple[Dataset[Any], ...]
    checks: tuple[Check, ...]

    @property
    def every_region(self) -> bool:
        """True when regional checks must be re-evaluated in every region (see LOCAL); False
        when only the call's region can change."""
        return any(ds.scope is Scope.ACCOUNT or ds.name not in LOCAL for ds in self.datasets)

    def describe(self) -> str:
        what = f" {self.call.resource}" if self.call.resource else ""
        names = ", ".join(ds.name for ds in self.datasets)
        checks = ", ".join(c.label for c in self.checks)
        return (
            f"{self.call.label}{what} in {self.call.account_id} {self.call.region}: "
            f"datasets {names}; checks {checks}"
        )


def _text(container: Mapping[str, Any], key: str, where: str) -> str:
    value = container.get(key)
    if not isinstance(value, str) or not value.strip():
        raise EventError(f"{where}{key} is missing or not a string")
    return value.strip()


def _time(value: Any) -> datetime | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def parse_event(raw: Any) -> ApiCall | None:
    """The API call an event reports; None (and a debug line) for an irrelevant event.

    Raises EventError for a malformed event."""
    if not isinstance(raw, Mapping):
        raise EventError(f"an event must be a JSON object, not {type(raw).__name__}")
    if "detail" in raw or "detail-type" in raw:
        detail_type = raw.get("detail-type")
        if not isinstance(detail_type, str):
            raise EventError("detail-type is missing or not a string")
        if detail_type != DETAIL_TYPE:
            log.debug("ignored: detail-type %r is not %r", detail_type, DETAIL_TYPE)
            return None
        detail = raw.get("detail")
        if not isinstance(detail, Mapping):
            raise EventError("detail is missing or not an object")
        where, record = "detail.", detail
        account_key, region_key, time_value = "account", "region", raw.get("time")
        envelope: Mapping[str, Any] = raw
        event_id = raw.get("id") or detail.get("eventID")
    elif "eventSource" in raw or "eventName" in raw:
        where, record = "", raw
        account_key, region_key, time_value = (
            "recipientAccountId",
            "awsRegion",
            raw.get("eventTime"),
        )
        envelope = raw
        event_id = raw.get("eventID")
    else:
        raise EventError(
            "neither an EventBridge event (detail-type, detail) nor a CloudTrail record"
        )
    source = _text(record, "eventSource", where)
    name = _text(record, "eventName", where)
    if (source, name) not in CALLS:
        log.debug("ignored: %s %s changes nothing trailwatch checks", source, name)
        return None
    if record.get("errorCode"):
        log.debug("ignored: %s %s failed (%s): nothing changed", source, name, record["errorCode"])
        return None
    account = _text(envelope, account_key, "")
    if not _ACCOUNT.match(account):
        raise EventError(f"{account_key} {account!r} is not a 12-digit account id")
    region = _text(envelope, region_key, "")
    if not _REGION.match(region):
        raise EventError(f"{region_key} {region!r} is not a region name")
    request = record.get("requestParameters")
    if request is not None and not isinstance(request, Mapping):
        raise EventError(f"{where}requestParameters is not an object")
    return ApiCall(
        event_id=str(event_id or ""),
        account_id=account,
        region=region,
        event_source=source,
        event_name=name,
        time=_time(time_value),
        request=request or {},
    )


def impact_of(call: ApiCall, checks: Sequence[Check]) -> Impact:
    """The datasets the call can change and, of `checks`, those that read any of them."""
    datasets = CALLS[(call.event_source, call.event_name)]
    names = {ds.name for ds in datasets}
    affected = tuple(c for c in checks if any(ds.name in names for ds in c.requires))
    return Impact(call=call, datasets=datasets, checks=affected)


def assess(raw: Any, checks: Sequence[Check]) -> Impact | None:
    """parse_event + impact_of: None for an irrelevant event; EventError when malformed."""
    call = parse_event(raw)
    return None if call is None else impact_of(call, checks)


def read_events(path: Path) -> Iterator[tuple[int, Any]]:
    """(line number, decoded event or EventError) for each non-blank line of a JSONL file.

    The file must be UTF-8 text within the input bounds (scanner.inputs), else EventError.
    """
    from scanner.inputs import InputError, json_lines

    try:
        lines = list(json_lines(path, "--events"))
    except InputError as exc:
        raise EventError(str(exc)) from None
    for number, value in lines:
        yield number, EventError(str(value)) if isinstance(value, InputError) else value


def rule_pattern() -> dict[str, Any]:
    """The EventBridge event pattern for exactly the calls in CALLS."""
    sources = sorted({EVENTBRIDGE_SOURCES[s] for s, _ in CALLS})
    return {
        "source": sources,
        "detail-type": [DETAIL_TYPE],
        "detail": {
            "eventSource": sorted({s for s, _ in CALLS}),
            "eventName": sorted({n for _, n in CALLS}),
        },
    }


def sample_event(
    event_source: str,
    event_name: str,
    account_id: str,
    region: str,
    request: Mapping[str, Any] | None = None,
    *,
    time: datetime | None = None,
    event_id: str = "00000000-0000-0000-0000-000000000000",
) -> dict[str, Any]:
    """An EventBridge "AWS API Call via CloudTrail" event, shaped as EventBridge delivers it."""
    moment = (time or datetime.now(UTC)).astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    return {
        "version": "0",
        "id": event_id,
        "detail-type": DETAIL_TYPE,
        "source": EVENTBRIDGE_SOURCES.get(event_source, "aws." + event_source.split(".")[0]),
        "account": account_id,
        "time": moment,
        "region": region,
        "resources": [],
        "detail": {
            "eventVersion": "1.09",
            "userIdentity": {"type": "AssumedRole", "accountId": account_id},
            "eventTime": moment,
            "eventSource": event_source,
            "eventName": event_name,
            "awsRegion": region,
            "sourceIPAddress": "192.0.2.10",
            "userAgent": "aws-cli/2",
            "requestParameters": dict(request or {}),
            "responseElements": None,
            "eventID": event_id,
            "readOnly": False,
            "eventType": "AwsApiCall",
            "managementEvent": True,
            "recipientAccountId": account_id,
            "eventCategory": "Management",
        },
    }
