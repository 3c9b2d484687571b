"""Region names: validation against botocore's partition data, and the enabled-region filter."""

from __future__ import annotations

import functools
import re
import threading
from collections.abc import Iterable

import botocore.loaders

from scanner.core.errors import UsageError

_PATTERN = re.compile(r"^[a-z]{2}(-[a-z]+)+-\d{1,2}$")
ENABLED_STATUSES = frozenset({"opt-in-not-required", "opted-in"})


_LOCK = threading.Lock()


@functools.cache
def _regions_by_partition() -> dict[str, frozenset[str]]:
    """Partition name -> its region names, from botocore's endpoints data."""

    data = botocore.loaders.create_loader().load_data("endpoints")
    return {p["partition"]: frozenset(p.get("regions", {})) for p in data["partitions"]}


def known_regions(partition: str | None = None) -> frozenset[str]:
    """Region names botocore knows (from its endpoints data), in one partition or in all."""
    with _LOCK:  # built once; threads must not each load the endpoint data
        by_partition = _regions_by_partition()
    if partition is not None:
        return by_partition.get(partition, frozenset())
    return frozenset().union(*by_partition.values())


def parse_regions(text: str | None) -> tuple[str, ...] | None:
    """A comma list of region names; unknown names are a usage error."""
    if text is None:
        return None
    names = [r.strip() for r in text.split(",") if r.strip()]
    if not names:
        raise UsageError("--regions needs at least one region name")
    known = known_regions()
    bad = [r for r in names if r not in known or not _PATTERN.match(r)]
    if bad:
        raise UsageError(f"invalid region name(s): {', '.join(bad)}")
    return tuple(dict.fromkeys(names))


def split_enabled(
    described: Iterable[dict[str, str]],
    wanted: tuple[str, ...] | None,
    partition: str | None = None,
) -> tuple[tuple[str, ...], dict[str, str]]:
    """(regions to scan, skipped region -> reason) from DescribeRegions(AllRegions=True) output.

    Regions of another partition (which only an emulator returns) are ignored.
    """
    in_partition = known_regions(partition) if partition else None
    status = {
        r["RegionName"]: r.get("OptInStatus", "opt-in-not-required")
        for r in described
        if in_partition is None or r["RegionName"] in in_partition
    }
    enabled = sorted(r for r, s in status.items() if s in ENABLED_STATUSES)
    skipped: dict[str, str] = {}
    if wanted is None:
        for region, s in sorted(status.items()):
            if s not in ENABLED_STATUSES:
                skipped[region] = f"not enabled in this account ({s}): out of scope"
        return tuple(enabled), skipped
    scan: list[str] = []
    for region in wanted:
        if region in enabled:
            scan.append(region)
        elif region in status:
            skipped[region] = f"not enabled in this account ({status[region]}): out of scope"
        else:
            skipped[region] = "not offered to this account: out of scope"
    return tuple(scan), skipped
