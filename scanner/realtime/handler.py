"""AWS Lambda entry point `scanner.realtime.handler.handler`: EventBridge events (or an SQS batch of
them) -> scanner.realtime.watch, configured by environment variables.

| variable | meaning (default) |
|---|---|
| TRAILWATCH_ROLE_NAME | role assumed in the event's account (OrganizationAccountAccessRole) |
| TRAILWATCH_EXTERNAL_ID | external id for AssumeRole (none) |
| TRAILWATCH_EXTERNAL_ID_SECRET | Secrets Manager secret (ARN or name) of the external id (none) |
| TRAILWATCH_ROLE_SESSION_NAME | AssumeRole session name (trailwatch-realtime) |
| TRAILWATCH_HOME_REGION | region of account-level calls and findings; use the scan's (us-east-1) |
| TRAILWATCH_REGIONS | comma list of regions in scope (every enabled region) |
| TRAILWATCH_CHECKS | comma list of check ids or control ids (all) |
| TRAILWATCH_ACCOUNTS / TRAILWATCH_EXCLUDE_ACCOUNTS | comma lists of account ids in / out of scope |
| TRAILWATCH_SECURITYHUB | import into Security Hub: true / false (true) |
| TRAILWATCH_SECURITYHUB_PASSED | also import PASSED findings (false: a fixed finding is archived) |
| TRAILWATCH_SECURITYHUB_HOME_REGION | region for account-level findings (the home region) |
| TRAILWATCH_INVENTORY | Organization context: a path, s3://bucket/key or s3://bucket/prefix/ |
| TRAILWATCH_INVENTORY_TTL | seconds before a warm container reads the inventory again (900) |
| TRAILWATCH_INVENTORY_MAX_MB | largest inventory read, in MiB of downloaded files (256) |
| TRAILWATCH_MAX_WORKERS | concurrent API calls (8) |
| TRAILWATCH_ENDPOINT_URL | AWS endpoint override, for tests (AWS_ENDPOINT_URL) |
| TRAILWATCH_LOG_LEVEL | INFO or DEBUG (INFO) |

TRAILWATCH_INVENTORY ending in / names where scans upload (`scan --upload`, the scheduled scan's
output bucket): the last complete scan output under it is read (realtime.last_inventory: newest
complete set, verified against its manifests, at most TRAILWATCH_INVENTORY_MAX_MB). When no
inventory can be read, events are evaluated account by account and the log says so.

A single event whose failure may be transient (throttling, an import that left findings
undelivered) raises, so that Lambda retries it (then its on-failure destination / DLQ). A
malformed or irrelevant event never raises.

An SQS batch never raises because of one message: each message is handled alone, and those that
failed are returned as `batchItemFailures` (enable ReportBatchItemFailures on the event source
mapping), so only they are received again (then moved to the queue's dead-letter queue by its
redrive policy) while the others are deleted. A failed message is one whose body is not a string,
not UTF-8, not JSON, larger than scanner.realtime.api_calls.MAX_EVENT_BYTES, nested deeper than
MAX_EVENT_DEPTH or not an event (malformed: kept for inspection rather than dropped), or one
whose handling failed in a way a retry may fix (an account that could not be opened, findings
Security Hub did not receive). Irrelevant events succeed.
"""

from __future__ import annotations

import json
import logging
import os
import time
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from scanner.aws.collection import DEFAULT_ROLE, ScanOptions
from scanner.aws.regions import parse_regions
from scanner.core.errors import ConfigError, TrailwatchError
from scanner.core.inventory import Inventory
from scanner.publish.s3 import parse_s3_url
from scanner.realtime.api_calls import EventError, decode_event
from scanner.realtime.last_inventory import load_last_inventory
from scanner.realtime.watch import EventResult, Outcome, Watcher, WatchOptions

log = logging.getLogger("scanner.realtime.handler")

HANDLER = "scanner.realtime.handler.handler"
PREFIX = "TRAILWATCH_"


class RetryableEventError(TrailwatchError):
    """Raised for a single event that failed in a way a retry may fix (Lambda retries it)."""


def _get(env: Mapping[str, str], name: str) -> str | None:
    value = env.get(PREFIX + name, "").strip()
    return value or None


def _flag(env: Mapping[str, str], name: str, default: bool) -> bool:
    value = _get(env, name)
    if value is None:
        return default
    if value.lower() in ("1", "true", "yes", "on"):
        return True
    if value.lower() in ("0", "false", "no", "off"):
        return False
    raise ConfigError(f"{PREFIX}{name}: expected true or false, not {value!r}")


def _list(env: Mapping[str, str], name: str) -> tuple[str, ...]:
    return tuple(p.strip() for p in (_get(env, name) or "").split(",") if p.strip())


def _accounts(env: Mapping[str, str], name: str) -> tuple[str, ...]:
    ids = _list(env, name)
    bad = [a for a in ids if not (a.isdigit() and len(a) == 12)]
    if bad:
        raise ConfigError(f"{PREFIX}{name}: not a 12-digit account id: {', '.join(bad)}")
    return ids


def options_from_env(env: Mapping[str, str]) -> WatchOptions:
    """WatchOptions from TRAILWATCH_* variables; ConfigError for a bad value."""

    try:
        regions = parse_regions(_get(env, "REGIONS"))
        home = parse_regions(_get(env, "HOME_REGION"))
        hub_home = parse_regions(_get(env, "SECURITYHUB_HOME_REGION"))
    except TrailwatchError as exc:
        raise ConfigError(f"{PREFIX}REGIONS / HOME_REGION: {exc}") from None
    try:
        workers = int(_get(env, "MAX_WORKERS") or 8)
    except ValueError:
        raise ConfigError(f"{PREFIX}MAX_WORKERS: not a number") from None
    if workers < 1:
        raise ConfigError(f"{PREFIX}MAX_WORKERS must be at least 1")
    scan = ScanOptions(
        regions=regions,
        accounts=_accounts(env, "ACCOUNTS"),
        exclude_accounts=_accounts(env, "EXCLUDE_ACCOUNTS"),
        role_name=_get(env, "ROLE_NAME") or DEFAULT_ROLE,
        external_id=_get(env, "EXTERNAL_ID"),
        role_session_name=_get(env, "ROLE_SESSION_NAME") or "trailwatch-realtime",
        endpoint_url=_get(env, "ENDPOINT_URL") or env.get("AWS_ENDPOINT_URL") or None,
        home_region=home[0] if home else None,
        max_workers=workers,
    )
    return WatchOptions(
        scan=scan,
        checks=_list(env, "CHECKS"),
        securityhub=_flag(env, "SECURITYHUB", True),
        securityhub_passed=_flag(env, "SECURITYHUB_PASSED", False),
        securityhub_home_region=hub_home[0] if hub_home else None,
    )


class _State:
    """The warm container's watcher and the time its inventory was read."""

    watcher: Watcher | None = None
    env_key: tuple[tuple[str, str], ...] = ()
    inventory_read_at: float = 0.0


_STATE = _State()


def _env_key(env: Mapping[str, str]) -> tuple[tuple[str, str], ...]:
    return tuple(sorted((k, v) for k, v in env.items() if k.startswith(PREFIX)))


def _max_bytes(env: Mapping[str, str]) -> int:
    try:
        megabytes = float(_get(env, "INVENTORY_MAX_MB") or 256)
    except ValueError:
        raise ConfigError(f"{PREFIX}INVENTORY_MAX_MB: not a number") from None
    if megabytes <= 0:
        raise ConfigError(f"{PREFIX}INVENTORY_MAX_MB must be positive")
    return int(megabytes * 1024 * 1024)


def read_inventory(uri: str, watcher: Watcher, max_bytes: int = 256 << 20) -> Inventory:
    """A saved inventory from a local path or s3://bucket/key (GetObject as the caller), or,
    for s3://bucket/prefix/, the last complete scan output under the prefix."""
    if uri.startswith("s3://"):
        region = watcher.options.scan.home_region or os.environ.get("AWS_REGION") or "us-east-1"
        s3 = watcher.caller().client("s3", region)
        if uri.endswith("/"):
            location = parse_s3_url(uri, flag=f"{PREFIX}INVENTORY")
            last = load_last_inventory(s3, location, max_bytes=max_bytes)
            log.info("organization context: %s", last.describe())
            return last.inventory
        bucket, _, key = uri[5:].partition("/")
        if not bucket or not key:
            raise ConfigError(f"{PREFIX}INVENTORY: expected s3://bucket/key, not {uri!r}")
        obj = s3.get_object(Bucket=bucket, Key=key)
        if int(obj.get("ContentLength") or 0) > max_bytes:
            raise ConfigError(f"{PREFIX}INVENTORY: {uri} is larger than {max_bytes} bytes")
        return Inventory.model_validate_json(obj["Body"].read(max_bytes + 1)[: max_bytes + 1])
    return Inventory.load(Path(uri))


def read_external_id(secret_id: str, watcher: Watcher) -> str:
    """The external id from a Secrets Manager secret (GetSecretValue as the caller, in the
    secret's region); ConfigError when it cannot be read or is empty."""

    arn = secret_id.split(":")
    region = (
        arn[3]
        if secret_id.startswith("arn:") and len(arn) > 3 and arn[3]
        else os.environ.get("AWS_REGION") or watcher.options.scan.home_region or "us-east-1"
    )
    name = f"{PREFIX}EXTERNAL_ID_SECRET"
    try:
        client = watcher.caller().client("secretsmanager", region)
        value = client.get_secret_value(SecretId=secret_id).get("SecretString")
    except ClientError as exc:
        code = exc.response.get("Error", {}).get("Code", "error")
        raise ConfigError(f"{name}: cannot read the secret: {code}") from None
    except BotoCoreError as exc:
        raise ConfigError(f"{name}: cannot read the secret: {type(exc).__name__}") from None
    if not isinstance(value, str) or not value.strip():
        raise ConfigError(f"{name}: the secret holds no external id")
    return value.strip()


def _build_watcher(env: Mapping[str, str]) -> Watcher:
    options = options_from_env(env)
    watcher = Watcher(options, progress=log.info)
    secret = _get(env, "EXTERNAL_ID_SECRET")
    if secret is None:
        return watcher
    if options.scan.external_id is not None:
        raise ConfigError(f"{PREFIX}EXTERNAL_ID and {PREFIX}EXTERNAL_ID_SECRET: set one, not both")
    external_id = read_external_id(secret, watcher)
    options = replace(options, scan=replace(options.scan, external_id=external_id))
    return Watcher(options, sessions=watcher.sessions, progress=log.info)


def watcher_from_env(env: Mapping[str, str]) -> Watcher:
    """The container's Watcher (rebuilt when the TRAILWATCH_* variables change), with its saved
    inventory read again after TRAILWATCH_INVENTORY_TTL seconds."""
    key = _env_key(env)
    if _STATE.watcher is None or _STATE.env_key != key:
        level = (_get(env, "LOG_LEVEL") or "INFO").upper()
        logging.getLogger("scanner").setLevel(logging.DEBUG if level == "DEBUG" else logging.INFO)
        _STATE.watcher = _build_watcher(env)
        _STATE.env_key = key
        _STATE.inventory_read_at = 0.0
    watcher = _STATE.watcher
    uri = _get(env, "INVENTORY")
    try:
        ttl = float(_get(env, "INVENTORY_TTL") or 900)
    except ValueError:
        raise ConfigError(f"{PREFIX}INVENTORY_TTL: not a number") from None
    max_bytes = _max_bytes(env)
    if uri and (not _STATE.inventory_read_at or time.monotonic() - _STATE.inventory_read_at > ttl):
        try:
            watcher.baseline = read_inventory(uri, watcher, max_bytes)
            _STATE.inventory_read_at = time.monotonic()
        except ConfigError:
            raise
        except Exception as exc:
            # The event is still evaluated, with the last inventory read (or alone: the result
            # then has no organization context); the next event tries again.
            log.error(
                "cannot read inventory %s: %s: %s; %s",
                uri,
                type(exc).__name__,
                exc,
                "keeping the one read before"
                if watcher.baseline is not None
                else "events are evaluated account by account, without Organization context",
            )
    elif not uri:
        log.debug("no %sINVENTORY: events are evaluated without Organization context", PREFIX)
    return watcher


def _is_sqs_batch(event: Any) -> bool:
    """An SQS batch: Records, at least one of them from SQS (a hostile record among them is
    handled as a failed message, never as a reason to read the batch as one event)."""
    records = event.get("Records") if isinstance(event, Mapping) else None
    return (
        isinstance(records, list)
        and bool(records)
        and any(isinstance(r, Mapping) and r.get("eventSource") == "aws:sqs" for r in records)
    )


def _message(watcher: Watcher, record: Any, n: int) -> tuple[str, EventResult]:
    """(messageId, result) of one SQS record; never raises."""
    message_id = record.get("messageId") if isinstance(record, Mapping) else None
    if not isinstance(message_id, str) or not message_id:
        message_id = ""
    label = message_id or f"record {n}"
    try:
        if not isinstance(record, Mapping) or record.get("eventSource") != "aws:sqs":
            raise EventError(f"{label}: not an SQS message")
        body = decode_event(record.get("body"), f"SQS message {label} body")
        return message_id, watcher.handle(body, label=label)
    except EventError as exc:
        return message_id, EventResult(label, Outcome.MALFORMED, str(exc))
    except Exception as exc:  # never let one message fail the batch
        log.exception("SQS message %s failed", label)
        message = f"{type(exc).__name__}: {str(exc)[:200]}"
        return message_id, EventResult(label, Outcome.FAILED, message, retryable=True)


def _failed(result: EventResult) -> bool:
    """A message SQS should deliver again (then dead-letter): malformed, or retryable."""
    return result.outcome is Outcome.MALFORMED or result.retryable


def _log(result: EventResult) -> dict[str, Any]:
    summary = result.summary()
    text = json.dumps(summary, default=str)
    if result.outcome.value in ("done", "ignored"):
        log.info("%s", text)
    else:
        log.warning("%s", text)
    return summary


def handler(event: Any, context: Any = None) -> dict[str, Any]:
    """Lambda entry point (`scanner.realtime.handler.handler`)."""
    watcher = watcher_from_env(os.environ)
    if _is_sqs_batch(event):
        failures: list[dict[str, str]] = []
        results: list[dict[str, Any]] = []
        for n, record in enumerate(event["Records"]):
            message_id, result = _message(watcher, record, n)
            results.append(_log(result))
            if not _failed(result):
                continue
            if message_id:
                failures.append({"itemIdentifier": message_id})
            else:  # cannot be named: SQS never sends such a record
                log.error("record %d of the batch has no messageId: it cannot be retried", n)
        return {"batchItemFailures": failures, "results": results}
    result = watcher.handle(event)
    summary = _log(result)
    if result.retryable:
        raise RetryableEventError(f"event {result.label}: {result.message or 'import failed'}")
    return summary
