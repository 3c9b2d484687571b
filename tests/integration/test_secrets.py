"""Credentials never leak: no access key, secret or session token (neither the caller's nor those
AssumeRole returned) appears on stdout, stderr, in any report or in the saved inventory, for a
scan, an Organization scan through assumed roles with failures on the way, or a failing scan."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any
from urllib.parse import quote
from xml.etree import ElementTree

import pytest

from scanner.core.formats import FORMATS
from tests.faults import Fault, Rule
from tests.integration.helpers import good_trail, make_bucket

ACCESS_KEY = "AKIATWCANARY00000042"
SECRET_KEY = "tw/Canary+Secret-Key-0123456789abcdefghIJ"
SESSION_TOKEN = "IQoJb3JpZ2luX2VjEtwCanarySessionToken/" + "Zm9vYmFy" * 24 + "+tw=="
BASE = (ACCESS_KEY, SECRET_KEY, SESSION_TOKEN)


def _env(**extra: str) -> dict[str, str]:
    env = dict(os.environ)
    for key in ("AWS_ENDPOINT_URL", "AWS_PROFILE"):
        env.pop(key, None)
    env.update(
        AWS_ACCESS_KEY_ID=ACCESS_KEY,
        AWS_SECRET_ACCESS_KEY=SECRET_KEY,
        AWS_SESSION_TOKEN=SESSION_TOKEN,
        AWS_CONFIG_FILE=os.devnull,
        AWS_SHARED_CREDENTIALS_FILE=os.devnull,
    )
    env.update(extra)
    return env


def _trailwatch(
    cwd: Path, endpoint: str, *args: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    cwd.mkdir(parents=True, exist_ok=True)
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "scanner.app.cli",
            "-v",  # debug logging: the most the scanner ever says
            "scan",
            "--regions",
            "us-east-1",
            "--endpoint-url",
            endpoint,
            "--output-dir",
            str(cwd / "out"),
            "--format",
            ",".join(FORMATS),
            "--save-inventory",
            str(cwd / "inventory.json"),
            *args,
        ],
        cwd=cwd,
        env=env or _env(),
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )


def _needles(secrets: Iterable[str]) -> set[str]:
    """Each secret as it could be written: raw, URL-encoded, and a 16-character fragment."""
    out: set[str] = set()
    for secret in secrets:
        out |= {secret, quote(secret, safe="")}
        if len(secret) >= 24:
            middle = len(secret) // 2
            out.add(secret[middle - 8 : middle + 8])
    return out


def _leaks(
    runs: Iterable[tuple[Path, subprocess.CompletedProcess[str]]], secrets: Iterable[str]
) -> list[str]:
    """Where any secret appears in the runs' stdout, stderr or in any file they left."""
    needles = _needles(secrets)
    found: list[str] = []
    for cwd, proc in runs:
        for name, text in (("stdout", proc.stdout), ("stderr", proc.stderr)):
            found += [f"{cwd.name} {name}: {n!r}" for n in needles if n in text]
        for path in sorted(p for p in cwd.rglob("*") if p.is_file()):
            data = path.read_bytes()
            found += [f"{path}: {n!r}" for n in needles if n.encode() in data]
    return found


@pytest.fixture
def org(account_client: Callable[..., Any]) -> dict[str, str]:
    """An Organization: the caller's account, a member, and a member whose role is refused."""
    orgs = account_client("organizations")
    orgs.create_organization(FeatureSet="ALL")
    ids = {
        name: orgs.create_account(Email=f"{name}@example.com", AccountName=name)[
            "CreateAccountStatus"
        ]["AccountId"]
        for name in ("member", "locked")
    }
    good_trail(account_client, name="org", IsOrganizationTrail=True)
    make_bucket(account_client, "member-data", account_id=ids["member"])
    return ids


def test_a_scan_writes_no_credentials_anywhere(
    fault_proxy: Callable[..., Any], org: dict[str, str], tmp_path: Path
) -> None:
    proxy = fault_proxy()
    run = tmp_path / "single"
    proc = _trailwatch(run, proxy.endpoint)
    assert proc.returncode in (0, 1, 3), proc.stderr
    assert ACCESS_KEY in proxy.stats.access_keys  # the scan did sign with these credentials
    assert (run / "inventory.json").is_file()
    assert len([p for p in (run / "out").iterdir()]) >= len(FORMATS)
    assert _leaks([(run, proc)], BASE) == []


def _assumed_credentials(recorded: list[tuple[Any, int, bytes]]) -> list[str]:
    """AccessKeyId, SecretAccessKey and SessionToken of every AssumeRole answer moto gave."""
    out: list[str] = []
    for _call, status, body in recorded:
        if status != 200:
            continue
        root = ElementTree.fromstring(body)
        for element in root.iter():
            tag = element.tag.rsplit("}", 1)[-1]
            if tag in ("AccessKeyId", "SecretAccessKey", "SessionToken") and element.text:
                out.append(element.text)
    return out


def test_an_org_scan_with_failures_writes_no_credentials_anywhere(
    fault_proxy: Callable[..., Any], org: dict[str, str], tmp_path: Path
) -> None:
    rules = [
        Rule(Fault.DENIED, frozenset({"AssumeRole"}), match=org["locked"]),
        Rule(Fault.DENIED, frozenset({"GetEventSelectors"})),  # ERROR findings, with messages
        Rule(Fault.DENIED, frozenset({"DescribeFlowLogs"}), code="ExpiredToken"),
    ]
    proxy = fault_proxy(rules=rules, rate=0.2, seed=3, record=("AssumeRole",))
    run = tmp_path / "org"
    proc = _trailwatch(run, proxy.endpoint, "--org")
    assert proc.returncode in (1, 3), proc.stderr
    assert sum(proxy.stats.injected.values()) > 10
    assumed = _assumed_credentials(proxy.stats.recorded)
    assert len(assumed) >= 3  # the member's role was assumed: its key, secret and token
    assert not set(assumed) & set(BASE)
    assert {org["member"], org["locked"]} <= set((run / "inventory.json").read_text().split('"'))
    assert len([p for p in (run / "out").iterdir()]) >= len(FORMATS)
    assert _leaks([(run, proc)], [*BASE, *assumed]) == []


def test_failing_scans_write_no_credentials_anywhere(
    fault_proxy: Callable[..., Any], tmp_path: Path
) -> None:
    expired = Rule(Fault.DENIED, frozenset({"GetCallerIdentity"}), code="ExpiredToken")
    proxy = fault_proxy(rules=[expired])
    runs = [(tmp_path / "expired", _trailwatch(tmp_path / "expired", proxy.endpoint))]
    assert runs[0][1].returncode == 2
    # A credentials file that cannot be parsed, with the secret on its first line.
    broken = tmp_path / "aws" / "credentials"
    broken.parent.mkdir()
    broken.write_text(f"aws_secret_access_key = {SECRET_KEY}\naws_access_key_id = {ACCESS_KEY}\n")
    env = _env(AWS_SHARED_CREDENTIALS_FILE=str(broken))
    for key in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"):
        env.pop(key)
    run = tmp_path / "broken-file"
    runs.append((run, _trailwatch(run, proxy.endpoint, env=env)))
    assert runs[1][1].returncode != 0
    assert _leaks(runs, BASE) == []


def test_the_search_finds_a_leak(tmp_path: Path) -> None:
    """Control: a secret written raw, URL-encoded or in part is found."""
    for i, text in enumerate((SECRET_KEY, quote(SESSION_TOKEN, safe=""), SECRET_KEY[10:30])):
        run = tmp_path / f"run{i}"
        (run / "out").mkdir(parents=True)
        (run / "out" / "report.html").write_text(f"<p>{text}</p>")
        proc = subprocess.CompletedProcess[str]([], 0, stdout="", stderr="")
        assert _leaks([(run, proc)], BASE), text
    proc = subprocess.CompletedProcess[str]([], 2, stdout="", stderr=f"error: {ACCESS_KEY}")
    assert _leaks([(tmp_path / "run0", proc)], BASE)
