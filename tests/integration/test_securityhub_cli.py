"""`scan --securityhub` and `import FILE` through the CLI, against the moto server."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import DEFAULT_ACCOUNT
from tests.faults import Fault, Rule
from tests.integration.helpers import good_trail, run_cli

HOME = "us-east-1"
EU = "eu-west-1"


def _ours(client: Any) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    for page in client.get_paginator("get_findings").paginate():
        found.extend(f for f in page["Findings"] if f["Id"].startswith("trailwatch/"))
    return found


def test_scan_imports_findings_and_import_dry_run_sends_nothing(
    account_client: Callable[..., Any], moto_endpoint: str, tmp_path: Path
) -> None:
    bucket_trail = good_trail(account_client, EnableLogFileValidation=False)
    assert bucket_trail
    hub = account_client("securityhub")
    hub.enable_security_hub()
    out = tmp_path / "out"
    proc = run_cli(
        "scan", "--regions", "us-east-1", "--checks", "CloudTrail.1,CloudTrail.4",
        "--output-dir", str(out), "--securityhub", endpoint=moto_endpoint, cwd=tmp_path,
    )  # fmt: skip
    assert proc.returncode == 1, proc.stderr  # CloudTrail.4 fails
    imported = _ours(hub)
    statuses = {
        f["Compliance"].get("SecurityControlId"): f["Compliance"]["Status"] for f in imported
    }
    assert statuses == {"CloudTrail.4": "FAILED"}  # PASSED findings are not imported by default
    assert all(f["AwsAccountId"] == DEFAULT_ACCOUNT for f in imported)

    # a dry run of the same file reads, plans and sends nothing new
    before = {f["Id"]: f["UpdatedAt"] for f in _ours(hub)}
    dry = run_cli(
        "import", str(out / "findings.asff.json"), "--dry-run", "--passed",
        endpoint=moto_endpoint, cwd=tmp_path,
    )  # fmt: skip
    assert dry.returncode == 0, dry.stderr
    assert {f["Id"]: f["UpdatedAt"] for f in _ours(hub)} == before


def _asff_regions(out: Path) -> dict[str, str]:
    """Id -> region of the findings `scan` meant for Security Hub (not PASSED)."""
    docs = json.loads((out / "findings.asff.json").read_text())
    return {
        d["Id"]: d["Resources"][0]["Region"] for d in docs if d["Compliance"]["Status"] != "PASSED"
    }


def test_import_errors_exit_4_with_every_undelivered_finding_but_a_region_without_the_hub_not(
    account_client: Callable[..., Any],
    moto_endpoint: str,
    fault_proxy: Callable[..., Any],
    tmp_path: Path,
) -> None:
    good_trail(account_client, name="home", EnableLogFileValidation=False)
    good_trail(account_client, name="europe", region=EU, EnableLogFileValidation=False)
    hub = account_client("securityhub")
    hub.enable_security_hub()  # not in eu-west-1
    out = tmp_path / "out"
    scan = (
        "scan", "--regions", f"{HOME},{EU}", "--checks", "CloudTrail.4", "--fail-on", "critical",
        "--output-dir", str(out), "--securityhub",
    )  # fmt: skip
    proc = run_cli(*scan, endpoint=moto_endpoint, cwd=tmp_path)
    # the FAILED findings are below --fail-on; eu-west-1 has no hub: a skip, not a failure
    assert proc.returncode == 0, proc.stdout + proc.stderr
    meant = _asff_regions(out)
    assert set(meant.values()) == {HOME, EU}
    assert {f["Id"] for f in _ours(hub)} == {i for i, r in meant.items() if r == HOME}
    assert "UNDELIVERED" not in proc.stdout

    # GetFindings fails: nothing is written where the stored findings are unknown -> exit 4
    denied = Rule(Fault.DENIED, frozenset({"securityhub:GetFindings"}))
    proxy = fault_proxy(rules=[denied])
    record = tmp_path / "undelivered.json"
    imp = run_cli(
        "import", str(out / "findings.asff.json"), "--undelivered-json", str(record),
        endpoint=proxy.endpoint, cwd=tmp_path,
    )  # fmt: skip
    assert imp.returncode == 4, imp.stdout + imp.stderr
    assert "Traceback" not in imp.stderr
    doc = json.loads(record.read_text())
    home_ids = sorted(i for i, r in meant.items() if r == HOME)
    assert doc["complete"] is False and doc["undelivered_count"] == len(home_ids)
    assert sorted(u["id"] for u in doc["undelivered"] if u["id"] != "*") == home_ids
    assert {(u["region"], u["reason"], u["operation"]) for u in doc["undelivered"]} == {
        (HOME, "get-findings-failed", "GetFindings")
    }
    assert [(s["region"]) for s in doc["skipped"]] == [EU]
    groups = [line for line in imp.stdout.splitlines() if line.startswith("  undelivered:")]
    assert len(groups) == 1 and HOME in groups[0]

    # the same through `scan --securityhub` ("0 of N delivered" used to exit 0)
    again = run_cli(*scan, "--undelivered-json", str(record), endpoint=proxy.endpoint, cwd=tmp_path)
    assert again.returncode == 4, again.stdout + again.stderr
    doc = json.loads(record.read_text())
    assert doc["imported"] == 0 and doc["undelivered_count"] == len(home_ids)
    assert f"delivered 0 of {len(home_ids)} finding" in again.stdout


def _findings_dir(tmp_path: Path) -> Path:
    """A scan-like output directory: findings.asff.json and the manifest.json that lists it."""
    from reports.asff import to_asff
    from reports.manifest import write_manifest
    from scanner.core.model import Status
    from tests.reports.factory import make_finding

    out = tmp_path / "scan"
    out.mkdir(parents=True)
    docs = [
        to_asff(make_finding(account_id=DEFAULT_ACCOUNT, resource_id=f"arn:aws:s3:::b{i}"))
        for i in range(2)
    ]
    docs.append(to_asff(make_finding(account_id=DEFAULT_ACCOUNT, status=Status.PASS)))
    (out / "findings.asff.json").write_text(json.dumps(docs, indent=1))
    write_manifest(out, [out / "findings.asff.json"], scan_id="s", tool_version="0")
    return out


def _doctor(path: Path) -> None:
    """What an attacker would do: turn every FAILED finding into PASSED."""
    path.write_text(path.read_text().replace('"FAILED"', '"PASSED"'))


def test_import_refuses_a_doctored_file_and_no_verify_imports_it(
    account_client: Callable[..., Any], moto_endpoint: str, tmp_path: Path
) -> None:
    hub = account_client("securityhub")
    hub.enable_security_hub()
    out = _findings_dir(tmp_path)
    asff = out / "findings.asff.json"
    _doctor(asff)
    refused = run_cli("import", str(asff), endpoint=moto_endpoint, cwd=tmp_path)
    assert refused.returncode == 2
    assert "Traceback" not in refused.stderr
    lines = [line for line in refused.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and str(asff) in lines[0]
    assert _ours(hub) == []

    accepted = run_cli("import", str(asff), "--no-verify", endpoint=moto_endpoint, cwd=tmp_path)
    assert accepted.returncode == 0, accepted.stdout + accepted.stderr
    warnings = [line for line in accepted.stderr.splitlines() if "--no-verify" in line]
    assert len(warnings) == 1
    assert _ours(hub) == []  # all PASSED now: nothing to import, and nothing was stored
    # the untouched file is accepted against its manifest
    clean = _findings_dir(tmp_path / "clean")
    ok = run_cli("import", str(clean / "findings.asff.json"), endpoint=moto_endpoint, cwd=tmp_path)
    assert ok.returncode == 0, ok.stdout + ok.stderr
    assert len(_ours(hub)) == 2


def _refusal(path: Path, verify: bool = True) -> str:
    from scanner.core.errors import UsageError
    from scanner.publish.securityhub import load_asff

    with pytest.raises(UsageError) as caught:
        load_asff(path, verify=verify)
    assert caught.value.exit_code == 2
    message = str(caught.value)
    assert "\n" not in message and str(path) in message
    return message


def test_import_refuses_unlisted_unmanifested_oversized_and_malformed_files(
    tmp_path: Path,
) -> None:
    from reports.asff_input import MAX_ASFF_BYTES, MAX_DEPTH
    from scanner.publish.securityhub import load_asff

    out = _findings_dir(tmp_path)
    asff = out / "findings.asff.json"
    assert len(load_asff(asff, verify=True)) == 3
    # listed under another name only
    renamed = out / "other.asff.json"
    renamed.write_bytes(asff.read_bytes())
    _refusal(renamed)
    # no manifest beside it
    alone = tmp_path / "alone.json"
    alone.write_bytes(asff.read_bytes())
    _refusal(alone)
    assert len(load_asff(alone)) == 3
    # one byte more
    original = asff.read_bytes()
    asff.write_bytes(original + b" ")
    _refusal(asff)
    # same size, one byte changed
    data = bytearray(original)
    data[data.index(b"FAILED")] = ord("X")
    asff.write_bytes(bytes(data))
    _refusal(asff)
    # a manifest that is not one
    asff.write_bytes(original)
    assert len(load_asff(asff, verify=True)) == 3
    for garbage in (b"[]", b'{"files": "all"}', b"\xff\xfe", b'{"algorithm": "md5", "files": []}'):
        (out / "manifest.json").write_bytes(garbage)
        _refusal(asff)

    # bounded in size before anything is read (a sparse file: no disk used)
    huge = tmp_path / "huge.json"
    with huge.open("wb") as handle:
        handle.truncate(MAX_ASFF_BYTES + 1)
    _refusal(huge, verify=False)
    # parsed defensively: binary, not UTF-8, not an array, NaN, nested too deep
    for name, content in {
        "binary.json": b"\x00\x01\x02\xff" * 10,
        "latin1.json": '[{"Title": "Zürich"}]'.encode("latin-1"),
        "object.json": b'{"Id": "x"}',
        "numbers.json": b"[1, 2]",
        "nan.json": b'[{"Count": NaN}]',
        "deep.json": b"[" * 100_000 + b"]" * 100_000,
        "deepish.json": b'[{"a":' + b"[" * (MAX_DEPTH - 1) + b"]" * (MAX_DEPTH - 1) + b"}]",
        "empty.json": b"",
    }.items():
        path = tmp_path / name
        path.write_bytes(content)
        _refusal(path, verify=False)
    # as deep as allowed: accepted
    deepest = tmp_path / "deepest.json"
    deepest.write_bytes(b'[{"a":' + b"[" * (MAX_DEPTH - 2) + b"]" * (MAX_DEPTH - 2) + b"}]")
    assert len(load_asff(deepest)) == 1


def test_import_help_names_no_verify_and_exit_4() -> None:
    import argparse

    from scanner.app.cli import build_parser

    parser = build_parser()
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    text = sub.choices["import"].format_help()
    assert "--no-verify" in text and "--undelivered-json" in text
    assert "\n  4  " in text and "\n  2  " in text
    for command in ("scan", "merge"):
        assert "--undelivered-json" in sub.choices[command].format_help()
