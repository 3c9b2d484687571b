"""KMS.4: rotation on every enabled customer-managed symmetric AWS_KMS key; per-key errors.

The factories (no `test_` prefix) are imported by the other KMS check tests.
"""

from __future__ import annotations

from typing import Any

from checks.kms_key_rotation import CHECK
from scanner.core.datasets.cloudtrail import TRAILS, Trail
from scanner.core.datasets.kms import KMS_KEYS, KmsKey
from scanner.core.model import CollectionError, Severity, Status
from tests.builders import MGMT, InventoryBuilder, by_resource, run

HOME = "us-east-1"
OTHER = "eu-west-1"


def key_arn(key_id: str, region: str = HOME, account: str = MGMT) -> str:
    return f"arn:aws:kms:{region}:{account}:key/{key_id}"


def key(key_id: str, region: str = HOME, account: str = MGMT, **fields: Any) -> KmsKey:
    values: dict[str, Any] = {
        "key_id": key_id,
        "arn": key_arn(key_id, region, account),
        "key_manager": "CUSTOMER",
        "key_state": "Enabled",
        "key_spec": "SYMMETRIC_DEFAULT",
        "key_usage": "ENCRYPT_DECRYPT",
        "origin": "AWS_KMS",
    }
    values.update(fields)
    return KmsKey(**values)


def denied(operation: str, region: str = HOME) -> CollectionError:
    return CollectionError(
        operation=operation,
        iam_action=f"kms:{operation}",
        code="AccessDeniedException",
        message="denied",
        region=region,
    )


def failed_describe(key_id: str, **fields: Any) -> KmsKey:
    """A key whose DescribeKey failed: only ListKeys/ListAliases fields are known."""
    return KmsKey(key_id=key_id, arn=key_arn(key_id), error=denied("DescribeKey"), **fields)


def inventory(*keys: KmsKey, region: str = HOME) -> InventoryBuilder:
    b = InventoryBuilder(regions=(HOME, OTHER), management_account_id=MGMT)
    acct = b.account(MGMT)
    acct.put(KMS_KEYS, [], OTHER if region == HOME else HOME)
    acct.put(KMS_KEYS, list(keys), region)
    acct.put(TRAILS, [])
    return b


def test_rotation_on_passes_off_fails() -> None:
    b = inventory(key("on", rotation_enabled=True), key("off", rotation_enabled=False))
    findings = run(CHECK, b)
    assert by_resource(findings) == {
        (MGMT, HOME, key_arn("on")): "PASS",
        (MGMT, HOME, key_arn("off")): "FAIL",
    }
    assert {f.resource.type for f in findings} == {"AwsKmsKey"}
    assert {f.severity for f in findings} == {Severity.MEDIUM}


def test_keys_out_of_scope_have_no_finding() -> None:
    b = inventory(
        key("aws", key_manager="AWS", rotation_enabled=False),
        key("rsa", key_spec="RSA_2048", key_usage="SIGN_VERIFY"),
        key("rsa-enc", key_spec="RSA_4096"),
        key("hmac", key_spec="HMAC_256", key_usage="GENERATE_VERIFY_MAC"),
        key("imported", origin="EXTERNAL"),
        key("hsm", origin="AWS_CLOUDHSM"),
        key("xks", origin="EXTERNAL_KEY_STORE"),
        key("disabled", key_state="Disabled", rotation_enabled=False),
        key("pending", key_state="PendingDeletion", rotation_enabled=False),
        key("replica-pending", key_state="PendingReplicaDeletion"),
    )
    assert run(CHECK, b) == []


def test_aws_alias_only_keys_are_aws_managed_even_when_reported_customer() -> None:
    b = inventory(
        key("moto-aws", aliases=("alias/aws/s3",), rotation_enabled=False),
        key("mixed", aliases=("alias/aws/s3", "alias/mine"), rotation_enabled=False),
        key("mine", aliases=("alias/awsome",), rotation_enabled=False),
    )
    assert by_resource(run(CHECK, b)) == {
        (MGMT, HOME, key_arn("mixed")): "FAIL",
        (MGMT, HOME, key_arn("mine")): "FAIL",
    }


def test_describe_failure_is_error_for_that_key_only() -> None:
    b = inventory(key("ok", rotation_enabled=True), failed_describe("secret"))
    findings = run(CHECK, b)
    assert by_resource(findings) == {
        (MGMT, HOME, key_arn("ok")): "PASS",
        (MGMT, HOME, key_arn("secret")): "ERROR",
    }
    err = next(f for f in findings if f.status is Status.ERROR)
    assert [e.operation for e in err.errors] == ["DescribeKey"]


def test_rotation_status_failure_is_error_never_pass_or_fail() -> None:
    b = inventory(key("k", rotation_error=denied("GetKeyRotationStatus")))
    findings = run(CHECK, b)
    assert by_resource(findings) == {(MGMT, HOME, key_arn("k")): "ERROR"}
    assert [e.operation for e in findings[0].errors] == ["GetKeyRotationStatus"]


def test_describe_failure_on_an_aws_alias_only_key_has_no_finding() -> None:
    assert run(CHECK, inventory(failed_describe("aws", aliases=("alias/aws/ebs",)))) == []


def test_failed_dataset_is_error() -> None:
    b = inventory(key("on", rotation_enabled=True))
    b.account(MGMT).fail(KMS_KEYS, OTHER, operation="ListKeys", iam_action="kms:ListKeys")
    findings = run(CHECK, b)
    assert {(f.region, f.status.value) for f in findings} == {(HOME, "PASS"), (OTHER, "ERROR")}


def test_trail_key_in_an_account_outside_the_scan_is_a_warning_never_a_failure() -> None:
    outside = "999999999999"
    foreign = key_arn("central", account=outside)
    trail = Trail(
        name="main",
        arn=f"arn:aws:cloudtrail:{HOME}:{MGMT}:trail/main",
        home_region=HOME,
        kms_key_id=foreign,
    )
    b = inventory(key("on", rotation_enabled=True))
    b.account(MGMT).put(TRAILS, [trail])
    assert by_resource(run(CHECK, b)) == {
        (MGMT, HOME, key_arn("on")): "PASS",
        (MGMT, HOME, foreign): "WARNING",
    }
    # the same key in a scanned account is evaluated there, not warned about here
    b.account(outside).put(KMS_KEYS, [])
    b.account(outside).put(TRAILS, [])
    statuses = by_resource(run(CHECK, b))
    assert (MGMT, HOME, foreign) not in statuses
