"""CloudTrail.9: trails are tagged (with the required keys, when configured).

As Security Hub: FAIL when the trail has no tag key, or lacks one of `requiredTagKeys` when that
parameter is given; system tags (keys beginning with `aws:`) are ignored. One finding per trail,
in the owner's account and the trail's home region (shadow copies and organization trails seen
from members have no finding there). The tags come from ListTags, which only the owner can call.
"""

from __future__ import annotations

from collections.abc import Iterator

from checks.lib.trails import owned_trails_homed_here, trail_resource
from scanner.core.check import Check
from scanner.core.dataset import Scope
from scanner.core.datasets.cloudtrail import TRAIL_TAGS, TRAILS
from scanner.core.model import CollectionError, Result, Severity, Status
from scanner.core.view import View, error_result

REQUIRED_TAG_KEYS: tuple[str, ...] = ()
"""Security Hub's optional `requiredTagKeys` parameter (none by default: any tag key passes).
Configurable: change this constant, or call `build_check(required_tag_keys=...)`."""


def evaluate(
    view: View, required_tag_keys: tuple[str, ...] = REQUIRED_TAG_KEYS
) -> Iterator[Result]:
    """One result per trail the account owns, in the trail's home region."""
    tags_of = view.get(TRAIL_TAGS)
    for trail in owned_trails_homed_here(view):
        resource = trail_resource(trail)
        found = tags_of.get(trail.arn)
        if found is None:
            error = CollectionError.not_collected(
                f"no tags were returned for trail {trail.arn}",
                operation="ListTags",
                iam_action="cloudtrail:ListTags",
                region=trail.home_region,
            )
            yield error_result(resource, (error,), {"api": "cloudtrail:ListTags"})
            continue
        keys = sorted(k for k in found.tags if not k.startswith("aws:"))
        missing = [k for k in required_tag_keys if k not in found.tags]
        evidence = {
            "api": "cloudtrail:ListTags",
            "TagKeys": keys,
            "requiredTagKeys": list(required_tag_keys),
        }
        if missing:
            status, reason = Status.FAIL, f"The trail lacks the required tag keys {missing}."
        elif not keys:
            status, reason = Status.FAIL, "The trail has no tags (system aws: tags ignored)."
        else:
            status, reason = Status.PASS, f"The trail is tagged ({', '.join(keys)})."
        yield Result(status=status, resource=resource, reason=reason, evidence=evidence)


def build_check(required_tag_keys: tuple[str, ...] = REQUIRED_TAG_KEYS) -> Check:
    def run(view: View) -> Iterator[Result]:
        return evaluate(view, required_tag_keys)

    return Check(
        id="cloudtrail_tagged",
        control_id="CloudTrail.9",
        title="CloudTrail trails should be tagged",
        severity=Severity.LOW,
        resource_type="AwsCloudTrailTrail",
        scope=Scope.REGION,
        requires=(TRAILS, TRAIL_TAGS),
        evaluate=run,
        rationale="Tags record who owns a trail and why it exists, so nobody deletes or changes "
        "the Organization's audit trail by mistake, and tag-based access control can protect it.",
        remediation="aws cloudtrail add-tags --resource-id <trail-arn> --tags-list "
        "Key=owner,Value=<team> (in the trail's home region)",
        remediation_url="https://docs.aws.amazon.com/securityhub/latest/userguide/cloudtrail-controls.html#cloudtrail-9",
    )


CHECK = build_check()
