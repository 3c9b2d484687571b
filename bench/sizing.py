"""Sizing table: wall time and shard count for accounts x regions, extrapolated from two bench runs.

`python bench/scan_bench.py --sizing 100,400` measures two sizes (replay back end, 50 ms per
call) and prints the table; `python bench/scan_bench.py --targets` prints it from its own two
runs (100 and 1,000 accounts x 4 regions).

The model: calls(N, R) = N x (h + r x R), where r is the measured calls per account in each
region outside the home region and h the extra calls per account in the home region (AssumeRole,
DescribeRegions, Organization details, buckets, trails' per-trail calls, ...); then
wall = w0 + m x calls and peak RSS = s0 + s x N, with (w0, m) and (s0, s) the line through the two
runs. Both the scanner's CPU and the 50 ms per call grow with the number of calls; the line is an
extrapolation from measured per-call cost on this machine, not a measurement of the larger sizes.
"""

from __future__ import annotations

import math
import os
import platform
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

BUILD_LIMIT_MIN = 60.0
"""CodeBuild build timeout the shards must stay under (minutes)."""
SHARD_BUDGET_MIN = 45.0
"""Estimated scan minutes per shard: 15 of the 60 are left for provisioning, install, uploads
and the error of the extrapolation."""
SIZES = ((100, 4), (100, 17), (1000, 4), (1000, 17), (5000, 4), (5000, 17))


@dataclass(frozen=True)
class Measured:
    """One bench run, as the model needs it."""

    accounts: int
    regions: int
    calls: int
    home_calls: int
    """Calls made in the home region by the scanned accounts."""
    wall_s: float
    peak_rss_mb: float
    label: str

    @classmethod
    def of(cls, result: dict[str, Any], label: str) -> Measured:
        return cls(
            accounts=int(result["accounts"]),
            regions=int(result["regions"]),
            calls=int(result["calls"]),
            home_calls=int(result["home_calls"]),
            wall_s=float(result["wall_s"]),
            peak_rss_mb=float(result["peak_rss_total_mb"]),
            label=label,
        )


@dataclass(frozen=True)
class Model:
    per_account_home: float
    per_account_region: float
    wall_fixed_s: float
    wall_per_call_s: float
    rss_fixed_mb: float
    rss_per_account_mb: float

    def calls(self, accounts: int, regions: int) -> float:
        return accounts * (self.per_account_home + self.per_account_region * regions)

    def wall_s(self, accounts: int, regions: int) -> float:
        return self.wall_fixed_s + self.wall_per_call_s * self.calls(accounts, regions)

    def rss_mb(self, accounts: int) -> float:
        return self.rss_fixed_mb + self.rss_per_account_mb * accounts


def fit(small: Measured, large: Measured) -> Model:
    """The model through two runs (the larger one alone decides the calls per account)."""
    other = large.calls - large.home_calls
    r = other / (large.accounts * (large.regions - 1)) if large.regions > 1 else 0.0
    h = large.home_calls / large.accounts - r
    if large.calls != small.calls:
        m = (large.wall_s - small.wall_s) / (large.calls - small.calls)
    else:
        m = large.wall_s / max(1, large.calls)
    m = max(m, large.wall_s / max(1, large.calls) / 4)  # never below a quarter of the average
    w0 = max(0.0, large.wall_s - m * large.calls)
    if large.accounts != small.accounts:
        s = max(0.0, (large.peak_rss_mb - small.peak_rss_mb) / (large.accounts - small.accounts))
    else:
        s = 0.0
    s0 = large.peak_rss_mb - s * large.accounts
    return Model(h, r, w0, m, s0, s)


def machine() -> str:
    model = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{os.cpu_count()} cores, {model or platform.processor() or platform.machine()}"


def table(model: Model, small: Measured, large: Measured) -> str:
    """The README section's table and its notes, in Markdown."""
    rows = [
        "| accounts x regions | API calls (est.) | wall on one machine (est.) "
        "| peak RSS (est.) | shards for builds under 60 min |",
        "|---|---|---|---|---|",
    ]
    for accounts, regions in SIZES:
        wall = model.wall_s(accounts, regions)
        shards = max(1, math.ceil(wall / 60.0 / SHARD_BUDGET_MIN))
        rows.append(
            f"| {accounts:,} x {regions} | {model.calls(accounts, regions):,.0f} "
            f"| {_duration(wall)} | {model.rss_mb(accounts):,.0f} MB | {shards} |"
        )
    notes = [
        f"Extrapolated, not measured: from {small.label} and {large.label} "
        f"({datetime.now(UTC):%Y-%m-%d}, {machine()}).",
        f"Per account: {model.per_account_home:.1f} calls in the home region plus "
        f"{model.per_account_region:.1f} per region; {model.wall_per_call_s * 1000:.2f} ms of "
        f"wall per call beyond {model.wall_fixed_s:.1f} s fixed; peak RSS "
        f"{model.rss_per_account_mb:.2f} MB per account beyond {model.rss_fixed_mb:.0f} MB.",
        f"Shards: the estimated wall divided by {SHARD_BUDGET_MIN:.0f} minutes (of CodeBuild's "
        f"{BUILD_LIMIT_MIN:.0f}-minute build limit), for a build host as fast as this machine.",
    ]
    return "\n".join(rows) + "\n\n" + "\n".join(notes)


def _duration(seconds: float) -> str:
    if seconds < 120:
        return f"{seconds:.0f} s"
    if seconds < 7200:
        return f"{seconds / 60:.0f} min"
    return f"{seconds / 3600:.1f} h"
