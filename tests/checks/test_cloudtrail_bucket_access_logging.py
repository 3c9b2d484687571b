"""CloudTrail.7: access logging on the trail bucket, judged in the owning account."""

from __future__ import annotations

from checks.cloudtrail_bucket_access_logging import CHECK
from tests.builders import LOGS, MEMBER, MGMT, by_resource, run
from tests.checks.buckets import HOME, Spec, arn, put_s3, put_trails, trail, world

ORG_TRAIL = trail(MGMT, "archive", name="org", org=True)


def test_central_bucket_logging_and_member_buckets() -> None:
    b = world()
    put_trails(put_s3(b.account(MGMT)), ORG_TRAIL)
    put_trails(put_s3(b.account(LOGS), Spec("archive", logging_target="access")), ORG_TRAIL)
    put_trails(
        put_s3(b.account(MEMBER), Spec("member-trail"), Spec("broken", failed=("logging",))),
        ORG_TRAIL,
        trail(MEMBER, "member-trail", name="local", multi=False),
        trail(MEMBER, "broken", name="other", multi=False),
    )
    findings = run(CHECK, b)
    assert by_resource(findings) == {
        (LOGS, HOME, arn("archive")): "PASS",
        (MEMBER, HOME, arn("member-trail")): "FAIL",
        (MEMBER, HOME, arn("broken")): "ERROR",
    }
    archive = next(f for f in findings if f.resource.id == arn("archive"))
    assert archive.evidence["TargetBucket"] == "access"


def test_bucket_outside_the_scan_is_a_warning() -> None:
    b = world()
    put_trails(put_s3(b.account(MEMBER)), trail(MEMBER, "external-archive"))
    assert by_resource(run(CHECK, b)) == {(MEMBER, HOME, arn("external-archive")): "WARNING"}
