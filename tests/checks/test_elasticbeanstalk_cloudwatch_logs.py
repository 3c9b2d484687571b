"""ElasticBeanstalk.3: environments stream logs to CloudWatch, retention equal to the parameter."""

from __future__ import annotations

import pytest

from checks.elasticbeanstalk_cloudwatch_logs import CHECK, build_check
from scanner.aws.services.elasticbeanstalk import _int, _log_options
from scanner.core.check import Check
from scanner.core.datasets.elasticbeanstalk import BEANSTALK_ENVIRONMENTS, BeanstalkEnvironment
from scanner.core.model import CollectionError
from tests.builders import MGMT, InventoryBuilder, run

HOME = "us-east-1"


def env(name: str, stream: bool | None, days: int | None = 7) -> BeanstalkEnvironment:
    arn = f"arn:aws:elasticbeanstalk:us-east-1:111111111111:environment/shop/{name}"
    return BeanstalkEnvironment(
        arn=arn, name=name, application="shop", stream_logs=stream, retention_in_days=days
    )


ENVS = [
    env("on7", True, 7),
    env("on30", True, 30),
    env("on-no-days", True, None),
    env("off", False),
    env("unset", None, None),
]


def statuses(check: Check = CHECK, envs: list[BeanstalkEnvironment] = ENVS) -> dict[str, str]:
    b = InventoryBuilder(regions=(HOME,))
    b.account(MGMT).put(BEANSTALK_ENVIRONMENTS, envs)
    return {f.resource.id.rsplit("/", 1)[-1]: f.status.value for f in run(check, b)}


def test_streaming_passes_without_parameter() -> None:
    assert statuses() == {
        "on7": "PASS",
        "on30": "PASS",
        "on-no-days": "PASS",
        "off": "FAIL",
        "unset": "FAIL",  # StreamLogs absent: nothing is streamed
    }


def test_retention_parameter_must_match_exactly() -> None:
    assert statuses(build_check(7)) == {
        "on7": "PASS",
        "on30": "FAIL",  # longer is not equal: the Config rule compares for equality
        "on-no-days": "FAIL",
        "off": "FAIL",
        "unset": "FAIL",
    }


def test_parameter_outside_the_allowed_values_is_refused() -> None:
    with pytest.raises(ValueError, match="RetentionInDays"):
        build_check(8)


def test_no_environment_no_findings() -> None:
    assert statuses(envs=[]) == {}


def test_denied_settings_is_error_for_that_environment_only() -> None:
    err = CollectionError(
        operation="DescribeConfigurationSettings",
        iam_action="elasticbeanstalk:DescribeConfigurationSettings",
        code="AccessDenied",
        message="x",
    )
    broken = BeanstalkEnvironment(
        arn="arn:aws:elasticbeanstalk:us-east-1:111111111111:environment/shop/broken",
        name="broken",
        errors=BeanstalkEnvironment.failed(err, "stream_logs", "retention_in_days"),
    )
    assert statuses(envs=[broken, env("on7", True)]) == {"broken": "ERROR", "on7": "PASS"}


def test_denied_listing_is_error() -> None:
    b = InventoryBuilder(regions=(HOME,))
    b.account(MGMT).fail(
        BEANSTALK_ENVIRONMENTS,
        operation="DescribeEnvironments",
        iam_action="elasticbeanstalk:DescribeEnvironments",
    )
    findings = run(CHECK, b)
    assert [f.status.value for f in findings] == ["ERROR"]
    assert findings[0].errors[0].iam_action == "elasticbeanstalk:DescribeEnvironments"


def _option(namespace: str, name: str, value: str) -> dict[str, str]:
    return {"Namespace": namespace, "OptionName": name, "Value": value}


def test_collector_reads_the_cloudwatch_logs_namespace_only() -> None:
    logs = "aws:elasticbeanstalk:cloudwatch:logs"
    options = [
        _option(logs, "StreamLogs", "true"),
        _option(logs, "RetentionInDays", "14"),
        _option(logs + ":health", "HealthStreamingEnabled", "true"),
        _option("aws:autoscaling:asg", "StreamLogs", "false"),
    ]
    answer = {"ConfigurationSettings": [{"OptionSettings": options}]}
    assert _log_options(answer) == {"StreamLogs": "true", "RetentionInDays": "14"}
    assert _log_options({}) == {}
    assert (_int("14"), _int(None), _int("x")) == (14, None, None)
