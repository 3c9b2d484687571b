"""A scan of the demo Organization with the pruned service models sends exactly the requests, and
finds exactly the findings, of a scan with botocore's whole models."""

from __future__ import annotations

import functools
import threading
from collections import Counter
from pathlib import Path
from typing import Any

from scanner.app.scan import ScanRequest, run_scan
from scanner.aws.collection import ScanOptions
from scanner.aws.session import ClientSettings, Sessions
from scanner.demo.world import REGIONS
from tests.integration.conftest import Demo

_Request = tuple[str, str, str, str, str, str, bytes]
#: Headers that say what a request asks (the others carry its date, signature, ids).
_HEADERS = ("X-Amz-Target", "Content-Type")
#: Evidence that is the time of the scan, not the state scanned (moto reports the time of the
#: request as a trail's latest delivery).
_CLOCK = frozenset({"collected_at", "LatestDeliveryTime"})


def _timeless(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _timeless(v) for k, v in value.items() if k not in _CLOCK}
    if isinstance(value, (list, tuple)):
        return [_timeless(v) for v in value]
    return value


def _findings(findings: Any) -> dict[str, Any]:
    return {f.id: _timeless(f.model_dump()) for f in findings}


def _scan(demo: Demo, out: Path, whole: bool) -> tuple[dict[str, Any], Counter[_Request], int]:
    sent: Counter[_Request] = Counter()
    lock = threading.Lock()
    operations: set[int] = set()

    def text(value: Any) -> str:
        return value.decode() if isinstance(value, bytes) else str(value or "")

    def record(account: str, request: Any, **_: Any) -> None:
        body = request.body or b""
        body = body.encode() if isinstance(body, str) else bytes(body)
        headers = tuple(text(request.headers.get(h)) for h in _HEADERS)
        # the signing region and service (Credential=<key>/<date>/<region>/<service>/aws4_request)
        scope = "/".join(text(request.headers.get("Authorization")).split("/")[2:4])
        with lock:
            sent[(account, request.method, request.url, *headers, scope, body)] += 1

    def hook(client: Any, service: str, region: str, account: str) -> None:
        client.meta.events.register("before-send", functools.partial(record, account))
        operations.add(len(client.meta.service_model.operation_names))

    settings = ClientSettings(
        endpoint_url=demo.endpoint, max_attempts=8, whole_models=whole, client_hook=hook
    )
    request = ScanRequest(
        options=ScanOptions(org=True, regions=REGIONS, endpoint_url=demo.endpoint),
        output_dir=out,
        formats=("json",),
    )
    outcome = run_scan(request, sessions=Sessions(None, settings))
    return _findings(outcome.findings), sent, max(operations)


def test_pruned_models_send_the_requests_and_find_the_findings_of_whole_ones(
    demo: Demo, tmp_path: Path
) -> None:
    pruned, pruned_sent, pruned_widest = _scan(demo, tmp_path / "pruned", whole=False)
    whole, whole_sent, whole_widest = _scan(demo, tmp_path / "whole", whole=True)
    assert pruned_widest < 30 < whole_widest  # the models were pruned (EC2: ~750 operations)
    assert sum(pruned_sent.values()) > 500 and len(pruned_sent) > 300
    assert {r[5] for r in pruned_sent} >= {"us-east-1/cloudtrail", "eu-west-1/ec2", "us-east-1/s3"}
    assert pruned_sent == whole_sent
    assert len(pruned) > 100
    assert pruned == whole
    assert pruned == _findings(demo.baseline)
