"""Elastic Beanstalk collectors: environments and their log streaming options, per region."""

from __future__ import annotations

from functools import partial
from typing import Any

from scanner.aws.collector import Collector, on
from scanner.aws.engine import CollectContext
from scanner.aws.services._subcalls import Failed, sub_call
from scanner.core.datasets.elasticbeanstalk import BEANSTALK_ENVIRONMENTS, BeanstalkEnvironment

NAMESPACE = "aws:elasticbeanstalk:cloudwatch:logs"
_LOG_FIELDS = ("stream_logs", "retention_in_days")
#: Environments being removed or gone are not judged.
_GONE = frozenset({"Terminating", "Terminated"})


def fetch_environments(ctx: CollectContext) -> list[BeanstalkEnvironment]:
    client = ctx.client("elasticbeanstalk")
    out: list[BeanstalkEnvironment] = []
    # elasticbeanstalk:DescribeEnvironments
    for item in ctx.paginate(
        "elasticbeanstalk", "describe_environments", "Environments", IncludeDeleted=False
    ):
        if item.get("Status") in _GONE:
            continue
        name = str(item["EnvironmentName"])
        app = str(item.get("ApplicationName", ""))
        base = {"arn": str(item.get("EnvironmentArn") or name), "name": name, "application": app}
        raw = sub_call(
            ctx.region,
            _LOG_FIELDS,
            # elasticbeanstalk:DescribeConfigurationSettings
            partial(
                client.describe_configuration_settings, ApplicationName=app, EnvironmentName=name
            ),
        )
        if isinstance(raw, Failed):
            out.append(BeanstalkEnvironment(**base, errors=raw.errors))
            continue
        options = _log_options(raw)
        stream = options.get("StreamLogs")
        out.append(
            BeanstalkEnvironment(
                **base,
                stream_logs=None if stream is None else stream.strip().lower() == "true",
                retention_in_days=_int(options.get("RetentionInDays")),
            )
        )
    return sorted(out, key=lambda e: e.arn)


def _log_options(raw: dict[str, Any]) -> dict[str, str]:
    """The environment's options of the CloudWatch Logs namespace, by name."""
    out: dict[str, str] = {}
    for settings in raw.get("ConfigurationSettings") or ():
        for option in settings.get("OptionSettings") or ():
            if option.get("Namespace") == NAMESPACE and option.get("Value") is not None:
                out[str(option.get("OptionName"))] = str(option["Value"])
    return out


def _int(value: str | None) -> int | None:
    try:
        return int(value) if value is not None else None
    except ValueError:
        return None


COLLECTORS = (
    Collector(
        BEANSTALK_ENVIRONMENTS,
        ("elasticbeanstalk:DescribeEnvironments", "elasticbeanstalk:DescribeConfigurationSettings"),
        fetch_environments,
        events=on(
            "elasticbeanstalk.amazonaws.com",
            "CreateEnvironment",
            "UpdateEnvironment",
            "TerminateEnvironment",
        ),
    ),
)
