"""Least privilege, verified: every call a full demo scan makes is declared, and none mutates."""

from __future__ import annotations

import json
from pathlib import Path

from scanner.demo.run import seed_demo
from scanner.demo.world import REGIONS
from scanner.iam import iam_action, is_read_only
from scanner.permissions import scan_policy
from scanner.pipeline import ScanRequest, run_scan
from scanner.registry import all_checks
from scanner.scan import ScanOptions
from scanner.session import ClientSettings, Sessions

ROOT = Path(__file__).resolve().parents[2]
SHIPPED = ROOT / "deploy" / "iam" / "trailwatch-scan-policy.json"


def test_shipped_policy_is_the_generated_one() -> None:
    assert json.loads(SHIPPED.read_text()) == scan_policy(all_checks())


def test_demo_scan_calls_only_declared_read_actions(moto_endpoint: str, tmp_path: Path) -> None:
    seed_demo(moto_endpoint)
    sessions = Sessions(None, ClientSettings(endpoint_url=moto_endpoint))
    request = ScanRequest(
        options=ScanOptions(org=True, regions=REGIONS, endpoint_url=moto_endpoint),
        output_dir=tmp_path / "out",
    )
    outcome = run_scan(request, sessions=sessions)
    assert len(outcome.findings) > 100
    allowed = set(scan_policy(all_checks())["Statement"][0]["Action"])
    made = {(service, op) for (_, _, service, op) in sessions.calls.calls}
    assert made, "no calls were recorded"
    undeclared = {
        iam_action(service, op)
        for service, op in made
        if service != "sts" and iam_action(service, op) not in allowed
    }
    assert undeclared == set()
    assert all(is_read_only(service, op) for service, op in made)
    repeated = [sig for sig, n in sessions.calls.signatures.items() if n > 1]
    assert repeated == []
