"""CloudTrail API-call events (EventBridge) -> the account, region, datasets and checks they touch.

`CALLS` maps (eventSource, eventName) of each posture-changing call to the datasets whose data
the call can change. It is derived, never listed: each collector declares the calls that change
its dataset (`Collector.events`, next to its IAM actions), and a call also changes every dataset
that depends on one it changes (`Dataset.depends_on`: a new bucket has its own policy, ACL, ...).
A new collector therefore brings its calls with it. The affected checks are derived too: every
selected check whose `requires` intersects those datasets. The EventBridge rule pattern
(deploy/eventbridge/rule-pattern.json and the realtime templates, `rule_pattern()`, written by
`make generate`, deploy/generate.py) is generated from the same table.

An event is one of:
- an EventBridge event, detail-type "AWS API Call via CloudTrail" (`account`, `region`,
  `detail.eventSource`, `detail.eventName`, `detail.requestParameters`);
- a bare CloudTrail record (`recipientAccountId`, `awsRegion`, `eventSource`, `eventName`), as
  in CloudTrail log files (`jq -c '.Records[]'`), for catching up.

Irrelevant events (another detail-type, a call not in the table, a call that failed: errorCode
set, so nothing changed) give None and a debug log line. Malformed events raise EventError,
and so do events beyond the bounds: more than MAX_EVENT_BYTES of JSON (EventBridge's own limit
on an event) or nested deeper than MAX_EVENT_DEPTH.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from scanner.aws.collector import ApiEvent, Collector
from scanner.aws.registry import all_collectors
from scanner.core.check import Check
from scanner.core.dataset import Dataset, Scope
from scanner.core.datasets.apigateway import APIGW_REST_APIS, APIGW_V2_APIS
from scanner.core.datasets.appsync import APPSYNC_APIS
from scanner.core.datasets.codebuild import CODEBUILD_PROJECTS
from scanner.core.datasets.detection import GUARDDUTY_DETECTORS, SECURITYHUB_HUB
from scanner.core.datasets.ec2 import VPC_FLOW_LOGS
from scanner.core.datasets.eks import EKS_CLUSTERS
from scanner.core.datasets.elasticbeanstalk import BEANSTALK_ENVIRONMENTS
from scanner.core.datasets.elb import ELB_CLASSIC_LOAD_BALANCERS, ELBV2_LOAD_BALANCERS
from scanner.core.datasets.eventbridge import EVENT_RULES
from scanner.core.datasets.kms import KMS_KEYS
from scanner.core.datasets.mq import MQ_BROKERS
from scanner.core.datasets.network_firewall import NETWORK_FIREWALLS
from scanner.core.datasets.opensearch import OPENSEARCH_DOMAINS
from scanner.core.datasets.rds import RDS_DATABASES
from scanner.core.datasets.redshift import REDSHIFT_CLUSTERS
from scanner.core.datasets.stepfunctions import STATE_MACHINES
from scanner.core.datasets.waf import WAFV2_WEB_ACLS
from scanner.core.errors import TrailwatchError
from scanner.core.inputs import InputError, json_lines

log = logging.getLogger(__name__)

DETAIL_TYPE = "AWS API Call via CloudTrail"

#: The largest event accepted, in bytes of JSON (UTF-8): EventBridge's limit on one event
#: (256 KiB), so every event EventBridge can deliver fits.
MAX_EVENT_BYTES = 256 * 1024
#: The deepest nesting of objects and arrays accepted in an event (CloudTrail's are < 10 deep).
MAX_EVENT_DEPTH = 64


def calls_of(collectors: Iterable[Collector]) -> dict[ApiEvent, tuple[Dataset[Any], ...]]:
    """(eventSource, eventName) -> the datasets the call changes: those whose collectors declare
    it, and every dataset depending on one of those (transitively), in collector order."""
    collectors = list(collectors)
    order = [c.dataset for c in collectors]
    dependents: dict[str, set[str]] = {}
    for ds in order:
        for dep in ds.depends_on:
            dependents.setdefault(dep.name, set()).add(ds.name)
    declared: dict[ApiEvent, set[str]] = {}
    for collector in collectors:
        for event in collector.events:
            declared.setdefault(event, set()).add(collector.dataset.name)
    table: dict[ApiEvent, tuple[Dataset[Any], ...]] = {}
    for event in sorted(declared):
        names, todo = set(declared[event]), list(declared[event])
        while todo:
            for child in dependents.get(todo.pop(), ()):
                if child not in names:
                    names.add(child)
                    todo.append(child)
        table[event] = tuple(ds for ds in order if ds.name in names)
    return table


CALLS: dict[ApiEvent, tuple[Dataset[Any], ...]] = calls_of(all_collectors())

#: The EventBridge `source` of each eventSource (CloudWatch's API is `monitoring`).
EVENTBRIDGE_SOURCES = {
    "amazonmq.amazonaws.com": "aws.amazonmq",
    "apigateway.amazonaws.com": "aws.apigateway",
    "appsync.amazonaws.com": "aws.appsync",
    "codebuild.amazonaws.com": "aws.codebuild",
    "states.amazonaws.com": "aws.states",
    "cloudfront.amazonaws.com": "aws.cloudfront",
    "cloudtrail.amazonaws.com": "aws.cloudtrail",
    "config.amazonaws.com": "aws.config",
    "ec2.amazonaws.com": "aws.ec2",
    "eks.amazonaws.com": "aws.eks",
    "elasticbeanstalk.amazonaws.com": "aws.elasticbeanstalk",
    "elasticloadbalancing.amazonaws.com": "aws.elasticloadbalancing",
    "es.amazonaws.com": "aws.es",
    "events.amazonaws.com": "aws.events",
    "guardduty.amazonaws.com": "aws.guardduty",
    "kms.amazonaws.com": "aws.kms",
    "logs.amazonaws.com": "aws.logs",
    "monitoring.amazonaws.com": "aws.cloudwatch",
    "network-firewall.amazonaws.com": "aws.network-firewall",
    "route53.amazonaws.com": "aws.route53",
    "rds.amazonaws.com": "aws.rds",
    "redshift.amazonaws.com": "aws.redshift",
    "s3.amazonaws.com": "aws.s3",
    "securityhub.amazonaws.com": "aws.securityhub",
    "sns.amazonaws.com": "aws.sns",
    "wafv2.amazonaws.com": "aws.wafv2",
}

#: Regional datasets whose readers evaluate region R from R's data only (a check on a VPC, a key
#: or an event rule of R; GuardDuty and Security Hub of R; R's load balancers, web ACLs, EKS
#: clusters and network firewalls), so a change in R changes findings in R only. Every other
#: dataset is read across regions: a multi-Region trail is listed in every region;
#: CloudWatch.1-14 in R read the filters and alarms of the trail's log group wherever it is;
#: Config.1 looks for the region that records global resource types; account-level datasets are
#: read by every region.
LOCAL = frozenset(
    {
        VPC_FLOW_LOGS.name,
        KMS_KEYS.name,
        EVENT_RULES.name,
        GUARDDUTY_DETECTORS.name,
        SECURITYHUB_HUB.name,
        # Service logging settings of the region's own APIs, state machines, projects, brokers.
        APIGW_REST_APIS.name,
        APIGW_V2_APIS.name,
        STATE_MACHINES.name,
        CODEBUILD_PROJECTS.name,
        MQ_BROKERS.name,
        APPSYNC_APIS.name,
        ELB_CLASSIC_LOAD_BALANCERS.name,
        ELBV2_LOAD_BALANCERS.name,
        WAFV2_WEB_ACLS.name,
        EKS_CLUSTERS.name,
        NETWORK_FIREWALLS.name,
        RDS_DATABASES.name,
        REDSHIFT_CLUSTERS.name,
        OPENSEARCH_DOMAINS.name,
        BEANSTALK_ENVIRONMENTS.name,
    }
)

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
    "resourceId",
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
    check_bounds(raw)
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


def _depth_of_text(text: str) -> int:
    """The deepest nesting of [ and { in JSON text (strings skipped), in one linear pass."""
    depth = deepest = 0
    in_string = escaped = False
    for char in text:
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif char in "]}":
            depth -= 1
    return deepest


def decode_event(body: Any, what: str = "the event") -> Any:
    """The JSON value of an event's text (str or UTF-8 bytes), within the bounds
    (MAX_EVENT_BYTES, MAX_EVENT_DEPTH); EventError for anything else. Never raises another
    exception, whatever `body` is."""
    if isinstance(body, bytes | bytearray):
        if len(body) > MAX_EVENT_BYTES:
            raise EventError(f"{what} is larger than {MAX_EVENT_BYTES} bytes ({len(body)})")
        try:
            body = bytes(body).decode("utf-8")
        except UnicodeDecodeError:
            raise EventError(f"{what} is not UTF-8 text") from None
    if not isinstance(body, str):
        raise EventError(f"{what} is not text but {type(body).__name__}")
    if len(body) > MAX_EVENT_BYTES or len(body.encode("utf-8", "replace")) > MAX_EVENT_BYTES:
        raise EventError(f"{what} is larger than {MAX_EVENT_BYTES} bytes")
    if not body.strip():
        raise EventError(f"{what} is empty")
    if _depth_of_text(body) > MAX_EVENT_DEPTH:
        raise EventError(f"{what} is nested deeper than {MAX_EVENT_DEPTH} levels")
    try:
        return json.loads(body)
    except (ValueError, RecursionError) as exc:
        raise EventError(f"{what} is not JSON: {str(exc)[:200]}") from None


def check_bounds(raw: Any, what: str = "the event") -> None:
    """EventError when an already-decoded event is nested deeper than MAX_EVENT_DEPTH or holds
    more than MAX_EVENT_BYTES of strings and values (iterative: no recursion on hostile input)."""
    stack: list[tuple[Any, int]] = [(raw, 0)]
    size = 0
    while stack:
        value, depth = stack.pop()
        if isinstance(value, Mapping | list | tuple):
            if depth >= MAX_EVENT_DEPTH:
                raise EventError(f"{what} is nested deeper than {MAX_EVENT_DEPTH} levels")
            items = list(value.items()) if isinstance(value, Mapping) else list(value)
            size += 2 + len(items)
            for item in items:
                if isinstance(value, Mapping):
                    key, item = item
                    size += len(str(key)) + 4
                stack.append((item, depth + 1))
        elif isinstance(value, str):
            size += len(value) + 2
        else:
            size += 8
        if size > MAX_EVENT_BYTES:
            raise EventError(f"{what} is larger than {MAX_EVENT_BYTES} bytes")


def read_events(path: Path) -> Iterator[tuple[int, Any]]:
    """(line number, decoded event or EventError) for each non-blank line of a JSONL file.

    The file must be UTF-8 text within the input bounds (scanner.core.inputs), else EventError;
    each line within the event bounds (MAX_EVENT_BYTES, MAX_EVENT_DEPTH), else an EventError
    for that line.
    """
    try:
        lines = list(json_lines(path, "--events"))
    except InputError as exc:
        raise EventError(str(exc)) from None
    for number, value in lines:
        if isinstance(value, InputError):
            yield number, EventError(str(value))
            continue
        try:
            check_bounds(value, f"line {number}")
        except EventError as exc:
            yield number, exc
            continue
        yield number, value


#: EventBridge's default quota on an event pattern: characters of its JSON.
MAX_PATTERN_CHARS = 2048
_VERB = re.compile(r"^[A-Z][a-z]+(?=[A-Z])")


def _compact_names(names: Iterable[str]) -> list[Any]:
    """eventName conditions with the calls on one resource collapsed into a suffix condition:
    CreateTrail, UpdateTrail, DeleteTrail -> {"suffix": "Trail"} (a name alone on its noun stays
    exact). The pattern then also delivers other calls on those nouns; parse_event ignores
    every call that is not in CALLS."""
    by_noun: dict[str, list[str]] = {}
    for name in sorted(set(names)):
        verb = _VERB.match(name)
        by_noun.setdefault(name[verb.end() :] if verb else name, []).append(name)
    out: list[Any] = []
    for noun, group in sorted(by_noun.items()):
        out.extend([{"suffix": noun}] if len(group) > 1 else group)
    return out


#: Sources never matched whole: their write calls include data events (S3 PutObject...) or
#: high-volume management events (CloudWatch Logs' CreateLogStream on every Lambda cold start,
#: EC2's instance and network calls, KMS's GenerateDataKey and Decrypt).
_DATA_EVENT_SOURCES = frozenset(
    {"aws.s3", "aws.lambda", "aws.dynamodb", "aws.logs", "aws.ec2", "aws.kms", "aws.sns"}
)


def _size(pattern: Mapping[str, Any]) -> int:
    return len(json.dumps(pattern, separators=(",", ":")))


def rule_pattern() -> dict[str, Any]:
    """The EventBridge event pattern for the calls in CALLS, within EventBridge's default quota
    (MAX_PATTERN_CHARS), in three steps while it does not fit:

    1. `source` (aws.<service>) and the exact eventNames (`source` names the same services as
       detail.eventSource, so eventSource is left out);
    2. the names compacted by resource noun (_compact_names);
    3. the services with the most calls matched whole, every call whose `readOnly` is false (an
       `$or` alternative on their `source`), one service at a time, until the rest fits; never
       a service with data events or busy write calls (_DATA_EVENT_SOURCES: S3's PutObject or
       CloudWatch Logs' CreateLogStream would wake the function for every object or stream).

    Each step matches more events than the table lists (another listed service's CreateStage,
    say); parse_event drops every call that is not in CALLS, so verdicts are the same."""
    by_source: dict[str, set[str]] = {}
    for source, name in CALLS:
        by_source.setdefault(EVENTBRIDGE_SOURCES[source], set()).add(name)
    head: dict[str, Any] = {"detail-type": [DETAIL_TYPE]}

    def build(named: list[str], whole: list[str], compact: bool) -> dict[str, Any]:
        names = sorted({n for s in named for n in by_source[s]})
        listed = {"source": named, **head, "detail": {"eventName": names}}
        if compact:
            listed["detail"]["eventName"] = _compact_names(names)
        if not whole:
            return listed
        writes = {"source": whole, **head, "detail": {"readOnly": [False]}}
        return {"$or": [listed, writes]}

    named, whole = sorted(by_source), list[str]()
    pattern = build(named, whole, compact=False)
    if _size(pattern) <= MAX_PATTERN_CHARS:
        return pattern
    pattern = build(named, whole, compact=True)
    while _size(pattern) > MAX_PATTERN_CHARS:
        candidates = [s for s in named if s not in _DATA_EVENT_SOURCES]
        if len(candidates) < 2:
            raise ValueError("the rule pattern does not fit EventBridge's quota")
        busiest = max(candidates, key=lambda s: (len(_compact_names(by_source[s])), s))
        named.remove(busiest)
        whole.append(busiest)
        pattern = build(named, sorted(whole), compact=True)
    return pattern


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
