"""Destinations resolved from the inventory: owner, retention, encryption, log-archive account."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from scanner.core import logsource_inventory, view
from scanner.core.datasets.cloudtrail import TRAIL_STATUS, TRAILS, Trail, TrailStatus
from scanner.core.datasets.kms import KMS_KEYS, KmsKey
from scanner.core.datasets.logs import LOG_GROUPS, LogGroup
from scanner.core.datasets.s3 import (
    S3_BUCKET_LIFECYCLE,
    S3_BUCKET_VERSIONING,
    S3_BUCKETS,
    Bucket,
    BucketLifecycle,
    BucketVersioning,
)
from scanner.core.logsource_inventory import (
    LogSourceInventory,
    ResolvedDestination,
    build_log_sources,
)
from tests.builders import LOGS, MEMBER, MGMT, InventoryBuilder

R1 = "us-east-1"
KEY = f"arn:aws:kms:{R1}:{LOGS}:key/k1"
GROUP_ARN = f"arn:aws:logs:{R1}:{MGMT}:log-group:/org/trail:*"


def _org_trail(**extra: object) -> Trail:
    fields: dict[str, object] = {
        "name": "org",
        "arn": f"arn:aws:cloudtrail:{R1}:{MGMT}:trail/org",
        "home_region": R1,
        "s3_bucket_name": "archive",
        "is_organization_trail": True,
        "is_multi_region": True,
        "kms_key_id": KEY,
        "cloudwatch_logs_log_group_arn": GROUP_ARN,
    }
    fields.update(extra)
    return Trail.model_validate(fields)


def _org(trail: Trail | None = None) -> InventoryBuilder:
    trail = trail or _org_trail()
    inv = InventoryBuilder(regions=(R1,), management_account_id=MGMT)
    inv.account(MGMT).put(TRAILS, [trail]).put(
        TRAIL_STATUS, {trail.arn: TrailStatus(is_logging=True)}
    ).put(S3_BUCKETS, []).put(
        LOG_GROUPS, [LogGroup(name="/org/trail", arn=GROUP_ARN[:-2], retention_in_days=400)]
    )
    inv.account(LOGS).put(TRAILS, [trail]).put(S3_BUCKETS, [Bucket(name="archive", region=R1)]).put(
        S3_BUCKET_LIFECYCLE, {"archive": BucketLifecycle(configured=True, rules=2)}
    ).put(
        S3_BUCKET_VERSIONING,
        {"archive": BucketVersioning(status="Enabled", object_lock_enabled=True)},
    ).put(KMS_KEYS, [KmsKey(key_id="k1", arn=KEY, key_state="Enabled")])
    return inv


def _trail_destinations(result: LogSourceInventory) -> tuple[ResolvedDestination, ...]:
    [trail] = [s for s in result.sources if s.kind == "trail"]
    return trail.destinations


def test_org_trail_bucket_owner_is_the_log_archive_account() -> None:
    result = build_log_sources(_org().build())
    assert (result.log_archive.account_id, result.log_archive.source) == (
        LOGS,
        "organization-trail",
    )
    s3, group = _trail_destinations(result)
    assert (s3.account_id, s3.exists, s3.in_log_archive) == (LOGS, True, True)
    assert s3.retention.value is not None and "Object Lock" in s3.retention.value
    assert s3.encryption.value is not None and KEY in s3.encryption.value
    assert "Enabled" in s3.encryption.value  # the key's state, from kms.keys
    assert (group.account_id, group.exists, group.in_log_archive) == (MGMT, True, False)
    assert group.retention.value == "400 days"
    assert group.encryption.value == "service-managed"


def test_explicit_log_archive_account_wins() -> None:
    result = build_log_sources(_org().build(), log_archive_account=MGMT)
    assert (result.log_archive.account_id, result.log_archive.source) == (MGMT, "option")
    s3, group = _trail_destinations(result)
    assert (s3.in_log_archive, group.in_log_archive) == (False, True)


def test_no_organization_trail_leaves_the_archive_unknown() -> None:
    result = build_log_sources(_org(_org_trail(is_organization_trail=False)).build())
    assert result.log_archive.account_id is None
    assert result.log_archive.note
    s3, _ = _trail_destinations(result)
    assert s3.in_log_archive is None
    assert s3.log_archive_note


def test_failed_calls_make_facts_unknown_with_the_reason() -> None:
    inv = _org()
    inv.account(MGMT).fail(
        LOG_GROUPS, R1, operation="DescribeLogGroups", iam_action="logs:DescribeLogGroups"
    )
    inv.account(LOGS).fail(
        S3_BUCKET_LIFECYCLE,
        operation="GetBucketLifecycleConfiguration",
        iam_action="s3:GetLifecycleConfiguration",
    )
    s3, group = _trail_destinations(build_log_sources(inv.build()))
    assert (group.retention.value, group.encryption.value, group.exists) == (None, None, None)
    assert "logs:DescribeLogGroups" in group.retention.note
    assert s3.retention.value is None
    assert "s3:GetLifecycleConfiguration" in s3.retention.note
    assert s3.retention.shown == "unknown"


def test_bucket_lists_unread_make_owner_and_archive_unknown() -> None:
    inv = _org()
    inv.account(LOGS).fail(S3_BUCKETS, operation="ListBuckets", iam_action="s3:ListAllMyBuckets")
    result = build_log_sources(inv.build())
    assert result.log_archive.account_id is None
    assert "s3:ListAllMyBuckets" in result.log_archive.note
    s3, _ = _trail_destinations(result)
    assert (s3.account_id, s3.in_log_archive) == (None, None)
    assert "s3:ListAllMyBuckets" in s3.account_note


def test_missing_log_group_is_reported_as_such() -> None:
    inv = _org()
    inv.account(MGMT).put(LOG_GROUPS, [], R1)
    _, group = _trail_destinations(build_log_sources(inv.build()))
    assert group.exists is False
    assert group.retention.value is None


def test_destination_in_an_account_outside_the_scan_is_unknown() -> None:
    trail = _org_trail(cloudwatch_logs_log_group_arn=f"arn:aws:logs:{R1}:{MEMBER}:log-group:x")
    _, group = _trail_destinations(build_log_sources(_org(trail).build()))
    assert group.account_id == MEMBER
    assert group.retention.value is None
    assert MEMBER in group.retention.note


def test_two_archive_owners_are_ambiguous() -> None:
    inv = _org()
    other = _org_trail(name="org2", arn=f"arn:aws:cloudtrail:{R1}:{MGMT}:trail/org2")
    other = other.model_copy(update={"s3_bucket_name": "mgmt-bucket"})
    inv.account(MGMT).put(TRAILS, [_org_trail(), other]).put(
        S3_BUCKETS, [Bucket(name="mgmt-bucket", region=R1)]
    )
    result = build_log_sources(inv.build())
    assert result.log_archive.account_id is None
    assert LOGS in result.log_archive.note and MGMT in result.log_archive.note


def test_section_of_another_schema_version_is_refused() -> None:
    with pytest.raises(ValidationError):
        LogSourceInventory.model_validate({"schema_version": 2})
    assert LogSourceInventory.model_validate({"schema_version": 1}).sources == ()


def test_sources_delivering_to_one_destination_share_its_resolution() -> None:
    inv = _org()
    local = Trail.model_validate(
        {
            "name": "local",
            "arn": f"arn:aws:cloudtrail:{R1}:{MEMBER}:trail/local",
            "home_region": R1,
            "s3_bucket_name": "archive",
            "kms_key_id": KEY,
        }
    )
    inv.account(MEMBER).put(TRAILS, [local]).put(S3_BUCKETS, [])
    result = build_log_sources(inv.build())
    trails = [s for s in result.sources if s.kind == "trail"]
    assert {t.id for t in trails} >= {local.arn, _org_trail().arn}
    org_s3 = next(t for t in trails if t.id == _org_trail().arn).destinations[0]
    local_s3 = next(t for t in trails if t.id == local.arn).destinations[0]
    assert local_s3 is org_s3  # one resolution, one object
    assert (local_s3.account_id, local_s3.in_log_archive) == (LOGS, True)


def test_building_keeps_no_account_data_parsed(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each account's data is released once its sources are read (memory stays flat)."""
    views: list[view.OrgView] = []

    class Recorded(view.OrgView):
        def __init__(self, *args: object, **kwargs: object) -> None:
            super().__init__(*args, **kwargs)  # type: ignore[arg-type]
            views.append(self)

    monkeypatch.setattr(logsource_inventory, "OrgView", Recorded)
    build_log_sources(_org().build())
    [org] = views
    assert org._current is None
    assert any(key[0] == MGMT for key in org._cache)  # a destination's data, read across
    names = (TRAILS.name, TRAIL_STATUS.name, S3_BUCKETS.name)
    assert [key for key in org._cache if key[1].split("@")[0] in names] == []
