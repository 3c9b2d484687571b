"""ASFF and OCSF list the same resources of a finding: the resource, then the related ones, each
(type, id) once, blank ids left out, with the same region and partition."""

from __future__ import annotations

from reports.asff import to_asff
from reports.ocsf import to_ocsf
from scanner.core.model import Resource
from tests.reports.factory import make_finding

BUCKET = Resource(type="AwsS3Bucket", id="arn:aws:s3:::logs", region="eu-west-1")
KEY = Resource(type="AwsKmsKey", id="arn:aws-us-gov:kms:us-gov-west-1:111111111111:key/k")


def test_asff_and_ocsf_list_the_same_resources() -> None:
    finding = make_finding(
        related_resources=(BUCKET, Resource(type="AwsS3Bucket", id="  "), BUCKET, KEY)
    )
    assert [r.id for r in finding.distinct_resources()] == [
        finding.resource.id,
        BUCKET.id,
        KEY.id,
    ]
    asff = [
        (r["Type"], r["Id"], r["Region"], r["Partition"]) for r in to_asff(finding)["Resources"]
    ]
    ocsf = [
        (r["type"], r["uid"], r["region"], r["cloud_partition"])
        for r in to_ocsf(finding)["resources"]
    ]
    assert asff == ocsf
    assert asff[1][2] == "eu-west-1"  # the related resource's own region
    assert asff[2][2:] == (
        finding.region,
        "aws-us-gov",
    )  # the finding's region, the ARN's partition
