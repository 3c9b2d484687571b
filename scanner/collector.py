"""Collector descriptors: how one dataset is fetched, and which IAM actions that needs."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

from scanner.dataset import Dataset

if TYPE_CHECKING:
    from scanner.collect import CollectContext

T = TypeVar("T")


class Missing(Exception):
    """Raised inside a collector when a dependency dataset could not be collected."""


@dataclass(frozen=True)
class Collector:
    """Fetches `dataset` for one account (and region) through `ctx`; declares its IAM actions."""

    dataset: Dataset[Any]
    iam_actions: tuple[str, ...]
    fetch: Callable[[CollectContext], Any]
