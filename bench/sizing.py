"""Sizing table: wall time and shard count for accounts x regions, extrapolated from two bench runs.

`python bench/scan_bench.py --sizing 100,400` measures two sizes (replay back end, 50 ms per
call) and prints the table; `python bench/scan_bench.py --targets` prints it from its own two
runs (100 and 1,000 accounts x 4 regions).

The model, every coefficient measured:

* calls(N, R) = N x (h + r x R): r is the calls per account in each region outside the home
  region, h the extra calls per account in the home region (AssumeRole, DescribeRegions,
  Organization details, buckets, per-trail calls, ...), both from the larger run.
* wall on a dedicated machine like this one = what follows collection (evaluation and reports:
  a line in N through the two runs' wall after their last account was collected) plus the larger
  of
  - CPU: the collection's CPU per call (every scan process's CPU, the scan process collects too,
    less the time after collection) x calls / cores (/ 1 without worker processes);
  - latency: calls x the added latency / --max-workers (the calls in flight at most).
  The back end's CPU is left out: AWS does not run on the scanner's machine.
* wall extrapolated from the measured wall: the line through the two runs' (calls, wall); it
  carries whatever else ran on the machine then (the load average is printed with each run).
* peak RSS: the larger of two lines in N through the two runs: the sum over all scan processes,
  and the parent alone (its peak comes after the workers ended, and grows faster).
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
    after_collection_s: float
    """Wall seconds after the last account was collected (evaluation, reports)."""
    parent_cpu_s: float
    workers_cpu_s: float
    peak_rss_mb: float
    parent_rss_mb: float
    latency_ms: float
    max_workers: int
    load: float
    """1-minute load average after the run."""
    label: str

    @classmethod
    def of(cls, result: dict[str, Any], label: str) -> Measured:
        return cls(
            accounts=int(result["accounts"]),
            regions=int(result["regions"]),
            calls=int(result["calls"]),
            home_calls=int(result["home_calls"]),
            wall_s=float(result["wall_s"]),
            after_collection_s=float(result["wall_s"]) - float(result.get("collected_s") or 0.0),
            parent_cpu_s=float(result["cpu_s"]),
            workers_cpu_s=max(
                float(result["children_cpu_s"]), float(result.get("sampled_workers_cpu_s", 0.0))
            ),
            peak_rss_mb=float(result["peak_rss_total_mb"]),
            parent_rss_mb=float(result["peak_rss_mb"]),
            latency_ms=float(result["latency_ms"]),
            max_workers=int(result["max_workers"]),
            load=float(result["load_average"][0]),
            label=label,
        )


@dataclass(frozen=True)
class Model:
    per_account_home: float
    per_account_region: float
    serial_fixed_s: float
    serial_per_account_s: float
    collect_cpu_per_call_s: float
    cores: int
    latency_s: float
    max_workers: int
    wall_fixed_s: float
    wall_per_call_s: float
    rss_fixed_mb: float
    rss_per_account_mb: float
    parent_rss_fixed_mb: float
    parent_rss_per_account_mb: float

    def calls(self, accounts: int, regions: int) -> float:
        return accounts * (self.per_account_home + self.per_account_region * regions)

    def dedicated_wall_s(self, accounts: int, regions: int) -> float:
        calls = self.calls(accounts, regions)
        serial = self.serial_fixed_s + self.serial_per_account_s * accounts
        cpu = self.collect_cpu_per_call_s * calls / self.cores
        return serial + max(cpu, calls * self.latency_s / self.max_workers)

    def measured_wall_s(self, accounts: int, regions: int) -> float:
        return self.wall_fixed_s + self.wall_per_call_s * self.calls(accounts, regions)

    def rss_mb(self, accounts: int) -> float:
        """The larger of the lines through the runs' peaks: of all processes, of the parent
        alone (whose peak, after the workers ended, grows faster)."""
        return max(
            self.rss_fixed_mb + self.rss_per_account_mb * accounts,
            self.parent_rss_fixed_mb + self.parent_rss_per_account_mb * accounts,
        )


def _line(x0: float, y0: float, x1: float, y1: float) -> tuple[float, float]:
    """(intercept, slope) through two points; slope >= 0, intercept >= 0 (noise aside, nothing
    here shrinks with size)."""
    slope = max(0.0, (y1 - y0) / (x1 - x0)) if x1 != x0 else 0.0
    if slope == 0.0 and x1:
        return y1, 0.0
    return max(0.0, y1 - slope * x1), slope


def fit(small: Measured, large: Measured) -> Model:
    """The model through two runs (the larger one alone decides the calls per account)."""
    other = large.calls - large.home_calls
    r = other / (large.accounts * (large.regions - 1)) if large.regions > 1 else 0.0
    h = large.home_calls / large.accounts - r
    a0, a1 = _line(
        small.accounts, small.after_collection_s, large.accounts, large.after_collection_s
    )
    workers = large.workers_cpu_s > 0
    collect_cpu = large.parent_cpu_s + large.workers_cpu_s - large.after_collection_s
    w0, m = _line(small.calls, small.wall_s, large.calls, large.wall_s)
    s0, s = _line(small.accounts, small.peak_rss_mb, large.accounts, large.peak_rss_mb)
    ps0, ps = _line(small.accounts, small.parent_rss_mb, large.accounts, large.parent_rss_mb)
    return Model(
        per_account_home=h,
        per_account_region=r,
        serial_fixed_s=a0,
        serial_per_account_s=a1,
        collect_cpu_per_call_s=max(0.0, collect_cpu) / max(1, large.calls),
        cores=(os.cpu_count() or 1) if workers else 1,
        latency_s=large.latency_ms / 1000.0,
        max_workers=max(1, large.max_workers),
        wall_fixed_s=w0,
        wall_per_call_s=m,
        rss_fixed_mb=s0,
        rss_per_account_mb=s,
        parent_rss_fixed_mb=ps0,
        parent_rss_per_account_mb=ps,
    )


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
        "| accounts x regions | API calls | wall, dedicated machine | wall, from the measured "
        "runs | peak RSS | CodeBuild shards (< 60 min) |",
        "|---|---|---|---|---|---|",
    ]
    for accounts, regions in SIZES:
        wall = model.dedicated_wall_s(accounts, regions)
        shards = max(1, math.ceil(wall / 60.0 / SHARD_BUDGET_MIN))
        rows.append(
            f"| {accounts:,} x {regions} | {model.calls(accounts, regions):,.0f} "
            f"| {_duration(wall)} | {_duration(model.measured_wall_s(accounts, regions))} "
            f"| {model.rss_mb(accounts):,.0f} MB | {shards} |"
        )
    notes = [
        f"Every row is extrapolated, not measured: from {small.label} and {large.label}, "
        f"{datetime.now(UTC):%Y-%m-%d}, {machine()} (load average after the runs "
        f"{small.load:.1f} and {large.load:.1f}).",
        f"Per account: {model.per_account_home:.1f} calls in the home region plus "
        f"{model.per_account_region:.1f} per region. Dedicated machine: evaluation and reports "
        f"after collection, {model.serial_fixed_s:.1f} s + "
        f"{model.serial_per_account_s * 1000:.0f} ms per account, plus collection: "
        f"{model.collect_cpu_per_call_s * 1000:.2f} ms of CPU per call over {model.cores} "
        f"core(s), or the {model.latency_s * 1000:.0f} ms per call over {model.max_workers} calls "
        f"in flight when that is longer; no back end on the machine. From the measured runs: "
        f"{model.wall_fixed_s:.1f} s + {model.wall_per_call_s * 1000:.2f} ms per call. Peak RSS: "
        f"the larger of all scan processes' {model.rss_fixed_mb:.0f} MB + "
        f"{model.rss_per_account_mb:.2f} MB per account and the parent's "
        f"{model.parent_rss_fixed_mb:.0f} MB + {model.parent_rss_per_account_mb:.2f} MB per "
        "account.",
        f"Shards: the dedicated-machine wall divided by {SHARD_BUDGET_MIN:.0f} minutes (15 of "
        f"CodeBuild's {BUILD_LIMIT_MIN:.0f}-minute limit are left for provisioning, install, "
        f"uploads and the error of the estimate), for a build host as fast as this machine.",
    ]
    return "\n".join(rows) + "\n\n" + "\n\n".join(notes)


def _duration(seconds: float) -> str:
    if seconds < 120:
        return f"{seconds:.0f} s"
    if seconds < 7200:
        return f"{seconds / 60:.0f} min"
    return f"{seconds / 3600:.1f} h"
