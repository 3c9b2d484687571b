"""The trail, flow-log and Config delivery-channel extractors over hand-built inventories."""

from __future__ import annotations

from scanner.core.datasets.awsconfig import CONFIG, ConfigRecorder, ConfigRegion, DeliveryChannel
from scanner.core.datasets.cloudtrail import TRAIL_STATUS, TRAILS, Trail, TrailStatus
from scanner.core.datasets.ec2 import VPC_FLOW_LOGS, FlowLog, Vpc, VpcFlowLogs
from scanner.core.logsource import DestinationType, LogSource, extract
from tests.builders import LOGS, MEMBER, MGMT, InventoryBuilder

R1, R2 = "us-east-1", "eu-west-1"
GROUP = f"arn:aws:logs:{R1}:{LOGS}:log-group:/org/trail:*"


def _trail(account: str, name: str, home: str, **extra: object) -> Trail:
    return Trail(
        name=name,
        arn=f"arn:aws:cloudtrail:{home}:{account}:trail/{name}",
        home_region=home,
        **extra,  # type: ignore[arg-type]
    )


def _sources(inv: InventoryBuilder, kind: str) -> list[LogSource]:
    return sorted(
        (s for s in extract(inv.build()).sources if s.kind == kind),
        key=lambda s: (s.account_id, s.id),
    )


def test_trail_listed_once_in_its_owner_and_home_region() -> None:
    org = _trail(
        MGMT,
        "org",
        R1,
        s3_bucket_name="archive",
        s3_key_prefix="ct",
        kms_key_id=f"arn:aws:kms:{R1}:{LOGS}:key/k",
        cloudwatch_logs_log_group_arn=GROUP,
        is_multi_region=True,
        is_organization_trail=True,
    )
    local = _trail(MEMBER, "local", R2, s3_bucket_name="member-bucket")
    inv = InventoryBuilder(regions=(R1, R2))
    inv.account(MGMT).put(TRAILS, [org]).put(TRAIL_STATUS, {org.arn: TrailStatus(is_logging=True)})
    inv.account(MEMBER).put(TRAILS, [org, local])  # shadow copy of org in every region
    [first, second] = _sources(inv, "trail")
    assert (first.account_id, first.region, first.logging) == (MGMT, R1, True)
    s3, logs = first.destinations
    assert (s3.type, s3.target, s3.prefix, s3.kms_key) == (
        DestinationType.S3,
        "archive",
        "ct",
        org.kms_key_id,
    )
    assert (logs.type, logs.account_id, logs.target) == (
        DestinationType.CLOUDWATCH_LOGS,
        LOGS,
        "/org/trail",
    )
    assert (second.account_id, second.region) == (MEMBER, R2)
    assert second.logging is None  # GetTrailStatus not collected for the member: unknown
    assert second.note


def test_trail_not_logging_is_listed_as_such() -> None:
    trail = _trail(MGMT, "off", R1, s3_bucket_name="b")
    inv = InventoryBuilder(regions=(R1,))
    inv.account(MGMT).put(TRAILS, [trail]).put(
        TRAIL_STATUS,
        {trail.arn: TrailStatus(is_logging=False, latest_delivery_error="AccessDenied")},
    )
    [source] = _sources(inv, "trail")
    assert source.logging is False
    assert "AccessDenied" in source.note


def test_flow_logs_each_destination_type_and_vpcs_without_one() -> None:
    data = VpcFlowLogs(
        vpcs=(
            Vpc(vpc_id="vpc-a", owner_id=MGMT),
            Vpc(vpc_id="vpc-b", owner_id=MGMT, is_default=True),
        ),
        flow_logs=(
            FlowLog(
                flow_log_id="fl-1",
                resource_id="vpc-a",
                traffic_type="REJECT",
                flow_log_status="ACTIVE",
                log_destination_type="s3",
                log_destination="arn:aws:s3:::flow-bucket/vpc",
            ),
            FlowLog(
                flow_log_id="fl-2",
                resource_id="subnet-1",
                traffic_type="ALL",
                flow_log_status="ACTIVE",
                log_destination_type="cloud-watch-logs",
                log_group_name="flows",
                deliver_logs_status="FAILED",
                deliver_logs_error_message="Access error",
            ),
        ),
    )
    inv = InventoryBuilder(regions=(R1,))
    inv.account(MGMT).put(VPC_FLOW_LOGS, data)
    fl1, fl2, vpc_b = _sources(inv, "flow-log")
    assert fl1.destinations[0].target == "flow-bucket"
    assert fl1.destinations[0].prefix == "vpc"
    assert fl1.log_types == ("REJECT",)
    assert fl2.destinations[0].arn == f"arn:aws:logs:{R1}:{MGMT}:log-group:flows"
    assert "FAILED" in fl2.note
    assert (vpc_b.id, vpc_b.logging, vpc_b.destinations) == ("vpc-b", False, ())


def test_config_channel_delivers_only_while_recording() -> None:
    channel = DeliveryChannel(
        name="default", s3_bucket_name="config-bucket", s3_kms_key_arn="arn:aws:kms:x"
    )
    on = ConfigRegion(
        recorders=(ConfigRecorder(name="default", has_status=True, recording=True),),
        delivery_channels=(channel,),
    )
    off = ConfigRegion(
        recorders=(ConfigRecorder(name="default", has_status=True, recording=False),),
        delivery_channels=(channel,),
    )
    inv = InventoryBuilder(regions=(R1, R2))
    inv.account(MGMT).put(CONFIG, on, R1).put(CONFIG, off, R2)
    sources = {s.region: s for s in _sources(inv, "config-channel")}
    assert sources[R1].logging is True
    assert sources[R1].destinations[0].kms_key == "arn:aws:kms:x"
    assert sources[R2].logging is False
    assert sources[R2].destinations[0].target == "config-bucket"
