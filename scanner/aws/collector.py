"""Collector descriptors: how one dataset is fetched, the IAM actions that needs, and the
CloudTrail API calls that change it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

from scanner.core.dataset import Dataset

if TYPE_CHECKING:
    from scanner.aws.engine import CollectContext

T = TypeVar("T")

#: A CloudTrail API call: (eventSource, eventName), e.g. ("s3.amazonaws.com", "CreateBucket").
ApiEvent = tuple[str, str]


def on(event_source: str, *event_names: str) -> tuple[ApiEvent, ...]:
    """The calls `event_names` of `event_source` (a collector's `events` declaration)."""
    return tuple((event_source, name) for name in event_names)


class Missing(Exception):
    """Raised inside a collector when a dependency dataset could not be collected."""


@dataclass(frozen=True)
class Collector:
    """Fetches `dataset` for one account (and region) through `ctx`; declares its IAM actions
    and `events`: the CloudTrail API calls that change the data it collects (real time
    re-evaluates the dataset's readers on each; see scanner.realtime.api_calls). Calls that change a
    dataset this one depends on need not be repeated: they reach this one through
    `Dataset.depends_on`. `iam_resources`, when given, limits `iam_actions` to those resources in
    the generated policy (for actions as broad as `apigateway:GET`)."""

    dataset: Dataset[Any]
    iam_actions: tuple[str, ...]
    fetch: Callable[[CollectContext], Any]
    events: tuple[ApiEvent, ...] = ()
    iam_resources: tuple[str, ...] = ()
