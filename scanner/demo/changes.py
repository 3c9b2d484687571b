"""Posture changes between the demo's scans, so its report shows a baseline diff and a trend."""

from __future__ import annotations

from scanner.demo.world import DemoOrg


def _key_id(org: DemoOrg, account: str, region: str, description: str) -> str:
    acct = {a.name: a for a in org.accounts}[account]
    kms = acct.client("kms", region)
    for key in kms.list_keys()["Keys"]:
        meta = kms.describe_key(KeyId=key["KeyId"])["KeyMetadata"]
        if meta.get("Description") == description:
            return str(meta["KeyId"])
    raise LookupError(f"demo: no KMS key {description!r} in {account} {region}")


def month_two(org: DemoOrg) -> None:
    """A fix: log file validation on the workloads trail."""
    org.workloads.client("cloudtrail", "eu-west-1").update_trail(
        Name="app-audit", EnableLogFileValidation=True
    )


def month_three(org: DemoOrg) -> None:
    """A fix (rotation of the log-archive key), a regression (the workloads application key's
    rotation turned off) and new failures (a sandbox scratch bucket without public access
    block)."""
    key = _key_id(org, "log-archive", "us-east-1", "log archive bucket key")
    org.log_archive.client("kms", "us-east-1").enable_key_rotation(KeyId=key)
    app = _key_id(org, "workloads-prod", "eu-west-1", "application data")
    org.workloads.client("kms", "eu-west-1").disable_key_rotation(KeyId=app)
    org.sandbox.client("s3", "us-east-1").create_bucket(Bucket=f"sandbox-scratch-{org.suffix}")


#: Applied in order before the second and the third scan.
CHANGES = (month_two, month_three)
