"""The demo Organization on a moto server of its own (in a child process), seeded once per test
session, with the fault-free findings of every check (other integration tests reset theirs)."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

from scanner.app.demo import DEMO_SEED, pin_random, seed_demo
from scanner.app.scan import ScanRequest, run_scan
from scanner.aws.collection import ScanOptions
from scanner.aws.session import ClientSettings, Sessions
from scanner.core.findings import Finding
from scanner.demo.world import REGIONS, DemoOrg


@dataclass(frozen=True)
class Demo:
    endpoint: str
    org: DemoOrg
    baseline: tuple[Finding, ...]  # every check, fault-free
    output: Path  # the report set of that scan (json)


def _policy_public_only_by_status(org: DemoOrg) -> None:
    """A bucket whose policy no statement analysis calls public but GetBucketPolicyStatus does
    (moto's IsPublic ignores the Deny that cancels the public Allow): IsPublic decides its
    verdict, FAILED; read as "not public" when that call is denied, it would be PASSED."""
    acct, name = org.sandbox, f"sandbox-status-public-{org.suffix}"
    s3 = acct.client("s3", "us-east-1")
    s3.create_bucket(Bucket=name)
    objects = f"arn:aws:s3:::{name}/*"
    statements = [
        {"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": objects},
        {"Effect": "Deny", "Principal": "*", "Action": "s3:*", "Resource": objects},
    ]
    policy = {"Version": "2012-10-17", "Statement": statements}
    s3.put_bucket_policy(Bucket=name, Policy=json.dumps(policy))


_CHILD = """
import sys
from scanner.demo.server import fake_aws_env, moto_server
with fake_aws_env(), moto_server() as url:
    print(url, flush=True)
    sys.stdin.read()
"""


@contextmanager
def _moto_in_a_process_of_its_own() -> Iterator[str]:
    """ThreadedMotoServer on 127.0.0.1:0 in a child process. moto keeps one state per process:
    in this process, the per-test server's reset would also wipe the demo Organization."""
    root = Path(__file__).resolve().parents[2]
    proc = subprocess.Popen(
        [sys.executable, "-c", _CHILD],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        cwd=root,
    )
    try:
        assert proc.stdout is not None
        url = proc.stdout.readline().strip()
        if not url.startswith("http://127.0.0.1:"):
            raise RuntimeError(f"the demo's moto server did not start: {url!r}")
        yield url
    finally:
        if proc.stdin is not None:
            proc.stdin.close()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@pytest.fixture(scope="session")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Demo]:
    with _moto_in_a_process_of_its_own() as endpoint:
        # The demo's own ids (as `trailwatch demo` makes them): tests that split the
        # Organization (shards) see the same accounts on every run.
        pin_random(endpoint, DEMO_SEED)
        try:
            org = seed_demo(endpoint)
        finally:
            pin_random(endpoint, None)
        _policy_public_only_by_status(org)
        sessions = Sessions(None, ClientSettings(endpoint_url=endpoint, max_attempts=8))
        output = tmp_path_factory.mktemp("baseline")
        request = ScanRequest(
            options=ScanOptions(org=True, regions=REGIONS, endpoint_url=endpoint),
            output_dir=output,
            formats=("json",),
        )
        outcome = run_scan(request, sessions=sessions)
        yield Demo(endpoint, org, tuple(outcome.findings), output)
