"""SNS subscriptions of the topics that CloudWatch alarms notify."""

from __future__ import annotations

from enum import StrEnum

from scanner.core.dataset import Dataset, Scope
from scanner.core.datasets.cloudwatch import ALARMS
from scanner.core.model import Frozen


class TopicState(StrEnum):
    """What the scanner could learn about a topic an alarm notifies."""

    LISTED = "listed"
    CROSS_ACCOUNT = "cross_account"  # owned by another account: not listed (not ours to call)
    NOT_FOUND = "not_found"  # ListSubscriptionsByTopic said the topic does not exist


class Subscription(Frozen):
    """A subscription (the endpoint is not recorded: it may be a person's address)."""

    subscription_arn: str
    protocol: str
    owner: str | None = None

    @property
    def confirmed(self) -> bool:
        """A confirmed subscription has an ARN; a pending one reads `PendingConfirmation`."""
        return self.subscription_arn.startswith("arn:")


class TopicSubscriptions(Frozen):
    topic_arn: str
    state: TopicState
    subscriptions: tuple[Subscription, ...] = ()


TOPIC_SUBSCRIPTIONS: Dataset[dict[str, TopicSubscriptions]] = Dataset(
    "sns.alarm_topic_subscriptions",
    Scope.REGION,
    dict[str, TopicSubscriptions],
    "ListSubscriptionsByTopic for the SNS topics the region's alarms notify (this account's "
    "topics only), keyed by topic ARN",
    depends_on=(ALARMS,),
)
