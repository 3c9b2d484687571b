"""Demo AWS Config aggregators: the log-archive account, delegated administrator for AWS Config,
aggregates the Organization; the management account keeps an older aggregator of two accounts."""

from __future__ import annotations

from scanner.demo.world import DemoOrg

ORDER = 34


def seed(org: DemoOrg) -> None:
    admin = org.log_archive
    admin.client("config", "us-east-1").put_configuration_aggregator(
        ConfigurationAggregatorName="organization",
        OrganizationAggregationSource={
            "RoleArn": f"arn:aws:iam::{admin.account_id}:role/ConfigAggregatorRole",
            "AllAwsRegions": True,
        },
    )
    org.management.client("config", "eu-west-1").put_configuration_aggregator(
        ConfigurationAggregatorName="two-accounts",
        AccountAggregationSources=[
            {
                "AccountIds": [org.management.account_id, org.workloads.account_id],
                "AwsRegions": ["eu-west-1"],
            }
        ],
    )
