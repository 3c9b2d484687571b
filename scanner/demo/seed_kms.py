"""Demo KMS: the organization trail key rotates; a key without rotation; one pending deletion."""

from __future__ import annotations

from scanner.demo.world import DemoOrg

ORDER = 32


def seed(org: DemoOrg) -> None:
    # management us-east-1: the organization trail's key (created by the CloudTrail seeder).
    trail_key = org.names.get("org_trail_key")
    if trail_key:
        org.management.client("kms", "us-east-1").enable_key_rotation(KeyId=trail_key)

    # log-archive us-east-1: a bucket key nobody enabled rotation on.
    archive = org.log_archive.client("kms", "us-east-1")
    static = archive.create_key(Description="log archive bucket key")["KeyMetadata"]["KeyId"]
    archive.create_alias(AliasName="alias/log-archive", TargetKeyId=static)

    # workloads-prod eu-west-1: a rotating application key.
    wl = org.workloads.client("kms", "eu-west-1")
    app = wl.create_key(Description="application data")["KeyMetadata"]["KeyId"]
    wl.enable_key_rotation(KeyId=app)

    # sandbox us-east-1: a key someone scheduled for deletion.
    sb = org.sandbox.client("kms", "us-east-1")
    doomed = sb.create_key(Description="sandbox experiments")["KeyMetadata"]
    # moto's ScheduleKeyDeletion accepts only the key id (AWS also takes the ARN).
    sb.schedule_key_deletion(KeyId=doomed["KeyId"], PendingWindowInDays=7)
    org.names["pending_deletion_key"] = doomed["Arn"]
