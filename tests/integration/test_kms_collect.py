"""KMS collector against moto: keys, aliases, DescribeKey, rotation; per-key failures."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from scanner.core.datasets.kms import KMS_KEYS, KmsKey
from scanner.core.evaluate import evaluate
from scanner.core.frameworks import Frameworks
from scanner.core.inventory import Inventory
from scanner.core.registry import all_checks, select_checks
from tests.conftest import Faults


def _keys(inv: Inventory, region: str = "us-east-1") -> dict[str, KmsKey]:
    rec = inv.accounts[0].record(KMS_KEYS.name, region)
    assert rec is not None and rec.error is None
    return {k.key_id: k for k in KMS_KEYS.load(rec.data)}


def _statuses(inv: Inventory, *checks: str) -> dict[tuple[str, str], str]:
    selected = select_checks(all_checks(), list(checks))
    return {
        (f.check_id, f.resource.id.rsplit("/", 1)[-1]): f.status.value
        for f in evaluate(inv, selected, Frameworks(()))
        if f.region == "us-east-1"
    }


def _seed(kms: Any) -> dict[str, str]:
    ids = {
        name: kms.create_key(**kwargs)["KeyMetadata"]["KeyId"]
        for name, kwargs in {
            "rotating": {},
            "static": {},
            "pending": {},
            "signing": {"KeySpec": "RSA_2048", "KeyUsage": "SIGN_VERIFY"},
        }.items()
    }
    kms.enable_key_rotation(KeyId=ids["rotating"])
    kms.create_alias(AliasName="alias/static", TargetKeyId=ids["static"])
    kms.schedule_key_deletion(KeyId=ids["pending"], PendingWindowInDays=7)
    # moto creates the AWS managed key lazily on first reference (and reports it as CUSTOMER).
    ids["aws"] = kms.describe_key(KeyId="alias/aws/s3")["KeyMetadata"]["KeyId"]
    return ids


def test_keys_are_described_and_rotation_collected_for_rotatable_keys_only(
    account_client: Callable[..., Any], scan_inventory: Callable[..., Inventory]
) -> None:
    ids = _seed(account_client("kms", "us-east-1"))
    inv = scan_inventory(("KMS.4",))
    keys = _keys(inv)
    assert set(keys) == set(ids.values())
    assert keys[ids["rotating"]].rotation_enabled is True
    assert keys[ids["static"]].rotation_enabled is False
    assert keys[ids["static"]].aliases == ("alias/static",)
    assert keys[ids["pending"]].key_state == "PendingDeletion"
    assert keys[ids["pending"]].deletion_date is not None
    assert keys[ids["pending"]].rotation_enabled is None
    assert keys[ids["signing"]].key_spec == "RSA_2048"
    assert keys[ids["signing"]].rotation_enabled is None
    assert keys[ids["aws"]].aliases == ("alias/aws/s3",) and keys[ids["aws"]].aws_managed
    assert all(not k.errors for k in keys.values())
    assert _keys(inv, "eu-west-1") == {}
    # --checks KMS.4 collects only the KMS keys, and the trails (to find trail keys kept in
    # accounts outside the scan)
    assert {r.dataset for r in inv.accounts[0].records.values()} == {
        KMS_KEYS.name,
        "cloudtrail.trails",
    }

    assert _statuses(inv, "KMS.4") == {
        ("kms_key_rotation", ids["rotating"]): "PASS",
        ("kms_key_rotation", ids["static"]): "FAIL",
    }


def test_kms_3_fails_the_pending_key_and_passes_the_others(
    account_client: Callable[..., Any], scan_inventory: Callable[..., Inventory]
) -> None:
    ids = _seed(account_client("kms", "us-east-1"))
    inv = scan_inventory(("KMS.3",))
    assert _statuses(inv, "KMS.3") == {
        ("kms_key_not_pending_deletion", ids["rotating"]): "PASS",
        ("kms_key_not_pending_deletion", ids["static"]): "PASS",
        ("kms_key_not_pending_deletion", ids["signing"]): "PASS",
        ("kms_key_not_pending_deletion", ids["pending"]): "FAIL",
    }


def test_denied_rotation_status_is_stored_per_key_and_reported_as_error(
    account_client: Callable[..., Any], scan_inventory: Callable[..., Inventory], faults: Faults
) -> None:
    ids = _seed(account_client("kms", "us-east-1"))
    faults.deny("GetKeyRotationStatus", code="AccessDeniedException")
    inv = scan_inventory(("KMS.3", "KMS.4"))
    keys = _keys(inv)  # the dataset itself did not fail
    static = keys[ids["static"]]
    assert set(static.errors) == {"rotation_enabled", "rotation_period_in_days"}
    assert static.key_state == "Enabled"  # DescribeKey's fields are still readable
    err = static.errors["rotation_enabled"]
    assert (err.operation, err.iam_action, err.code, err.region) == (
        "GetKeyRotationStatus",
        "kms:GetKeyRotationStatus",
        "AccessDeniedException",
        "us-east-1",
    )
    statuses = _statuses(inv, "KMS.3", "KMS.4")
    assert statuses[("kms_key_rotation", ids["rotating"])] == "ERROR"
    assert statuses[("kms_key_rotation", ids["static"])] == "ERROR"
    assert statuses[("kms_key_not_pending_deletion", ids["pending"])] == "FAIL"
    assert statuses[("kms_key_not_pending_deletion", ids["static"])] == "PASS"


def test_denied_describe_key_makes_every_key_error_never_pass(
    account_client: Callable[..., Any], scan_inventory: Callable[..., Inventory], faults: Faults
) -> None:
    ids = _seed(account_client("kms", "us-east-1"))
    faults.deny("DescribeKey", code="AccessDeniedException")
    inv = scan_inventory(("KMS.3", "KMS.4"))
    keys = _keys(inv)
    assert all(k.errors["key_state"].operation == "DescribeKey" for k in keys.values())
    statuses = _statuses(inv, "KMS.3", "KMS.4")
    assert set(statuses.values()) == {"ERROR"}
    assert ("kms_key_rotation", ids["aws"]) not in statuses  # alias/aws/* only: AWS managed


def test_denied_list_keys_fails_the_dataset(
    scan_inventory: Callable[..., Inventory], faults: Faults
) -> None:
    faults.deny("ListKeys", code="AccessDeniedException")
    inv = scan_inventory(("KMS.4",), regions=("us-east-1",))
    rec = inv.accounts[0].record(KMS_KEYS.name, "us-east-1")
    assert rec is not None and rec.error is not None and rec.error.operation == "ListKeys"
