"""Real-time benchmark: per-event latency (event -> imported finding) and API calls per event.

    python bench/watch_bench.py [--regions 4] [--latency-ms 0] [--no-inventory]

moto (optionally behind a delaying proxy standing in for AWS round trips) runs in its own process.
One account is seeded with a logging multi-Region trail and its alarm chain, Config, a KMS key,
buckets and event rules in every region; it is scanned (with Security Hub import and a saved
inventory), then one event per posture-changing call is replayed through scanner.realtime.watch, the
way the Lambda handles it. StopLogging and StartLogging are real (the trail is stopped and
started in moto first) and must flip CloudTrail.1 in Security Hub.

Targets (exit status 1 when missed): every event imported in under 2 s; a StopLogging event
makes no EC2 VPC or flow-log call.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import os
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
ACCOUNT = "123456789012"
TARGET_S = 2.0
VPC_OPERATIONS = {"ec2:DescribeVpcs", "ec2:DescribeFlowLogs"}


def _client(endpoint: str, service: str, region: str) -> Any:
    import boto3

    return boto3.client(service, region_name=region, endpoint_url=endpoint)


def seed(endpoint: str, regions: tuple[str, ...]) -> dict[str, str]:
    """The account's logging set-up; returns names the events refer to."""
    home = regions[0]
    s3 = _client(endpoint, "s3", home)
    bucket = "bench-watch-trail-logs"
    s3.create_bucket(Bucket=bucket)
    logs = _client(endpoint, "logs", home)
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
    topic = _client(endpoint, "sns", home).create_topic(Name="alarms")["TopicArn"]
    _client(endpoint, "sns", home).subscribe(
        TopicArn=topic, Protocol="email", Endpoint="sec@example.com"
    )
    _client(endpoint, "cloudwatch", home).put_metric_alarm(
        AlarmName="trail-changes", MetricName="TrailChanges", Namespace="CIS", Statistic="Sum",
        Period=300, EvaluationPeriods=1, Threshold=1,
        ComparisonOperator="GreaterThanOrEqualToThreshold", AlarmActions=[topic],
    )  # fmt: skip
    ct = _client(endpoint, "cloudtrail", home)
    ct.create_trail(
        Name="main", S3BucketName=bucket, IsMultiRegionTrail=True, EnableLogFileValidation=True,
        CloudWatchLogsLogGroupArn=f"arn:aws:logs:{home}:{ACCOUNT}:log-group:/trail:*",
        CloudWatchLogsRoleArn=f"arn:aws:iam::{ACCOUNT}:role/ct",
    )  # fmt: skip
    ct.start_logging(Name="main")
    key = _client(endpoint, "kms", home).create_key(Description="logs")["KeyMetadata"]["KeyId"]
    for region in regions:
        cfg = _client(endpoint, "config", region)
        cfg.put_configuration_recorder(
            ConfigurationRecorder={
                "name": "default",
                "roleARN": f"arn:aws:iam::{ACCOUNT}:role/aws-service-role/"
                "config.amazonaws.com/AWSServiceRoleForConfig",
                "recordingGroup": {"allSupported": True, "includeGlobalResourceTypes": True},
            }
        )
        cfg.put_delivery_channel(DeliveryChannel={"name": "default", "s3BucketName": bucket})
        cfg.start_configuration_recorder(ConfigurationRecorderName="default")
        _client(endpoint, "events", region).put_rule(
            Name="securityhub-to-siem",
            EventPattern='{"source":["aws.securityhub"]}',
        )
        _client(endpoint, "securityhub", region).enable_security_hub()
    return {"bucket": bucket, "key": key, "topic": topic}


def events(names: dict[str, str], regions: tuple[str, ...]) -> list[tuple[str, dict[str, Any]]]:
    """(label, event) for every posture-changing call, in the home region (the last region for
    the regional-only calls, to show region-local re-evaluation)."""
    from scanner.realtime.api_calls import CALLS, sample_event

    home, far = regions[0], regions[-1]
    request = {
        "cloudtrail.amazonaws.com": {"name": "main"},
        "s3.amazonaws.com": {"bucketName": names["bucket"]},
        "kms.amazonaws.com": {"keyId": names["key"]},
        "logs.amazonaws.com": {"logGroupName": "/trail", "filterName": "cloudtrail-changes"},
        "monitoring.amazonaws.com": {"alarmName": "trail-changes"},
        "sns.amazonaws.com": {"topicArn": names["topic"]},
        "events.amazonaws.com": {"name": "securityhub-to-siem"},
        "config.amazonaws.com": {"configurationRecorderName": "default"},
        "ec2.amazonaws.com": {},
    }
    out = []
    for source, name in CALLS:
        region = far if source in ("ec2.amazonaws.com", "config.amazonaws.com") else home
        out.append(
            (name, sample_event(source, name, ACCOUNT, region, request.get(source), event_id=name))
        )
    return out


def _ct1(endpoint: str, region: str) -> list[tuple[str, str]]:
    hub = _client(endpoint, "securityhub", region)
    found = []
    for page in hub.get_paginator("get_findings").paginate():
        for f in page["Findings"]:
            if f["Id"].startswith("trailwatch/") and (
                f["Compliance"].get("SecurityControlId") == "CloudTrail.1"
            ):
                found.append((f["Compliance"]["Status"], f["RecordState"]))
    return sorted(found)


def run(endpoint: str, regions: tuple[str, ...], use_inventory: bool) -> bool:
    import logging

    from scanner.app.scan import ScanRequest, run_scan
    from scanner.aws.collection import ScanOptions
    from scanner.core.inventory import Inventory
    from scanner.core.model import Severity
    from scanner.realtime.watch import Outcome, Watcher, WatchOptions

    logging.basicConfig(level=logging.WARNING)
    t0 = time.perf_counter()
    names = seed(endpoint, regions)
    seeded = time.perf_counter() - t0
    out = Path(tempfile.mkdtemp(prefix="trailwatch-watch-bench-"))
    options = ScanOptions(regions=regions, endpoint_url=endpoint)
    t0 = time.perf_counter()
    with contextlib.redirect_stdout(io.StringIO()):  # the scan's summary table
        run_scan(
            ScanRequest(
                options=options,
                output_dir=out / "scan",
                fail_on=Severity.CRITICAL,
                securityhub=True,
                save_inventory=out / "inventory.json",
            ),
            progress=lambda _m: None,
        )
    scanned = time.perf_counter() - t0
    baseline = Inventory.load(out / "inventory.json") if use_inventory else None
    t0 = time.perf_counter()
    watcher = Watcher(WatchOptions(scan=options, securityhub=True), baseline=baseline)
    started = time.perf_counter() - t0

    print(
        f"trailwatch watch benchmark: 1 account x {len(regions)} regions, "
        f"{'with' if use_inventory else 'without'} --inventory"
    )
    print(f"  seeding {seeded:.1f} s, baseline scan + import {scanned:.1f} s, "
          f"watcher start {started:.2f} s (not measured below)")  # fmt: skip
    print(f"  {'event':<28} {'regions':>7} {'checks':>6} {'findings':>8} {'calls':>5} "
          f"{'latency':>8}  calls by operation")  # fmt: skip
    ok = True
    ct = _client(endpoint, "cloudtrail", regions[0])
    latencies: list[float] = []
    totals: Counter[str] = Counter()
    for label, event in events(names, regions):
        if label == "StopLogging":
            ct.stop_logging(Name="main")
        elif label == "StartLogging":
            ct.start_logging(Name="main")
        result = watcher.handle(event, label=label)
        if result.outcome is not Outcome.DONE or result.latency_s is None:
            print(f"  {label:<28} {result.outcome.value}: {result.message}")
            ok = False
            continue
        latencies.append(result.latency_s)
        ops = result.calls_by_operation()
        totals.update(ops)
        short = ", ".join(f"{k.split(':')[1]} {v}" for k, v in ops.items())
        assert result.impact is not None
        print(
            f"  {label:<28} {len(result.regions):>7} {len(result.impact.checks):>6} "
            f"{len(result.findings):>8} {result.api_calls:>5} {result.latency_s * 1000:>6.0f} ms"
            f"  {short}"
        )
        if result.latency_s >= TARGET_S:
            print(f"    MISSED: {label} took {result.latency_s:.2f} s (target < {TARGET_S:g} s)")
            ok = False
        if label == "StopLogging":
            if VPC_OPERATIONS & set(ops):
                print("    MISSED: a StopLogging event listed VPCs or flow logs")
                ok = False
            if _ct1(endpoint, regions[0]) != [("FAILED", "ACTIVE")]:
                print("    MISSED: CloudTrail.1 is not FAILED in Security Hub after StopLogging")
                ok = False
        if label == "StartLogging" and _ct1(endpoint, regions[0]) != [("PASSED", "ARCHIVED")]:
            print("    MISSED: CloudTrail.1 is not resolved in Security Hub after StartLogging")
            ok = False
    if latencies:
        ordered = sorted(latencies)
        p50 = ordered[len(ordered) // 2]
        print(
            f"  latency: first {latencies[0] * 1000:.0f} ms, median {p50 * 1000:.0f} ms, "
            f"max {ordered[-1] * 1000:.0f} ms over {len(latencies)} events "
            f"(target < {TARGET_S:g} s each); {sum(totals.values())} API calls in total"
        )
    print("  targets met" if ok else "  TARGETS MISSED")
    return ok


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--regions", type=int, default=4)
    parser.add_argument("--latency-ms", type=float, default=0.0)
    parser.add_argument(
        "--no-inventory", action="store_true", help="replay without the saved inventory"
    )
    args = parser.parse_args()
    os.environ.update(FAKE)
    for key in ("AWS_PROFILE", "AWS_ENDPOINT_URL", "MOTO_ACCOUNT_ID"):
        os.environ.pop(key, None)
    regions = ALL_REGIONS[: max(1, args.regions)]
    server = subprocess.Popen(
        [sys.executable, str(ROOT / "bench" / "server.py"), "--latency-ms", str(args.latency_ms)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert server.stdout is not None
        _upstream, endpoint = server.stdout.readline().split()
        ok = run(endpoint, regions, use_inventory=not args.no_inventory)
    finally:
        if server.stdin:
            server.stdin.close()
        server.wait(timeout=30)
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
