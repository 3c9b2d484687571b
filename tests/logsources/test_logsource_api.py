"""The log-source API: destinations parsed from ARNs, extractor discovery, gaps instead of lists."""

from __future__ import annotations

from scanner.core.datasets.cloudtrail import TRAILS, Trail
from scanner.core.logsource import Destination, DestinationType, all_extractors, extract
from tests.builders import MEMBER, MGMT, InventoryBuilder


def test_destination_from_arn_kinds() -> None:
    s3 = Destination.from_arn("arn:aws:s3:::logs-bucket/AWSLogs/vpc")
    assert (s3.type, s3.target, s3.prefix, s3.account_id) == (
        DestinationType.S3,
        "logs-bucket",
        "AWSLogs/vpc",
        None,
    )
    group = Destination.from_arn("arn:aws:logs:eu-west-1:333333333333:log-group:/org/trail:*")
    assert group.type is DestinationType.CLOUDWATCH_LOGS
    assert (group.target, group.account_id, group.region) == (
        "/org/trail",
        "333333333333",
        "eu-west-1",
    )
    assert group.arn == "arn:aws:logs:eu-west-1:333333333333:log-group:/org/trail"
    hose = Destination.from_arn("arn:aws:firehose:us-east-1:111111111111:deliverystream/x")
    assert (hose.type, hose.account_id) == (DestinationType.FIREHOSE, "111111111111")
    assert Destination.from_arn("not-an-arn").type is DestinationType.OTHER
    assert Destination.from_arn("arn:aws:sns:us-east-1:1:t").type is DestinationType.OTHER


def test_log_group_by_name_gets_an_arn() -> None:
    dest = Destination.log_group("/aws/eks/c/cluster", MGMT, "us-east-1", "aws-us-gov")
    assert dest.arn == f"arn:aws-us-gov:logs:us-east-1:{MGMT}:log-group:/aws/eks/c/cluster"


def test_extractors_are_discovered_with_unique_names() -> None:
    names = [e.name for e in all_extractors()]
    assert {"cloudtrail.trails", "ec2.flow_logs", "config.delivery_channels"} <= set(names)
    assert len(names) == len(set(names))


def test_failed_dataset_is_a_gap_not_an_empty_list() -> None:
    inv = InventoryBuilder(regions=("us-east-1",))
    inv.account(MGMT).fail(TRAILS, "us-east-1")
    trails = [e for e in all_extractors() if e.name == "cloudtrail.trails"]
    result = extract(inv.build(), trails)
    assert result.sources == ()
    [gap] = result.gaps
    assert (gap.account_id, gap.region, gap.kind) == (MGMT, "us-east-1", "trail")
    assert gap.errors[0].code == "AccessDenied"


def test_organization_trail_seen_by_two_accounts_is_listed_once() -> None:
    owner = "999999999999"  # not scanned: listed by the members that see it, once
    trail = Trail(
        name="org",
        arn=f"arn:aws:cloudtrail:us-east-1:{owner}:trail/org",
        home_region="us-east-1",
        s3_bucket_name="org-logs",
        is_organization_trail=True,
        is_multi_region=True,
    )
    inv = InventoryBuilder(regions=("us-east-1",))
    inv.account(MGMT).put(TRAILS, [trail])
    inv.account(MEMBER).put(TRAILS, [trail])
    trails = [e for e in all_extractors() if e.name == "cloudtrail.trails"]
    [source] = extract(inv.build(), trails).sources
    assert (source.account_id, source.id) == (owner, trail.arn)


def test_extractor_whose_dataset_no_account_collected_does_not_run() -> None:
    inv = InventoryBuilder(regions=("us-east-1", "eu-west-1"))
    inv.account(MGMT).put(TRAILS, [])
    inv.account(MEMBER).put(TRAILS, [])
    result = extract(inv.build())
    assert result.gaps == ()  # no gap per account and region for flow logs, Config, ...
    skipped = {n.kind for n in result.not_inventoried}
    assert {"flow-log", "config-channel"} <= skipped
    assert "trail" not in skipped
