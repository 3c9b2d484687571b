"""Security Hub resources (ASFF type and id) for the service logging checks' resources."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import TypeVar

from scanner.model import Resource, Result
from scanner.view import DataUnavailable, View, error_result

T = TypeVar("T")


def regional_resource(view: View, asff_type: str, resource_id: str) -> Resource:
    return Resource(
        type=asff_type,
        id=resource_id,
        region=view.region or view.home_region,
        account_id=view.account_id,
    )


def apigateway_arn(view: View, path: str) -> str:
    """An API Gateway resource ARN, e.g. path "/restapis/abc/stages/prod"."""
    region = view.region or view.home_region
    return f"arn:{view.org.inventory.partition}:apigateway:{region}::{path}"


def each_judged(
    view: View,
    items: Iterable[T],
    resource_of: Callable[[T], Resource],
    decide: Callable[[T, Resource], Result | None],
) -> Iterator[Result]:
    """`decide` for each item; an item whose fields could not be collected is ERROR on its
    resource (View.judge), and the other items are still judged."""
    for item in items:
        resource = resource_of(item)
        result = view.judge(resource, lambda i=item, r=resource: decide(i, r))  # type: ignore[misc]
        if result is not None:
            yield result


def stages_or_error(
    resource: Resource, read: Callable[[], tuple[T, ...]]
) -> tuple[tuple[T, ...], Result | None]:
    """An API's stages, or an ERROR on the API when GetStages failed for it."""
    try:
        return read(), None
    except DataUnavailable as exc:
        return (), error_result(resource, exc.errors)
