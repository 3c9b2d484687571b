"""The demo Organization on a moto server of its own, seeded once per test session, with the
fault-free findings of every check (other integration tests reset the shared server)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from scanner.demo.run import seed_demo
from scanner.demo.server import moto_server
from scanner.demo.world import REGIONS, DemoOrg
from scanner.findings import Finding
from scanner.pipeline import ScanRequest, run_scan
from scanner.scan import ScanOptions
from scanner.session import ClientSettings, Sessions


@dataclass(frozen=True)
class Demo:
    endpoint: str
    org: DemoOrg
    baseline: tuple[Finding, ...]  # every check, fault-free


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


@pytest.fixture(scope="session")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Demo]:
    with moto_server() as endpoint:
        org = seed_demo(endpoint)
        _policy_public_only_by_status(org)
        sessions = Sessions(None, ClientSettings(endpoint_url=endpoint, max_attempts=8))
        request = ScanRequest(
            options=ScanOptions(org=True, regions=REGIONS, endpoint_url=endpoint),
            output_dir=tmp_path_factory.mktemp("baseline"),
            formats=("json",),
        )
        outcome = run_scan(request, sessions=sessions)
        yield Demo(endpoint, org, tuple(outcome.findings))
