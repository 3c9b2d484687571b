"""Security Hub resources (ASFF type and id) for the service logging checks' resources."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from functools import partial
from typing import TypeVar

from scanner.core.model import Resource, Result
from scanner.core.view import View

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
        result = view.judge(resource, partial(decide, item, resource))
        if result is not None:
            yield result
