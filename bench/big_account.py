"""Big-account benchmark: one account with thousands of buckets, VPCs, log groups and alarms on
moto; scan it with every check; print wall time, CPU time and peak RSS of the scan.

    python bench/big_account.py [--buckets 2000] [--vpcs 1000] [--log-groups 3000]
                                [--alarms 2000] [--regions 1] [--max-workers 64]

(`make bench-big`.) moto runs in one child process (bench/server.py), the scan in another, so the
scanner's CPU time and peak RSS are its own. The scan must finish without a failed dataset or an
ERROR finding; otherwise this exits 1 and says which. `--scale 0.5` (default) also scans an
account of half the size first, so that the memory per resource is printed: peak RSS should grow
with the data (the inventory holds it), not faster.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from scanner.demo.server import FAKE_ENV  # noqa: E402

ALL_REGIONS = ("us-east-1", "eu-west-1", "us-west-2", "eu-central-1")
ACCOUNT = "123456789012"  # moto's default account
FAKE = FAKE_ENV  # the demo's fake credentials: nothing here can reach AWS
SEED_THREADS = 8


def _client(endpoint: str, service: str, region: str) -> Any:
    import boto3
    from botocore.config import Config

    config = Config(max_pool_connections=SEED_THREADS * 2, s3={"addressing_style": "path"})
    return boto3.client(service, region_name=region, endpoint_url=endpoint, config=config)


def _many(count: int, make: Callable[[int], Any]) -> None:
    with ThreadPoolExecutor(SEED_THREADS) as pool:
        for _ in pool.map(make, range(count)):
            pass


def seed(endpoint: str, args: argparse.Namespace, scale: float, regions: tuple[str, ...]) -> None:
    """One account: buckets (some with policies), VPCs (half with flow logs), log groups,
    alarms on a few SNS topics, and a logging multi-Region trail."""
    home = regions[0]
    n_buckets, n_vpcs = int(args.buckets * scale), int(args.vpcs * scale)
    n_groups, n_alarms = int(args.log_groups * scale), int(args.alarms * scale)
    tag = f"s{int(scale * 100)}"
    s3 = _client(endpoint, "s3", home)

    def bucket(i: int) -> None:
        name = f"big-{tag}-{i:05d}"
        s3.create_bucket(Bucket=name)
        if i % 10 == 0:
            policy = {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Effect": "Deny",
                        "Principal": "*",
                        "Action": "s3:*",
                        "Resource": [f"arn:aws:s3:::{name}", f"arn:aws:s3:::{name}/*"],
                        "Condition": {"Bool": {"aws:SecureTransport": "false"}},
                    }
                ],
            }
            s3.put_bucket_policy(Bucket=name, Policy=json.dumps(policy))

    _many(n_buckets, bucket)
    logs = _client(endpoint, "logs", home)
    _many(n_groups, lambda i: logs.create_log_group(logGroupName=f"/big/{tag}/app-{i:05d}"))
    logs.create_log_group(logGroupName=f"/big/{tag}/flow-logs")
    for region in regions:
        ec2 = _client(endpoint, "ec2", region)
        ids: list[str] = []

        def vpc(i: int, ec2: Any = ec2, ids: list[str] = ids) -> None:
            cidr = f"10.{i // 256 % 256}.{i % 256}.0/24"
            ids.append(ec2.create_vpc(CidrBlock=cidr)["Vpc"]["VpcId"])

        _many(n_vpcs // len(regions), vpc)
        half = sorted(ids)[: len(ids) // 2]
        for start in range(0, len(half), 500):
            ec2.create_flow_logs(
                ResourceIds=half[start : start + 500],
                ResourceType="VPC",
                TrafficType="ALL",
                LogDestinationType="cloud-watch-logs",
                LogGroupName=f"/big/{tag}/flow-logs",
                DeliverLogsPermissionArn=f"arn:aws:iam::{ACCOUNT}:role/flow-logs",
            )
    sns = _client(endpoint, "sns", home)
    topics = [sns.create_topic(Name=f"alarms-{tag}-{i}")["TopicArn"] for i in range(20)]
    for topic in topics:
        sns.subscribe(TopicArn=topic, Protocol="email", Endpoint="sec@example.com")
    cw = _client(endpoint, "cloudwatch", home)
    _many(
        n_alarms,
        lambda i: cw.put_metric_alarm(
            AlarmName=f"big-{tag}-{i:05d}",
            MetricName=f"Metric{i % 50}",
            Namespace="Big",
            Statistic="Sum",
            Period=300,
            EvaluationPeriods=1,
            Threshold=1,
            ComparisonOperator="GreaterThanOrEqualToThreshold",
            AlarmActions=[topics[i % len(topics)]],
        ),
    )
    trail_bucket = f"big-{tag}-trail"
    s3.create_bucket(Bucket=trail_bucket)
    ct = _client(endpoint, "cloudtrail", home)
    ct.create_trail(
        Name=f"main-{tag}",
        S3BucketName=trail_bucket,
        IsMultiRegionTrail=True,
        EnableLogFileValidation=True,
    )
    ct.start_logging(Name=f"main-{tag}")


def scan_child(endpoint: str, regions: tuple[str, ...], max_workers: int) -> dict[str, Any]:
    """In the scan process: the real pipeline on the one account, measured."""
    import logging

    from scanner.app.scan import ScanRequest, run_scan
    from scanner.aws.collection import ScanOptions
    from scanner.aws.session import ClientSettings, Sessions
    from scanner.core.model import Severity

    logging.basicConfig(level=logging.WARNING)
    out = Path(tempfile.mkdtemp(prefix="trailwatch-big-"))
    sessions = Sessions(None, ClientSettings(endpoint_url=endpoint))
    rss0 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    cpu0 = time.process_time()
    t0 = time.perf_counter()
    outcome = run_scan(
        ScanRequest(
            options=ScanOptions(regions=regions, endpoint_url=endpoint, max_workers=max_workers),
            output_dir=out,
            fail_on=Severity.CRITICAL,
            save_inventory=out / "inventory.json",
        ),
        sessions=sessions,
    )
    wall = time.perf_counter() - t0
    calls = sessions.calls
    per_op: Counter[str] = Counter()
    for (_account, _region, service, op), n in calls.calls.items():
        per_op[f"{service}:{op}"] += n
    failed = [
        f"{rec.dataset} {rec.region or '-'}: {rec.error.describe()}"
        for acct in outcome.inventory.accounts
        for rec in acct.records.values()
        if rec.error is not None
    ]
    errors = [f"{f.check_id}: {f.reason}" for f in outcome.findings if f.status.value == "ERROR"]
    return {
        "wall_s": wall,
        "cpu_s": time.process_time() - cpu0,
        "rss_before_mb": rss0,
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "calls": calls.total,
        "retries": calls.retries,
        "repeated": calls.repeated,
        "per_operation": dict(per_op.most_common()),
        "findings": len(outcome.findings),
        "statuses": dict(Counter(f.status.value for f in outcome.findings)),
        "report_bytes": sum(p.stat().st_size for p in outcome.paths),
        "inventory_bytes": (out / "inventory.json").stat().st_size,
        "failed_datasets": failed[:20],
        "error_findings": errors[:20],
    }


def _measure(
    endpoint: str, upstream: str, args: argparse.Namespace, scale: float, regions: tuple[str, ...]
) -> tuple[float, dict[str, Any]]:
    """Reset moto, seed the account at `scale`, scan it in a fresh process."""
    import urllib.request

    request = urllib.request.Request(f"{upstream}/moto-api/reset", method="POST")
    urllib.request.urlopen(request, timeout=30).read()
    t0 = time.perf_counter()
    seed(upstream, args, scale, regions)
    seeded = time.perf_counter() - t0
    child = subprocess.run(
        [sys.executable, __file__, "--max-workers", str(args.max_workers),
         "--scan-child", endpoint, ",".join(regions)],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    if child.returncode != 0:
        sys.exit(f"the scan failed:\n{child.stderr[-4000:]}")
    return seeded, json.loads(child.stdout.strip().splitlines()[-1])


def _report(args: argparse.Namespace, scale: float, seeded: float, r: dict[str, Any]) -> None:
    resources = int((args.buckets + args.vpcs + args.log_groups + args.alarms) * scale)
    print(
        f"one account, {int(args.buckets * scale)} buckets, {int(args.vpcs * scale)} VPCs, "
        f"{int(args.log_groups * scale)} log groups, {int(args.alarms * scale)} alarms "
        f"({resources} resources), --max-workers {args.max_workers}"
    )
    print(f"  seeding (not measured)     {seeded:8.1f} s")
    print(f"  wall                       {r['wall_s']:8.1f} s")
    print(f"  scanner CPU                {r['cpu_s']:8.1f} s")
    before = f"(before the scan {r['rss_before_mb']:.0f} MB)"
    print(f"  peak RSS (scanner)         {r['peak_rss_mb']:8.0f} MB  {before}")
    again = f"({r['repeated']} repeated, {r['retries']} retries)"
    print(f"  API calls                  {r['calls']:8d}  {again}")
    print(f"  findings                   {r['findings']:8d}  {r['statuses']}")
    print(f"  report bytes               {r['report_bytes']:8d}")
    print(f"  inventory bytes            {r['inventory_bytes']:8d}")
    print("  calls per operation:")
    for op, count in r["per_operation"].items():
        print(f"    {op:<48} {count:7d}")


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--buckets", type=int, default=2000)
    parser.add_argument("--vpcs", type=int, default=1000)
    parser.add_argument("--log-groups", type=int, default=3000)
    parser.add_argument("--alarms", type=int, default=2000)
    parser.add_argument("--regions", type=int, default=1)
    parser.add_argument("--max-workers", type=int, default=64)
    parser.add_argument("--scale", type=float, default=0.5, help="also scan this fraction first")
    parser.add_argument(
        "--scan-child", nargs=2, metavar=("ENDPOINT", "REGIONS"), help=argparse.SUPPRESS
    )
    args = parser.parse_args()
    os.environ.update(FAKE)
    for key in ("AWS_PROFILE", "AWS_ENDPOINT_URL", "MOTO_ACCOUNT_ID"):
        os.environ.pop(key, None)
    if args.scan_child:
        endpoint, regions = args.scan_child
        print(json.dumps(scan_child(endpoint, tuple(regions.split(",")), args.max_workers)))
        return
    regions = ALL_REGIONS[: args.regions]
    server = subprocess.Popen(
        [sys.executable, str(ROOT / "bench" / "server.py")],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    results: list[tuple[float, dict[str, Any]]] = []
    try:
        assert server.stdout is not None
        upstream, endpoint = server.stdout.readline().split()
        scales = [s for s in (args.scale, 1.0) if 0 < s < 1] + [1.0]
        for scale in scales:
            seeded, result = _measure(endpoint, upstream, args, scale, regions)
            _report(args, scale, seeded, result)
            results.append((scale, result))
    finally:
        if server.stdin:
            server.stdin.close()
        server.wait(timeout=60)
    if len(results) == 2:
        (s0, r0), (s1, r1) = results
        extra = int((args.buckets + args.vpcs + args.log_groups + args.alarms) * (s1 - s0))
        grew = r1["peak_rss_mb"] - r0["peak_rss_mb"]
        each = grew * 1024 / max(1, extra)
        print(f"peak RSS grew {grew:.0f} MB for {extra} more resources ({each:.1f} KB each)")
    problems = [p for _, r in results for p in (*r["failed_datasets"], *r["error_findings"])]
    if problems:
        print("the scan did not complete cleanly:")
        for problem in problems:
            print(f"  {problem}")
        sys.exit(1)


if __name__ == "__main__":
    main()
