"""S3.1: account-level block public access."""

from __future__ import annotations

from checks.s3_account_public_access_block import CHECK
from scanner.core.datasets.s3 import (
    S3_ACCOUNT_PUBLIC_ACCESS_BLOCK,
    AccountPublicAccessBlock,
    PublicAccessBlock,
)
from tests.builders import MGMT, InventoryBuilder, by_resource, run
from tests.checks.test_s3_lib import ACCOUNT_OFF, ACCOUNT_ON

ACCOUNT = f"AWS::::Account:{MGMT}"


def status(pab: AccountPublicAccessBlock) -> str:
    b = InventoryBuilder()
    b.account(MGMT).put(S3_ACCOUNT_PUBLIC_ACCESS_BLOCK, pab)
    return by_resource(run(CHECK, b))[(MGMT, "us-east-1", ACCOUNT)]


def test_all_four_on_passes() -> None:
    assert status(ACCOUNT_ON) == "PASS"


def test_not_configured_fails() -> None:
    assert status(ACCOUNT_OFF) == "FAIL"


def test_each_setting_off_fails() -> None:
    for name in PublicAccessBlock.model_fields:
        settings = ACCOUNT_ON.settings.model_copy(update={name: False})
        assert status(AccountPublicAccessBlock(configured=True, settings=settings)) == "FAIL", name


def test_configured_all_off_fails() -> None:
    assert status(AccountPublicAccessBlock(configured=True)) == "FAIL"


def test_one_finding_per_account_in_home_region_with_evidence() -> None:
    b = InventoryBuilder()
    b.account(MGMT).put(S3_ACCOUNT_PUBLIC_ACCESS_BLOCK, ACCOUNT_ON)
    (finding,) = run(CHECK, b)
    assert finding.resource.type == "AwsAccount"
    assert finding.evidence["PublicAccessBlockConfiguration"]["RestrictPublicBuckets"] is True


def test_failed_call_is_an_error() -> None:
    b = InventoryBuilder()
    b.account(MGMT).fail(
        S3_ACCOUNT_PUBLIC_ACCESS_BLOCK,
        operation="GetPublicAccessBlock",
        iam_action="s3:GetAccountPublicAccessBlock",
    )
    assert by_resource(run(CHECK, b)) == {(MGMT, "us-east-1", ACCOUNT): "ERROR"}
