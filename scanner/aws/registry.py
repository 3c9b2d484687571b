"""Discovery: collectors are found by walking scanner.aws.services (no import side effects)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from scanner.aws.collector import Collector
from scanner.aws.iam import botocore_services as iam_services
from scanner.core.check import Check
from scanner.core.dataset import Dataset
from scanner.core.registry import modules


def all_collectors() -> list[Collector]:
    collectors: list[Collector] = []
    for mod in modules("scanner.aws.services"):
        collectors.extend(getattr(mod, "COLLECTORS", ()))
    return collectors


def required_collectors(
    checks: Sequence[Check], collectors: Sequence[Collector]
) -> list[Collector]:
    """The collectors for the datasets the checks need, dependencies included."""
    by_name = {c.dataset.name: c for c in collectors}
    needed: dict[str, Collector] = {}

    def add(ds: Dataset[Any]) -> None:
        if ds.name in needed:
            return
        collector = by_name.get(ds.name)
        if collector is None:
            raise RuntimeError(f"no collector for dataset {ds.name}")
        needed[ds.name] = collector
        for dep in ds.depends_on:
            add(dep)

    for check in checks:
        for ds in check.requires:
            add(ds)
    return sorted(needed.values(), key=lambda c: c.dataset.name)


def botocore_services(collectors: Sequence[Collector]) -> set[str]:
    """The botocore service names behind the collectors' declared IAM actions."""
    return {s for c in collectors for action in c.iam_actions for s in iam_services(action)}
