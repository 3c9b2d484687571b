"""S3.9: server access logging."""

from __future__ import annotations

from checks.s3_bucket_access_logging import CHECK
from tests.builders import MGMT, by_resource, run
from tests.checks.buckets import HOME, Spec, arn, put_s3, world


def test_logging_decides_and_evidence_names_the_target() -> None:
    b = world()
    put_s3(
        b.account(MGMT),
        Spec("app", logging_target="logs"),
        Spec("logs"),
        Spec("broken", failed=("logging",)),
    )
    findings = run(CHECK, b)
    assert by_resource(findings) == {
        (MGMT, HOME, arn("app")): "PASS",
        (MGMT, HOME, arn("logs")): "FAIL",
        (MGMT, HOME, arn("broken")): "ERROR",
    }
    by_id = {f.resource.id: f for f in findings}
    assert by_id[arn("app")].evidence["TargetBucket"] == "logs"
    assert by_id[arn("logs")].evidence["receives_access_logs_from"] == ["app"]
    assert by_id[arn("broken")].errors[0].operation == "GetBucketLogging"
