"""Elastic Beanstalk datasets: environments with their CloudWatch Logs streaming options."""

from __future__ import annotations

from scanner.core.dataset import Dataset, Scope
from scanner.core.model import Collected


class BeanstalkEnvironment(Collected):
    """An environment (DescribeEnvironments) and its `aws:elasticbeanstalk:cloudwatch:logs`
    options (DescribeConfigurationSettings; unavailable when that call failed). `stream_logs`
    is None when the option is absent; `retention_in_days` is None when absent or not a number."""

    arn: str
    name: str
    application: str = ""
    stream_logs: bool | None = None
    retention_in_days: int | None = None


BEANSTALK_ENVIRONMENTS: Dataset[list[BeanstalkEnvironment]] = Dataset(
    "elasticbeanstalk.environments",
    Scope.REGION,
    list[BeanstalkEnvironment],
    "DescribeEnvironments, and DescribeConfigurationSettings for each, in each region",
)
