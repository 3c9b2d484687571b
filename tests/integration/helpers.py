"""Helpers for integration tests: seeding CloudTrail scenarios and running the CLI."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

ClientFactory = Callable[..., Any]


def make_bucket(
    client: ClientFactory, name: str, region: str = "us-east-1", account_id: str | None = None
) -> str:
    s3 = client("s3", region, account_id)
    kwargs: dict[str, Any] = {}
    if region != "us-east-1":
        kwargs["CreateBucketConfiguration"] = {"LocationConstraint": region}
    s3.create_bucket(Bucket=name, **kwargs)
    return name


def good_trail(
    client: ClientFactory,
    name: str = "main",
    region: str = "us-east-1",
    account_id: str | None = None,
    **overrides: Any,
) -> str:
    """A multi-Region trail with validation, KMS, CloudWatch Logs, logging; returns its ARN."""
    bucket = make_bucket(
        client, f"{name}-trail-bucket-{account_id or 'default'}", region, account_id
    )
    logs = client("logs", region, account_id)
    logs.create_log_group(logGroupName=f"/{name}/trail")
    acct = account_id or "123456789012"
    params: dict[str, Any] = {
        "Name": name,
        "S3BucketName": bucket,
        "IsMultiRegionTrail": True,
        "IncludeGlobalServiceEvents": True,
        "EnableLogFileValidation": True,
        "KmsKeyId": f"arn:aws:kms:{region}:{acct}:key/11111111-2222-3333-4444-555555555555",
        "CloudWatchLogsLogGroupArn": f"arn:aws:logs:{region}:{acct}:log-group:/{name}/trail:*",
        "CloudWatchLogsRoleArn": f"arn:aws:iam::{acct}:role/ct-to-cwl",
    }
    params.update(overrides)
    ct = client("cloudtrail", region, account_id)
    arn: str = ct.create_trail(**params)["TrailARN"]
    ct.start_logging(Name=name)
    return arn


def run_cli(*args: str, endpoint: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ)
    env.pop("AWS_ENDPOINT_URL", None)
    return subprocess.run(
        [sys.executable, "-m", "scanner.app.cli", *args, "--endpoint-url", endpoint],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def asff_statuses(out_dir: Path) -> dict[tuple[str, str, str], str]:
    """(control or generator, region, resource id) -> Compliance.Status from findings.asff.json."""
    findings = json.loads((out_dir / "findings.asff.json").read_text())
    out: dict[tuple[str, str, str], str] = {}
    for f in findings:
        control = f["Compliance"].get("SecurityControlId") or f["GeneratorId"].split("/", 1)[1]
        out[(control, f["Resources"][0]["Region"], f["Resources"][0]["Id"])] = f["Compliance"][
            "Status"
        ]
    return out
