"""SNS collector: subscriptions of the topics this account's alarms notify, per region."""

from __future__ import annotations

from botocore.exceptions import ClientError

from scanner.aws.collector import Collector, Missing, on
from scanner.aws.engine import CollectContext
from scanner.core.datasets.cloudwatch import ALARMS
from scanner.core.datasets.sns import (
    TOPIC_SUBSCRIPTIONS,
    Subscription,
    TopicState,
    TopicSubscriptions,
)

_NOT_FOUND = frozenset({"NotFound", "NotFoundException", "ResourceNotFoundException"})


def alarm_topics(ctx: CollectContext) -> list[str]:
    """The SNS topic ARNs in the alarm actions of the region's alarms."""
    alarms = ctx.regional(ALARMS)
    if ctx.region not in alarms:
        raise Missing(ALARMS.name)
    topics = {
        action
        for alarm in alarms[ctx.region]
        for action in (
            *alarm.alarm_actions,
            *alarm.ok_actions,
            *alarm.insufficient_data_actions,
        )
        if action.startswith("arn:") and action.split(":")[2:3] == ["sns"]
    }
    return sorted(topics)


def fetch_topic_subscriptions(ctx: CollectContext) -> dict[str, TopicSubscriptions]:
    """ListSubscriptionsByTopic for each topic this account owns; another account's topic is
    recorded as cross-account without a call (its owner decides who may list it)."""

    out: dict[str, TopicSubscriptions] = {}
    for arn in alarm_topics(ctx):
        parts = arn.split(":")
        if len(parts) < 6 or parts[4] != ctx.account_id:
            out[arn] = TopicSubscriptions(topic_arn=arn, state=TopicState.CROSS_ACCOUNT)
            continue
        try:
            raw = ctx.paginate(
                "sns", "list_subscriptions_by_topic", "Subscriptions", region=parts[3], TopicArn=arn
            )
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in _NOT_FOUND:
                out[arn] = TopicSubscriptions(topic_arn=arn, state=TopicState.NOT_FOUND)
                continue
            raise
        out[arn] = TopicSubscriptions(
            topic_arn=arn,
            state=TopicState.LISTED,
            subscriptions=tuple(
                Subscription(
                    subscription_arn=s.get("SubscriptionArn") or "",
                    protocol=s.get("Protocol") or "",
                    owner=s.get("Owner") or None,
                )
                for s in raw
            ),
        )
    return out


COLLECTORS = (
    Collector(
        TOPIC_SUBSCRIPTIONS,
        ("sns:ListSubscriptionsByTopic",),
        fetch_topic_subscriptions,
        events=on(
            "sns.amazonaws.com",
            "Subscribe",
            "ConfirmSubscription",
            "Unsubscribe",
            "DeleteTopic",
        ),
    ),
)
