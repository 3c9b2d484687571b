"""KMS.3: customer managed keys pending deletion fail (CRITICAL); trail usage is reported."""

from __future__ import annotations

from typing import Any

from checks.kms_key_not_pending_deletion import CHECK
from scanner.core.datasets.cloudtrail import TRAILS, Trail
from scanner.core.datasets.kms import KMS_KEYS, KmsKey
from scanner.core.datasets.logs import LOG_GROUPS, LogGroup
from scanner.core.findings import Finding
from scanner.core.model import Severity, Status
from tests.builders import MEMBER, MGMT, InventoryBuilder, by_resource, run
from tests.checks.test_cloudtrail_lib import trail
from tests.checks.test_kms_key_rotation import HOME, OTHER, failed_describe, key, key_arn


def inventory(
    *keys: KmsKey,
    trails: tuple[Trail, ...] = (),
    groups: tuple[LogGroup, ...] = (),
) -> InventoryBuilder:
    b = InventoryBuilder(regions=(HOME, OTHER), management_account_id=MGMT)
    acct = b.account(MGMT)
    acct.put(KMS_KEYS, [], OTHER)
    acct.put(KMS_KEYS, list(keys), HOME)
    acct.put(TRAILS, list(trails))
    acct.put(LOG_GROUPS, [], OTHER)
    acct.put(LOG_GROUPS, list(groups), HOME)
    return b


def pending(key_id: str, **fields: Any) -> KmsKey:
    return key(
        key_id, key_state="PendingDeletion", deletion_date="2026-11-08T00:00:00+00:00", **fields
    )


def test_pending_deletion_fails_other_states_pass() -> None:
    b = inventory(
        pending("gone"),
        key("replica", key_state="PendingReplicaDeletion"),
        key("ok"),
        key("off", key_state="Disabled"),
        key("rsa", key_spec="RSA_2048", key_usage="SIGN_VERIFY"),
    )
    findings = run(CHECK, b)
    assert by_resource(findings) == {
        (MGMT, HOME, key_arn("gone")): "FAIL",
        (MGMT, HOME, key_arn("replica")): "FAIL",
        (MGMT, HOME, key_arn("ok")): "PASS",
        (MGMT, HOME, key_arn("off")): "PASS",
        (MGMT, HOME, key_arn("rsa")): "PASS",
    }
    assert {f.severity for f in findings} == {Severity.CRITICAL}
    assert {f.resource.type for f in findings} == {"AwsKmsKey"}


def test_aws_managed_keys_have_no_finding() -> None:
    b = inventory(
        key("aws", key_manager="AWS"),
        key("moto-aws", aliases=("alias/aws/s3",), key_state="PendingDeletion"),
        failed_describe("aws-denied", aliases=("alias/aws/logs",)),
    )
    assert run(CHECK, b) == []


def test_describe_failure_is_error_for_that_key() -> None:
    findings = run(CHECK, inventory(key("ok"), failed_describe("denied")))
    assert by_resource(findings) == {
        (MGMT, HOME, key_arn("ok")): "PASS",
        (MGMT, HOME, key_arn("denied")): "ERROR",
    }
    err = next(f for f in findings if f.status is Status.ERROR)
    assert [e.operation for e in err.errors] == ["DescribeKey"]


def test_rotation_failure_does_not_matter_for_deletion() -> None:
    from tests.checks.test_kms_key_rotation import denied

    findings = run(CHECK, inventory(pending("k", rotation_error=denied("GetKeyRotationStatus"))))
    assert by_resource(findings) == {(MGMT, HOME, key_arn("k")): "FAIL"}


def _related(findings: list[Finding], key_id: str) -> set[str]:
    f = next(f for f in findings if f.resource.id == key_arn(key_id))
    return {r.id for r in f.related_resources}


def test_trail_encrypted_by_a_pending_key_is_reported() -> None:
    by_arn = trail("by-arn", kms_key_id=key_arn("k1"))
    by_alias = trail("by-alias", kms_key_id="alias/trail-key")
    other = trail("other", kms_key_id=key_arn("ok"))
    b = inventory(
        pending("k1"),
        pending("k2", aliases=("alias/trail-key",)),
        key("ok"),
        trails=(by_arn, by_alias, other),
    )
    findings = run(CHECK, b)
    assert by_resource(findings)[(MGMT, HOME, key_arn("k1"))] == "FAIL"
    assert _related(findings, "k1") == {by_arn.arn}
    assert _related(findings, "k2") == {by_alias.arn}
    assert _related(findings, "ok") == {other.arn}
    k1 = next(f for f in findings if f.resource.id == key_arn("k1"))
    assert k1.evidence["encrypts_trails"] == [by_arn.arn]


def test_shadow_copy_of_a_trail_homed_elsewhere_is_seen() -> None:
    shadow = trail("eu", home=OTHER, kms_key_id=key_arn("k"))
    findings = run(CHECK, inventory(pending("k"), trails=(shadow,)))
    assert _related(findings, "k") == {shadow.arn}


def test_trail_of_another_scanned_account_is_seen() -> None:
    org = trail("org", account=MEMBER, org=True, kms_key_id=key_arn("k"))
    b = inventory(pending("k"))
    b.account(MEMBER).put(TRAILS, [org])
    findings = [f for f in run(CHECK, b) if f.account_id == MGMT]
    assert _related(findings, "k") == {org.arn}


def test_trail_log_group_encrypted_by_the_key_is_reported() -> None:
    group_arn = f"arn:aws:logs:{HOME}:{MGMT}:log-group:/org/cloudtrail"
    ct = trail("t", cloudwatch_logs_log_group_arn=group_arn + ":*")
    group = LogGroup(name="/org/cloudtrail", arn=group_arn, kms_key_id=key_arn("k"))
    findings = run(CHECK, inventory(pending("k"), trails=(ct,), groups=(group,)))
    assert _related(findings, "k") == {group_arn}
    f = findings[0]
    assert f.status is Status.FAIL and f.evidence["encrypts_trail_log_groups"] == [group_arn]


def test_failed_trails_make_the_region_error() -> None:
    b = inventory(pending("k"))
    b.account(MGMT).fail(TRAILS, HOME)
    assert {f.status.value for f in run(CHECK, b) if f.region == HOME} == {"ERROR"}


def test_failed_keys_dataset_is_error() -> None:
    b = inventory(key("ok"))
    b.account(MGMT).fail(KMS_KEYS, OTHER, operation="ListKeys")
    assert {(f.region, f.status.value) for f in run(CHECK, b)} == {
        (HOME, "PASS"),
        (OTHER, "ERROR"),
    }
