"""Trails deliver to a bucket owned by another account (the log archive pattern).

Our own check (no Security Hub control). For each trail, in its owner's account and home
region: PASS when the bucket is in another scanned account's ListBuckets, FAIL when it is in
the trail owner's own. A bucket in no scanned account is most likely in a log archive account
outside the scan: WARNING (its owner cannot be confirmed). If some scanned account's bucket list
could not be read, the owner may be that account: ERROR.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from checks.lib.buckets import bucket_owners, error_result
from checks.lib.trails import owned_trails_homed_here, trail_resource
from scanner.core.check import Check
from scanner.core.dataset import Scope
from scanner.core.datasets.cloudtrail import TRAILS
from scanner.core.datasets.s3 import S3_BUCKETS
from scanner.core.model import Result, Severity, Status
from scanner.core.view import View


def evaluate(view: View) -> Iterator[Result]:
    """One result per trail the account owns, in the trail's home region."""
    owners = bucket_owners(view.org)
    for trail in owned_trails_homed_here(view):
        name = trail.s3_bucket_name
        if not name:
            continue
        resource = trail_resource(trail)
        found = owners.owner.get(name)
        evidence: dict[str, Any] = {
            "api": ["cloudtrail:DescribeTrails", "s3:ListBuckets"],
            "S3BucketName": name,
            "trail_owner_account": trail.owner_account,
            "bucket_owner_account": found[0] if found else None,
        }
        if found is None and owners.errors:
            yield error_result(resource, owners.errors, evidence)
        elif found is None:
            yield Result(
                status=Status.WARNING,
                resource=resource,
                reason=f"Bucket {name} is not in a scanned account: it is probably a log archive "
                "outside the scan, but its owner could not be confirmed.",
                evidence=evidence,
            )
        elif found[0] == trail.owner_account:
            yield Result(
                status=Status.FAIL,
                resource=resource,
                reason=f"The trail delivers to bucket {name} in its own account: anyone with "
                "enough rights in this account can delete the logs.",
                evidence=evidence,
            )
        else:
            yield Result(
                status=Status.PASS,
                resource=resource,
                reason=f"The trail delivers to bucket {name} owned by account {found[0]}.",
                evidence=evidence,
            )


CHECK = Check(
    id="cloudtrail_logs_cross_account",
    title="CloudTrail trails should deliver logs to a bucket in a separate log archive account",
    severity=Severity.LOW,
    resource_type="AwsCloudTrailTrail",
    scope=Scope.REGION,
    requires=(TRAILS, S3_BUCKETS),
    evaluate=evaluate,
    rationale="Logs kept in a dedicated account survive a compromise of the account they "
    "describe: its administrators cannot alter or delete them.",
    remediation="Deliver the trail (ideally an organization trail) to a bucket in a dedicated "
    "log archive account whose policy lets cloudtrail.amazonaws.com write to it.",
    remediation_url="https://docs.aws.amazon.com/prescriptive-guidance/latest/security-reference-architecture/log-archive.html",
)
