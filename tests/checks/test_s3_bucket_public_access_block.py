"""S3.8: bucket-level block public access."""

from __future__ import annotations

from checks.s3_bucket_public_access_block import CHECK
from scanner.core.datasets.s3 import PublicAccessBlock
from tests.builders import MGMT, by_resource, run
from tests.checks.test_s3_lib import ACCOUNT_ON, ALL_ON, HOME, Spec, arn, put_s3, world


def test_bucket_level_settings_decide() -> None:
    b = world()
    put_s3(
        b.account(MGMT),
        Spec("on", pab=ALL_ON),
        Spec("partial", pab=ALL_ON.model_copy(update={"ignore_public_acls": False})),
        Spec("none"),
        Spec("off", pab=PublicAccessBlock()),
        Spec("unreadable", failed=("public_access_block",)),
        account_bpa=ACCOUNT_ON,  # account-level settings do not count for S3.8
    )
    assert by_resource(run(CHECK, b)) == {
        (MGMT, HOME, arn("on")): "PASS",
        (MGMT, HOME, arn("partial")): "FAIL",
        (MGMT, HOME, arn("none")): "FAIL",
        (MGMT, HOME, arn("off")): "FAIL",
        (MGMT, HOME, arn("unreadable")): "ERROR",
    }
