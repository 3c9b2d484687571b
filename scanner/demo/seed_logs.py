"""Demo CloudWatch Logs retention: the organization trail keeps a year, the sandbox a month."""

from __future__ import annotations

from scanner.demo.world import DemoOrg

ORDER = 33


def seed(org: DemoOrg) -> None:
    org_group = org.names.get("org_trail_log_group", "/org/cloudtrail")
    org.management.client("logs", "us-east-1").put_retention_policy(
        logGroupName=org_group, retentionInDays=365
    )
    sandbox_group = org.names.get("sandbox_trail_log_group", "/sandbox/cloudtrail")
    org.sandbox.client("logs", "us-east-1").put_retention_policy(
        logGroupName=sandbox_group, retentionInDays=30
    )
