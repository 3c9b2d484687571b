"""Shared fixtures: one moto server per test session (real HTTP on 127.0.0.1), reset per test."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import sysconfig
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from scanner.aws.collection import ScanOptions, collect_inventory
from scanner.aws.session import ClientSettings, Sessions
from scanner.core.inventory import Inventory
from scanner.core.registry import all_checks, select_checks
from scanner.demo.server import FAKE_ENV

DEFAULT_ACCOUNT = "123456789012"
REGIONS = ("us-east-1", "eu-west-1")

for _key, _value in FAKE_ENV.items():
    os.environ[_key] = _value
for _key in ("AWS_PROFILE", "MOTO_ACCOUNT_ID", "AWS_ENDPOINT_URL"):
    os.environ.pop(_key, None)


@pytest.fixture(scope="session")
def moto_server_url() -> Iterator[str]:
    import logging

    from moto.server import ThreadedMotoServer

    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


@pytest.fixture
def moto_endpoint(moto_server_url: str) -> str:
    """The moto endpoint, with every account and region wiped before the test."""
    req = urllib.request.Request(f"{moto_server_url}/moto-api/reset", method="POST")
    with urllib.request.urlopen(req, timeout=10) as resp:
        assert json.loads(resp.read())["status"] == "ok"
    return moto_server_url


class Faults:
    """Deterministic fault injection on the scanner's clients (a botocore before-call hook)."""

    def __init__(self) -> None:
        self.denied: dict[str, str] = {}  # operation name -> error code
        self.denied_accounts: set[str] = set()

    def deny(self, *operations: str, code: str = "AccessDenied") -> None:
        for op in operations:
            self.denied[op] = code

    def hook(self, client: Any, service: str, region: str, account_id: str) -> None:
        def before_call(model: Any, **_: Any) -> Any:
            code = self.denied.get(model.name)
            if code is None:
                return None
            from botocore.awsrequest import AWSResponse

            response = AWSResponse("http://127.0.0.1/", 403, {}, None)
            parsed = {
                "Error": {"Code": code, "Message": f"injected {code} on {model.name}"},
                "ResponseMetadata": {"HTTPStatusCode": 403},
            }
            return response, parsed

        client.meta.events.register("before-call.*.*", before_call)


@pytest.fixture
def faults() -> Faults:
    return Faults()


@pytest.fixture
def fault_proxy(moto_endpoint: str) -> Iterator[Callable[..., Any]]:
    """Start tests.faults.FaultProxy instances in front of moto; all are stopped afterwards."""
    from tests.faults import FaultProxy

    started: list[FaultProxy] = []

    def start(**kwargs: Any) -> FaultProxy:
        proxy = FaultProxy(moto_endpoint, **kwargs).start()
        started.append(proxy)
        return proxy

    yield start
    for proxy in started:
        proxy.stop()


@pytest.fixture
def account_client(moto_endpoint: str) -> Callable[..., Any]:
    """boto3 client as the default account, or as `account_id` through AssumeRole."""
    import boto3

    creds_cache: dict[str, dict[str, str]] = {}

    def make(service: str, region: str = "us-east-1", account_id: str | None = None) -> Any:
        kwargs: dict[str, str] = {}
        if account_id and account_id != DEFAULT_ACCOUNT:
            if account_id not in creds_cache:
                sts = boto3.client("sts", region_name=region, endpoint_url=moto_endpoint)
                creds = sts.assume_role(
                    RoleArn=f"arn:aws:iam::{account_id}:role/OrganizationAccountAccessRole",
                    RoleSessionName="test",
                )["Credentials"]
                creds_cache[account_id] = {
                    "aws_access_key_id": creds["AccessKeyId"],
                    "aws_secret_access_key": creds["SecretAccessKey"],
                    "aws_session_token": creds["SessionToken"],
                }
            kwargs = creds_cache[account_id]
        return boto3.client(
            service,  # type: ignore[call-overload]
            region_name=region,
            endpoint_url=moto_endpoint,
            **kwargs,
        )

    return make


@pytest.fixture
def scan_inventory(moto_endpoint: str, faults: Faults) -> Callable[..., Inventory]:
    """Run the real collection engine against moto for the given checks (ids or control ids)."""

    def run(
        checks: tuple[str, ...] | list[str] = (),
        regions: tuple[str, ...] = REGIONS,
        sessions: Sessions | None = None,
        **options: Any,
    ) -> Inventory:
        selected = select_checks(all_checks(), list(checks))
        opts = ScanOptions(regions=regions, endpoint_url=moto_endpoint, max_attempts=2, **options)
        sessions = sessions or Sessions(
            None,
            ClientSettings(endpoint_url=moto_endpoint, max_attempts=2, client_hook=faults.hook),
        )
        return collect_inventory(opts, selected, sessions=sessions).inventory

    return run


@pytest.fixture(scope="session")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """This checkout's wheel, built once per session (tests/test_wheel.py, tests/test_deploy.py)."""
    root = Path(__file__).resolve().parents[1]
    dist = tmp_path_factory.mktemp("dist")
    subprocess.run(
        [
            sys.executable,
            "-m",
            "build",
            "--wheel",
            "--no-isolation",
            "--outdir",
            str(dist),
            str(root),
        ],
        check=True,
        capture_output=True,
        timeout=300,
    )
    (path,) = dist.glob("trailwatch_cspm-*.whl")
    return path


#: The import packages of this project (what a wheel of it installs).
OWN_PACKAGES = ("scanner", "checks", "reports", "templates")


@pytest.fixture(scope="session")
def locked_dependencies(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The test venv's installed distributions but this project's, as a directory of links: a
    fresh venv that puts it on its path (a .pth file) has every dependency installed, offline,
    and must install trailwatch itself."""
    site = Path(sysconfig.get_paths()["purelib"])
    view = tmp_path_factory.mktemp("deps")
    for entry in site.iterdir():
        name = entry.name.lower()
        if name.endswith(".pth") or name.startswith(("trailwatch", "_trailwatch", "__editable__")):
            continue
        if name in OWN_PACKAGES:
            continue
        (view / entry.name).symlink_to(entry)
    return view
