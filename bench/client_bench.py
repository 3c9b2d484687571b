"""Client and call micro-benchmark: CPU per botocore client and per API call, as a scan makes them.

    python bench/client_bench.py [--accounts 10] [--regions 4] [--rounds 3]

moto runs in a child process (bench/server.py). This process opens --accounts account sessions
through AssumeRole (as an Organization scan does), then, per account, builds one client per
(service, region) for every service the collectors use and makes one call on a few of them.
Printed: CPU milliseconds (process_time) per account session, per client and per call.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path
from statistics import median
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from scanner.demo.server import FAKE_ENV  # noqa: E402

REGIONS = ("us-east-1", "eu-west-1", "us-west-2", "eu-central-1", "ap-southeast-2", "us-east-2")
#: The services an Organization scan with every check calls in each account (see `make bench`).
SERVICES = (
    "apigateway", "apigatewayv2", "appsync", "cloudfront", "cloudtrail", "cloudwatch",
    "codebuild", "config", "ec2", "eks", "elasticbeanstalk", "elb", "elbv2", "events",
    "guardduty", "kms", "logs", "mq", "network-firewall", "opensearch", "rds", "redshift",
    "route53", "s3", "s3control", "securityhub", "sns", "stepfunctions", "wafv2",
)  # fmt: skip
CALLS: tuple[tuple[str, str, dict[str, Any]], ...] = (
    ("cloudtrail", "describe_trails", {}),
    ("logs", "describe_log_groups", {}),
    ("kms", "list_keys", {}),
    ("events", "list_rules", {}),
    ("config", "describe_configuration_recorders", {}),
    ("ec2", "describe_vpcs", {}),
    ("cloudwatch", "describe_alarms", {}),
    ("s3", "list_buckets", {}),
)


def measure(endpoint: str, accounts: int, regions: tuple[str, ...], rounds: int) -> None:
    from scanner.aws.session import ClientSettings, Sessions

    sessions = Sessions(None, ClientSettings(endpoint_url=endpoint))
    sessions.warm(SERVICES)
    sessions.identify(regions[0])
    ids = [f"{100000000000 + n:012d}" for n in range(accounts)]
    for account in ids:  # AssumeRole's own client and first call, not measured
        sessions.assume(account, "OrganizationAccountAccessRole", regions[0])
    per_client: list[float] = []  # CPU per client, per round
    per_call: list[float] = []
    for _ in range(rounds):
        cpu_clients = cpu_calls = 0.0
        n_clients = n_calls = 0
        for account in ids:
            acct = sessions.assume(account, "OrganizationAccountAccessRole", regions[0])
            acct.release_clients()
            t0 = time.process_time()
            for region in regions:
                for service in SERVICES:
                    acct.client(service, region)
                    n_clients += 1
            cpu_clients += time.process_time() - t0
            t0 = time.process_time()
            for region in regions:
                for service, op, kwargs in CALLS:
                    getattr(acct.client(service, region), op)(**kwargs)
                    n_calls += 1
            cpu_calls += time.process_time() - t0
        per_client.append(cpu_clients / n_clients * 1000)
        per_call.append(cpu_calls / n_calls * 1000)
    print(
        f"client/call micro-benchmark: {accounts} accounts x {len(regions)} regions x "
        f"{len(SERVICES)} services, {rounds} rounds (best round, then median)"
    )
    print(f"  clients per round        {n_clients:8d}")
    print(f"  CPU per client           {min(per_client):8.3f} ms {median(per_client):8.3f} ms")
    print(
        f"  calls per round          {n_calls:8d}  (a client's first call; {len(CALLS)} services)"
    )
    print(f"  CPU per call             {min(per_call):8.3f} ms {median(per_call):8.3f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--accounts", type=int, default=10)
    parser.add_argument("--regions", type=int, default=4)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument(
        "--latency-ms",
        type=float,
        default=0.1,
        help="behind bench/server.py's keep-alive proxy (0: straight to moto, a connection a call)",
    )
    args = parser.parse_args()
    os.environ.update(FAKE_ENV)
    for key in ("AWS_PROFILE", "AWS_ENDPOINT_URL", "MOTO_ACCOUNT_ID"):
        os.environ.pop(key, None)
    server = subprocess.Popen(
        [sys.executable, str(ROOT / "bench" / "server.py"), "--latency-ms", str(args.latency_ms)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert server.stdout is not None
        _upstream, endpoint = server.stdout.readline().split()
        measure(endpoint, args.accounts, REGIONS[: args.regions], args.rounds)
    finally:
        if server.stdin:
            server.stdin.close()
        server.wait(timeout=30)


if __name__ == "__main__":
    main()
