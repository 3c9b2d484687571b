"""Per-resource sub-calls: a failure is recorded on that resource's fields, not the dataset."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from scanner.aws.engine import error_from_exception
from scanner.core.model import Collected, CollectionError


class Failed:
    """What `sub_call` returns when the call failed: the errors for the fields it fills."""

    def __init__(self, errors: dict[str, CollectionError]) -> None:
        self.errors = errors


def sub_call(region: str, fields: tuple[str, ...], call: Callable[[], Any]) -> Any:
    """`call()`'s answer; on any failure a Failed carrying the error against each of `fields`
    (scanner.core.model.Collected): that resource becomes ERROR, the others are still judged."""
    try:
        return call()
    except Exception as exc:  # per-resource failures are data on that resource
        return Failed(Collected.failed(error_from_exception(exc, region), *fields))
