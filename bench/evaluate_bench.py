"""Evaluation and report benchmark: CPU and peak RSS per step of a from-inventory scan, no AWS.

    python bench/evaluate_bench.py [--accounts 100,300,1000] [--seed-inventory FILE]

(`make bench-evaluate`.) A seed inventory (the demo Organization, scanned once on a local moto
server, unless --seed-inventory names a saved one) is cloned into synthetic Organizations of N
accounts (each clone is a seed account under a new account id). Each size runs in a fresh
process, step by step as `trailwatch scan --from-inventory` does: load, evaluate, suppressions,
log sources, summary, the report writers (all formats in one call, as a scan writes them; with
--each-format one call per format), the manifest, and the verification and switch of the set.
Prints CPU seconds (this process, and its worker processes apart), wall seconds, the
process's peak RSS and its largest worker's after each step, then the CPU ratio between sizes:
work that grows linearly grows by the ratio of the sizes. A benchmark, not a test: nothing is
asserted.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from reports.manifest import sha256_file, write_manifest  # noqa: E402
from reports.reportset import ReportSet  # noqa: E402
from reports.summary import summarize  # noqa: E402
from reports.writers import write_reports  # noqa: E402
from scanner.app.demo import (  # noqa: E402
    DEMO_SEED,
    demo_suppressions,
    deny_assume_role,
    pin_random,
    reset_moto,
    seed_demo,
)
from scanner.app.scan import (  # noqa: E402
    ScanPlan,
    ScanRequest,
    collect_or_load,
    evaluate_checks,
    plan_scan,
    run_scan,
    suppress_and_compare,
)
from scanner.aws.collection import ScanOptions  # noqa: E402
from scanner.aws.session import ClientSettings, Sessions  # noqa: E402
from scanner.core.logsource_inventory import build_log_sources  # noqa: E402
from scanner.demo.server import fake_aws_env, moto_server  # noqa: E402
from scanner.demo.world import REGIONS  # noqa: E402

FORMATS = ("json", "asff", "html")


def _rss_mb() -> tuple[float, float]:
    """(current RSS, peak RSS) of this process in MB."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    with open("/proc/self/statm") as handle:
        pages = int(handle.read().split()[1])
    return pages * os.sysconf("SC_PAGE_SIZE") / 2**20, peak


def _children_cpu() -> float:
    """CPU seconds of the worker processes this process has waited for."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


class Steps:
    """Times each step: CPU (process_time; worker processes apart), wall, RSS now and peak."""

    def __init__(self) -> None:
        self.rows: list[dict[str, Any]] = []
        self._cpu = time.process_time()
        self._workers = _children_cpu()
        self._wall = time.perf_counter()

    def done(self, name: str) -> None:
        cpu, workers, wall = time.process_time(), _children_cpu(), time.perf_counter()
        now, peak = _rss_mb()
        self.rows.append(
            {
                "step": name,
                "cpu": cpu - self._cpu,
                "workers": workers - self._workers,
                "wall": wall - self._wall,
                "rss": now,
                "peak": peak,
                "worker_peak": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024,
            }
        )
        self._cpu, self._wall = time.process_time(), time.perf_counter()
        self._workers = _children_cpu()


def run_one(inventory: Path, out: Path, each_format: bool) -> dict[str, Any]:
    """One from-inventory scan, step by step (the steps of scanner.app.scan)."""
    steps = Steps()
    request = ScanRequest(
        options=ScanOptions(), from_inventory=inventory, output_dir=out, formats=FORMATS
    )
    report_set = ReportSet(out)
    plan = plan_scan(request, report_set)
    with report_set.open():
        result = _steps(request, plan, report_set, steps, each_format)
    return result


def _steps(
    request: ScanRequest, plan: ScanPlan, report_set: ReportSet, steps: Steps, each_format: bool
) -> dict[str, Any]:
    inv, _ = collect_or_load(request, plan.checks)
    steps.done("load inventory")
    findings, meta = evaluate_checks(request, plan, inv)
    steps.done("evaluate")
    findings, extras = suppress_and_compare(plan, findings, meta)
    extras = dataclasses.replace(extras, log_sources=build_log_sources(inv, None))
    steps.done("suppressions + log sources")
    summary = summarize(findings, meta, plan.shown, plan.checks)
    steps.done("summary")
    out = report_set.staging
    paths: list[Path] = []
    if each_format:
        for fmt in FORMATS:
            written = write_reports(out, [fmt], findings, meta, summary, extras)
            paths.extend(written)
            if fmt == "json":
                extras = dataclasses.replace(extras, findings_sha256=sha256_file(written[-1]))
            steps.done(f"write {fmt}")
    else:
        paths = write_reports(out, FORMATS, findings, meta, summary, extras)
        steps.done(f"write {', '.join(FORMATS)}")
    write_manifest(out, paths, scan_id=meta.scan_id, tool_version=meta.tool_version)
    steps.done("manifest")
    size = sum(p.stat().st_size for p in out.iterdir() if p.is_file())
    report_set.publish()
    steps.done("verify + switch the set")
    return {"findings": len(findings), "report_mb": size / 2**20, "steps": steps.rows}


def seed_from_demo(where: Path) -> Path:
    """The demo Organization (seeded on a local moto server), scanned once, inventory saved."""
    saved = where / "seed-inventory.json"
    with fake_aws_env(), moto_server() as endpoint:
        reset_moto(endpoint)
        pin_random(endpoint, DEMO_SEED)
        org = seed_demo(endpoint)
        sessions = Sessions(
            None,
            ClientSettings(
                endpoint_url=endpoint, client_hook=deny_assume_role(org.unreachable_account_id)
            ),
        )
        run_scan(
            ScanRequest(
                options=ScanOptions(org=True, regions=REGIONS, endpoint_url=endpoint),
                output_dir=where / "seed-scan",
                formats=("json",),
                suppressions=demo_suppressions(org),
                save_inventory=saved,
            ),
            sessions=sessions,
        )
    return saved


def clone(seed: Path, n: int, target: Path) -> Path:
    """`n` accounts: the seed's, then copies of them (cycling) under new account ids."""
    doc = json.loads(seed.read_text())
    accounts = doc["accounts"]
    texts = [json.dumps(a) for a in accounts]
    ids = [a["info"]["account_id"] for a in accounts]
    out: list[Any] = []
    for i in range(n):
        src = i % len(accounts)
        if i < len(accounts):
            out.append(accounts[i])
            continue
        new_id = f"{900000000000 + i:012d}"
        out.append(json.loads(texts[src].replace(ids[src], new_id)))
    doc["accounts"] = out
    target.write_text(json.dumps(doc))
    return target


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--accounts", default="100,300,1000", help="comma list of sizes")
    parser.add_argument("--seed-inventory", type=Path, help="a saved inventory to clone")
    parser.add_argument(
        "--each-format", action="store_true", help="one write step per format (CPU per writer)"
    )
    parser.add_argument("--run", type=Path, help=argparse.SUPPRESS)  # child: one size
    args = parser.parse_args()
    if args.run is not None:
        with tempfile.TemporaryDirectory(prefix="trailwatch-evalbench-out-") as out:
            print(json.dumps(run_one(args.run, Path(out) / "reports", args.each_format)))
        return 0
    sizes = [int(s) for s in args.accounts.split(",")]
    results: dict[int, dict[str, Any]] = {}
    with tempfile.TemporaryDirectory(prefix="trailwatch-evalbench-") as tmp:
        work = Path(tmp)
        seed = args.seed_inventory or seed_from_demo(work)
        for n in sizes:
            inventory = clone(seed, n, work / f"inventory-{n}.json")
            each = ["--each-format"] if args.each_format else []
            proc = subprocess.run(
                [sys.executable, __file__, "--run", str(inventory), *each],
                check=True,
                capture_output=True,
                text=True,
            )
            results[n] = json.loads(proc.stdout.strip().splitlines()[-1])
            inventory.unlink()
            _print(n, results[n])
    print(f"\nload average {os.getloadavg()[0]:.1f} (2 cores shared: compare CPU seconds)")
    _ratios(sizes, results)
    return 0


def _print(n: int, result: dict[str, Any]) -> None:
    print(f"\n{n} accounts: {result['findings']} findings, {result['report_mb']:.0f} MB of reports")
    print(
        f"  {'step':<28}{'CPU s':>8}{'workers':>8}{'wall s':>8}{'RSS MB':>8}{'peak MB':>9}"
        f"{'worker peak':>12}"
    )
    for row in result["steps"]:
        print(
            f"  {row['step'][:27]:<28}{row['cpu']:>8.2f}{row['workers']:>8.2f}{row['wall']:>8.2f}"
            f"{row['rss']:>8.0f}{row['peak']:>9.0f}{row['worker_peak']:>12.0f}"
        )
    rows = result["steps"][1:]
    cpu = sum(r["cpu"] + r["workers"] for r in rows)
    wall = sum(r["wall"] for r in rows)
    print(f"  {'after loading, all CPU':<28}{cpu:>8.2f}{'':>8}{wall:>8.2f}")


def _ratios(sizes: list[int], results: dict[int, dict[str, Any]]) -> None:
    if len(sizes) < 2:
        return
    print("\nCPU after loading (evaluate + reports), ratio to the previous size:")
    prev: tuple[int, float] | None = None
    for n in sizes:
        cpu = sum(r["cpu"] + r["workers"] for r in results[n]["steps"][1:])
        line = f"  {n:>6} accounts: {cpu:7.2f} s"
        if prev is not None:
            line += f"  x{cpu / prev[1]:.2f} for x{n / prev[0]:.2f} accounts"
        print(line)
        prev = (n, cpu)


if __name__ == "__main__":
    sys.exit(main())
