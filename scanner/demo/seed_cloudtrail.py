"""Demo CloudTrail: a good organization trail, and member trails with typical mistakes."""

from __future__ import annotations

import json

from scanner.demo.world import DemoAccount, DemoOrg

ORDER = 10


def _trail_bucket(owner: DemoAccount, name: str, writers: list[str], region: str) -> str:
    s3 = owner.client("s3", region)
    kwargs = (
        {}
        if region == "us-east-1"
        else {"CreateBucketConfiguration": {"LocationConstraint": region}}
    )
    s3.create_bucket(Bucket=name, **kwargs)
    policy = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "AWSCloudTrailAclCheck",
                "Effect": "Allow",
                "Principal": {"Service": "cloudtrail.amazonaws.com"},
                "Action": "s3:GetBucketAcl",
                "Resource": f"arn:aws:s3:::{name}",
            },
            {
                "Sid": "AWSCloudTrailWrite",
                "Effect": "Allow",
                "Principal": {"Service": "cloudtrail.amazonaws.com"},
                "Action": "s3:PutObject",
                "Resource": [f"arn:aws:s3:::{name}/AWSLogs/{a}/*" for a in writers],
                "Condition": {"StringEquals": {"s3:x-amz-acl": "bucket-owner-full-control"}},
            },
        ],
    }
    s3.put_bucket_policy(Bucket=name, Policy=json.dumps(policy))
    return name


def _log_group(account: DemoAccount, name: str, region: str, kms_key: str | None = None) -> str:
    logs = account.client("logs", region)
    logs.create_log_group(logGroupName=name, **({"kmsKeyId": kms_key} if kms_key else {}))
    return account.arn("logs", region, f"log-group:{name}:*")


def _logs_resource_policies(org: DemoOrg, region: str, sandbox_group: str) -> None:
    """CloudWatch Logs resource policies: the management account lets only the delivery service
    write (its trail log group is not public); the sandbox opens its trail log group to anyone
    for reading (logs_trail_groups_not_public fails)."""
    mgmt, sb = org.management, org.sandbox
    delivery = {
        "Effect": "Allow",
        "Principal": {"Service": "delivery.logs.amazonaws.com"},
        "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
        "Resource": mgmt.arn("logs", region, "log-group:*"),
        "Condition": {"StringEquals": {"aws:SourceAccount": mgmt.account_id}},
    }
    public = {
        "Sid": "ShareTrailEvents",
        "Effect": "Allow",
        "Principal": "*",
        "Action": ["logs:GetLogEvents", "logs:FilterLogEvents"],
        "Resource": sandbox_group,
    }
    for account, name, stmt in ((mgmt, "log-delivery", delivery), (sb, "share-trail", public)):
        doc = {"Version": "2012-10-17", "Statement": [stmt]}
        account.client("logs", region).put_resource_policy(
            policyName=name, policyDocument=json.dumps(doc)
        )


def seed(org: DemoOrg) -> None:
    mgmt, archive = org.management, org.log_archive
    region = "us-east-1"

    # Organization trail in the management account, delivering to the log-archive account.
    bucket = _trail_bucket(
        archive,
        f"org-cloudtrail-logs-{org.suffix}",
        [a.account_id for a in org.accounts] + [org.organization_id],
        region,
    )
    org.names["org_trail_bucket"] = bucket
    key = mgmt.client("kms", region).create_key(Description="CloudTrail organization trail")
    key_arn = key["KeyMetadata"]["Arn"]
    org.names["org_trail_key"] = key_arn
    group_arn = _log_group(mgmt, "/org/cloudtrail", region, kms_key=key_arn)
    org.names["org_trail_log_group"] = "/org/cloudtrail"
    ct = mgmt.client("cloudtrail", region)
    ct.create_trail(
        Name="org-trail",
        S3BucketName=bucket,
        IsMultiRegionTrail=True,
        IncludeGlobalServiceEvents=True,
        IsOrganizationTrail=True,
        EnableLogFileValidation=True,
        KmsKeyId=key_arn,
        CloudWatchLogsLogGroupArn=group_arn,
        CloudWatchLogsRoleArn=f"arn:aws:iam::{mgmt.account_id}:role/CloudTrailToCloudWatch",
        TagsList=[{"Key": "owner", "Value": "security"}, {"Key": "data-class", "Value": "audit"}],
    )
    # All management events; S3 object-level events for writes only (a common cost choice:
    # S3.22 passes, S3.23 fails across the Organization).
    ct.put_event_selectors(
        TrailName="org-trail",
        EventSelectors=[
            {"ReadWriteType": "All", "IncludeManagementEvents": True},
            {
                "ReadWriteType": "WriteOnly",
                "IncludeManagementEvents": False,
                "DataResources": [{"Type": "AWS::S3::Object", "Values": ["arn:aws:s3"]}],
            },
        ],
    )
    ct.put_insight_selectors(
        TrailName="org-trail",
        InsightSelectors=[{"InsightType": "ApiCallRateInsight"}],
    )
    ct.start_logging(Name="org-trail")

    # workloads-prod: an old single-Region trail, never hardened, and stopped.
    wl = org.workloads
    wl_bucket = _trail_bucket(wl, f"workloads-audit-{org.suffix}", [wl.account_id], "eu-west-1")
    wl.client("cloudtrail", "eu-west-1").create_trail(Name="app-audit", S3BucketName=wl_bucket)
    # (never started: IsLogging false)

    # sandbox: a multi-Region trail that records only read-only management events and
    # excludes KMS events, with CloudWatch Logs but no KMS encryption.
    sb = org.sandbox
    sb_bucket = _trail_bucket(sb, f"sandbox-trail-{org.suffix}", [sb.account_id], region)
    sb_group = _log_group(sb, "/sandbox/cloudtrail", region)
    sb_ct = sb.client("cloudtrail", region)
    sb_ct.create_trail(
        Name="sandbox-trail",
        S3BucketName=sb_bucket,
        IsMultiRegionTrail=True,
        IncludeGlobalServiceEvents=True,
        EnableLogFileValidation=True,
        CloudWatchLogsLogGroupArn=sb_group,
        CloudWatchLogsRoleArn=f"arn:aws:iam::{sb.account_id}:role/CloudTrailToCloudWatch",
    )
    sb_ct.put_event_selectors(
        TrailName="sandbox-trail",
        EventSelectors=[
            {
                "ReadWriteType": "ReadOnly",
                "IncludeManagementEvents": True,
                "ExcludeManagementEventSources": ["kms.amazonaws.com"],
            }
        ],
    )
    sb_ct.start_logging(Name="sandbox-trail")
    _logs_resource_policies(org, region, sb_group)
    # Its bucket: versioning turned on, then suspended (S3.14 fails), and a lifecycle rule that
    # expires old logs (so S3.20 has no finding for it, as in Security Hub).
    sb_s3 = sb.client("s3", region)
    sb_s3.put_bucket_versioning(Bucket=sb_bucket, VersioningConfiguration={"Status": "Enabled"})
    sb_s3.put_bucket_versioning(Bucket=sb_bucket, VersioningConfiguration={"Status": "Suspended"})
    sb_s3.put_bucket_lifecycle_configuration(
        Bucket=sb_bucket,
        LifecycleConfiguration={
            "Rules": [
                {
                    "ID": "expire-old-logs",
                    "Status": "Enabled",
                    "Filter": {"Prefix": "AWSLogs/"},
                    "Expiration": {"Days": 400},
                }
            ]
        },
    )
