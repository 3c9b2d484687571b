"""S3.1: the account-level S3 block public access settings are all enabled."""

from __future__ import annotations

from collections.abc import Iterator

from scanner.core.check import Check
from scanner.core.dataset import Scope
from scanner.core.datasets.s3 import S3_ACCOUNT_PUBLIC_ACCESS_BLOCK
from scanner.core.model import Result, Severity, Status
from scanner.core.view import View


def evaluate(view: View) -> Iterator[Result]:
    """FAIL when any of the four settings is false, or the account has no configuration."""
    pab = view.get(S3_ACCOUNT_PUBLIC_ACCESS_BLOCK)
    off = pab.settings.disabled() if pab.configured else list(pab.settings.api_fields())
    evidence = {
        "api": "s3control:GetPublicAccessBlock",
        "PublicAccessBlockConfiguration": pab.settings.api_fields() if pab.configured else None,
    }
    if not pab.configured:
        reason = "The account has no S3 block public access configuration."
    elif off:
        reason = "Account-level block public access settings are off: " + ", ".join(off) + "."
    else:
        reason = "All four account-level block public access settings are enabled."
    yield Result(
        status=Status.FAIL if off else Status.PASS,
        resource=view.account_resource(view.home_region),
        reason=reason,
        evidence=evidence,
    )


CHECK = Check(
    id="s3_account_public_access_block",
    control_id="S3.1",
    title="S3 general purpose buckets should have block public access settings enabled",
    severity=Severity.MEDIUM,
    resource_type="AwsAccount",
    scope=Scope.ACCOUNT,
    requires=(S3_ACCOUNT_PUBLIC_ACCESS_BLOCK,),
    evaluate=evaluate,
    rationale="Account-level block public access overrides bucket policies and ACLs that would "
    "make any current or future bucket public, including the buckets that hold logs.",
    remediation="aws s3control put-public-access-block --account-id <id> "
    "--public-access-block-configuration BlockPublicAcls=true,IgnorePublicAcls=true,"
    "BlockPublicPolicy=true,RestrictPublicBuckets=true",
    remediation_url="https://docs.aws.amazon.com/securityhub/latest/userguide/s3-controls.html#s3-1",
)
