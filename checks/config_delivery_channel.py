"""Every region with an AWS Config recorder has a delivery channel."""

from __future__ import annotations

from collections.abc import Iterator

from scanner.core.check import Check
from scanner.core.dataset import Scope
from scanner.core.datasets.awsconfig import CONFIG
from scanner.core.model import Result, Severity, Status
from scanner.core.view import View


def evaluate(view: View) -> Iterator[Result]:
    """One result per region with a customer-managed recorder, on the account.

    FAIL when a recorder exists but DescribeDeliveryChannels returns none (the recorder cannot
    be started, and nothing is delivered). No recorder: no finding (Config.1 reports it).
    """
    cfg = view.get(CONFIG)
    recorders = [r.name for r in cfg.recorders if r.customer_managed]
    if not recorders:
        return
    channels = [c.name for c in cfg.delivery_channels]
    evidence = {
        "api": ["config:DescribeConfigurationRecorders", "config:DescribeDeliveryChannels"],
        "ConfigurationRecorders": recorders,
        "DeliveryChannels": [
            {"name": c.name, "s3BucketName": c.s3_bucket_name, "snsTopicARN": c.sns_topic_arn}
            for c in cfg.delivery_channels
        ],
    }
    yield Result(
        status=Status.PASS if channels else Status.FAIL,
        resource=view.account_resource(),
        reason=(
            f"Delivery channel {', '.join(channels)} is configured."
            if channels
            else f"Recorder {', '.join(recorders)} has no delivery channel."
        ),
        evidence=evidence,
    )


CHECK = Check(
    id="config_delivery_channel",
    title="AWS Config recorders should have a delivery channel",
    severity=Severity.MEDIUM,
    resource_type="AwsAccount",
    scope=Scope.REGION,
    requires=(CONFIG,),
    evaluate=evaluate,
    rationale=(
        "Without a delivery channel AWS Config cannot start recording or deliver configuration "
        "snapshots and history to S3."
    ),
    remediation=(
        "aws configservice put-delivery-channel "
        "--delivery-channel name=default,s3BucketName=<bucket>"
    ),
    remediation_url="https://docs.aws.amazon.com/config/latest/developerguide/manage-delivery-channel.html",
)
