"""Scan benchmark: seed an Organization of N accounts x R regions on moto, scan it, print figures.

    python bench/scan_bench.py [--accounts 20] [--regions 4] [--latency-ms 0] [--max-workers 16]
        [--checks ID,ID,...]   (default: every check)

moto (and the optional delaying proxy that stands in for AWS round trips) runs in one child
process, the scan in another, so the scanner's CPU time and peak RSS are its own.
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
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from scanner.demo.server import FAKE_ENV  # noqa: E402

ALL_REGIONS = (
    "us-east-1", "eu-west-1", "us-west-2", "eu-central-1", "ap-southeast-2", "us-east-2",
    "ap-northeast-1", "eu-west-2", "ca-central-1", "sa-east-1",
)  # fmt: skip
FAKE = FAKE_ENV  # the demo's fake credentials: nothing here can reach AWS


def _client(endpoint: str, service: str, region: str, creds: dict[str, str] | None = None) -> Any:
    import boto3

    return boto3.client(service, region_name=region, endpoint_url=endpoint, **(creds or {}))


def seed(endpoint: str, n_accounts: int, regions: tuple[str, ...]) -> list[str]:
    """An Organization with realistic logging resources in every account (direct to moto)."""
    orgs = _client(endpoint, "organizations", "us-east-1")
    mgmt = orgs.create_organization(FeatureSet="ALL")["Organization"]["MasterAccountId"]
    ids = [mgmt]
    for i in range(n_accounts - 1):
        status = orgs.create_account(Email=f"a{i}@example.com", AccountName=f"account-{i:03d}")
        ids.append(status["CreateAccountStatus"]["AccountId"])
    sts = _client(endpoint, "sts", "us-east-1")
    for n, account in enumerate(ids):
        creds = None
        if account != mgmt:
            c = sts.assume_role(
                RoleArn=f"arn:aws:iam::{account}:role/OrganizationAccountAccessRole",
                RoleSessionName="seed",
            )["Credentials"]
            creds = {
                "aws_access_key_id": c["AccessKeyId"],
                "aws_secret_access_key": c["SecretAccessKey"],
                "aws_session_token": c["SessionToken"],
            }
        home = regions[0]
        s3 = _client(endpoint, "s3", home, creds)
        bucket = f"trail-{account}"
        s3.create_bucket(Bucket=bucket)
        s3.create_bucket(Bucket=f"data-{account}")
        logs = _client(endpoint, "logs", home, creds)
        logs.create_log_group(logGroupName="/trail")
        logs.put_metric_filter(
            logGroupName="/trail",
            filterName="cloudtrail-changes",
            filterPattern="{ ($.eventName = CreateTrail) || ($.eventName = UpdateTrail) || "
            "($.eventName = DeleteTrail) || ($.eventName = StartLogging) || "
            "($.eventName = StopLogging) }",
            metricTransformations=[
                {"metricName": "TrailChanges", "metricNamespace": "CIS", "metricValue": "1"}
            ],
        )
        sns = _client(endpoint, "sns", home, creds)
        topic = sns.create_topic(Name="alarms")["TopicArn"]
        sns.subscribe(TopicArn=topic, Protocol="email", Endpoint="sec@example.com")
        _client(endpoint, "cloudwatch", home, creds).put_metric_alarm(
            AlarmName="trail-changes", MetricName="TrailChanges", Namespace="CIS",
            Statistic="Sum", Period=300, EvaluationPeriods=1, Threshold=1,
            ComparisonOperator="GreaterThanOrEqualToThreshold", AlarmActions=[topic],
        )  # fmt: skip
        ct = _client(endpoint, "cloudtrail", home, creds)
        ct.create_trail(
            Name="main", S3BucketName=bucket, IsMultiRegionTrail=True,
            EnableLogFileValidation=n % 2 == 0,
            CloudWatchLogsLogGroupArn=f"arn:aws:logs:{home}:{account}:log-group:/trail:*",
            CloudWatchLogsRoleArn=f"arn:aws:iam::{account}:role/ct",
        )  # fmt: skip
        ct.start_logging(Name="main")
        _client(endpoint, "kms", home, creds).create_key(Description="data")
        for region in regions:
            cfg = _client(endpoint, "config", region, creds)
            cfg.put_configuration_recorder(
                ConfigurationRecorder={
                    "name": "default",
                    "roleARN": f"arn:aws:iam::{account}:role/aws-service-role/"
                    "config.amazonaws.com/AWSServiceRoleForConfig",
                    "recordingGroup": {"allSupported": True, "includeGlobalResourceTypes": True},
                }
            )
            cfg.put_delivery_channel(DeliveryChannel={"name": "default", "s3BucketName": bucket})
            cfg.start_configuration_recorder(ConfigurationRecorderName="default")
    return ids


def run_scan(
    endpoint: str, regions: tuple[str, ...], max_workers: int, checks: tuple[str, ...] = ()
) -> dict[str, Any]:
    """In the scan child: the real pipeline, measured."""
    import logging

    from scanner.app.scan import ScanRequest, run_scan
    from scanner.aws.collection import ScanOptions
    from scanner.aws.session import ClientSettings, Sessions
    from scanner.core.model import Severity

    logging.basicConfig(level=logging.WARNING)
    out = Path(tempfile.mkdtemp(prefix="trailwatch-bench-"))
    sessions = Sessions(None, ClientSettings(endpoint_url=endpoint))
    cpu0 = time.process_time()
    t0 = time.perf_counter()
    outcome = run_scan(
        ScanRequest(
            options=ScanOptions(
                org=True, regions=regions, endpoint_url=endpoint, max_workers=max_workers
            ),
            output_dir=out,
            checks=checks,
            fail_on=Severity.CRITICAL,
        ),
        sessions=sessions,
    )
    wall = time.perf_counter() - t0
    calls = sessions.calls
    per_op: Counter[str] = Counter()
    per_scope: Counter[tuple[str, str]] = Counter()
    for (account, region, service, op), n in calls.calls.items():
        per_op[f"{service}:{op}"] += n
        per_scope[(account, region)] += n
    return {
        "wall_s": wall,
        "cpu_s": time.process_time() - cpu0,
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "calls": calls.total,
        "repeated": calls.repeated,
        "retries": calls.retries,
        "per_operation": dict(per_op.most_common()),
        "account_regions": len(per_scope),
        "findings": len(outcome.findings),
        "statuses": dict(Counter(f.status.value for f in outcome.findings)),
        "report_bytes": sum(p.stat().st_size for p in outcome.paths),
    }


def startup_figures() -> tuple[float, float]:
    """(best `trailwatch --help` wall seconds of 5, the demo scan's own wall seconds)."""
    import re

    cli = [sys.executable, "-m", "scanner.app.cli"]
    best = min(_timed([*cli, "--help"]) for _ in range(5))
    with tempfile.TemporaryDirectory() as out:
        proc = subprocess.run(
            [*cli, "demo", "--output-dir", out], capture_output=True, text=True, check=True
        )
    match = re.search(r"scan took ([0-9.]+)s", proc.stderr)
    return best, float(match.group(1)) if match else float("nan")


def _timed(cmd: list[str]) -> float:
    t0 = time.perf_counter()
    subprocess.run(cmd, capture_output=True, check=True)
    return time.perf_counter() - t0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--accounts", type=int, default=20)
    parser.add_argument("--regions", type=int, default=4)
    parser.add_argument("--latency-ms", type=float, default=0.0)
    parser.add_argument("--max-workers", type=int, default=64)
    parser.add_argument("--checks", default="", help="comma-separated check ids (default: all)")
    parser.add_argument(
        "--scan-child", nargs=2, metavar=("ENDPOINT", "REGIONS"), help=argparse.SUPPRESS
    )
    args = parser.parse_args()
    os.environ.update(FAKE)
    for key in ("AWS_PROFILE", "AWS_ENDPOINT_URL", "MOTO_ACCOUNT_ID"):
        os.environ.pop(key, None)
    if args.scan_child:
        endpoint, regions = args.scan_child
        checks = tuple(c for c in args.checks.split(",") if c)
        print(json.dumps(run_scan(endpoint, tuple(regions.split(",")), args.max_workers, checks)))
        return
    regions = ALL_REGIONS[: args.regions]
    server = subprocess.Popen(
        [sys.executable, str(ROOT / "bench" / "server.py"), "--latency-ms", str(args.latency_ms)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert server.stdout is not None
        upstream, endpoint = server.stdout.readline().split()
        t0 = time.perf_counter()
        seed(upstream, args.accounts, regions)
        seeded = time.perf_counter() - t0
        child = subprocess.run(
            [sys.executable, __file__, "--max-workers", str(args.max_workers),
             "--checks", args.checks, "--scan-child", endpoint, ",".join(regions)],
            capture_output=True, text=True, check=True,
        )  # fmt: skip
        result = json.loads(child.stdout.strip().splitlines()[-1])
    finally:
        if server.stdin:
            server.stdin.close()
        server.wait(timeout=30)
    n = args.accounts * len(regions)
    print(
        f"trailwatch scan benchmark: {args.accounts} accounts x {len(regions)} regions, "
        f"{args.latency_ms:g} ms added latency per call, --max-workers {args.max_workers}"
    )
    print(f"  seeding (not measured)     {seeded:8.1f} s")
    print(f"  wall                       {result['wall_s']:8.1f} s")
    print(f"  scanner CPU                {result['cpu_s']:8.1f} s")
    print(f"  peak RSS (scanner)         {result['peak_rss_mb']:8.0f} MB")
    print(f"  API calls                  {result['calls']:8d}")
    print(f"  per account-region         {result['calls'] / n:8.1f}")
    print(f"  repeated calls             {result['repeated']:8d}")
    print(f"  throttling retries         {result['retries']:8d}")
    print(f"  findings                   {result['findings']:8d}  {result['statuses']}")
    print(f"  report bytes               {result['report_bytes']:8d}")
    help_s, demo_s = startup_figures()
    print(f"  trailwatch --help           {help_s:8.2f} s")
    print(f"  demo Organization scan      {demo_s:8.2f} s  (after start-up and seeding)")
    print("  calls per operation:")
    for op, count in result["per_operation"].items():
        print(f"    {op:<48} {count:7d}  ({count / n:.2f} per account-region)")


if __name__ == "__main__":
    main()
