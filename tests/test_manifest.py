"""manifest.json (every output file, SHA-256, size; written last) and `trailwatch verify DIR`."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from reports.csv_report import compliance_filename
from reports.manifest import MANIFEST, MANIFEST_SHA256, build_manifest, verify_manifest
from scanner.app.cli import EXIT_NOT_VERIFIED
from scanner.core.errors import UsageError
from scanner.core.frameworks import Frameworks
from tests.reports.pipeline_helpers import save_inventory, scan


def _verify(directory: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "AWS_ENDPOINT_URL"}
    return subprocess.run(
        [sys.executable, "-m", "scanner.app.cli", "verify", str(directory)],
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
        check=False,
    )


@pytest.fixture
def out(tmp_path: Path) -> Path:
    directory = tmp_path / "out"
    inventory = save_inventory(tmp_path / "inv.json", {"good": True, "bad": False})
    scan(
        inventory,
        directory,
        formats=("json", "asff", "html", "csv"),
        save_inventory=directory / "inventory.json",
    )
    return directory


def test_manifest_lists_every_output_file_with_its_hash(out: Path) -> None:
    doc = json.loads((out / MANIFEST).read_text(encoding="utf-8"))
    files = {e["path"]: e for e in doc["files"]}
    on_disk = {p.name for p in out.iterdir()} - {MANIFEST, MANIFEST_SHA256}
    compliance = {compliance_filename(fw.key) for fw in Frameworks.load().items}
    assert (
        set(files)
        == on_disk
        == {
            "findings.json",
            "findings.asff.json",
            "report.html",
            "findings.csv",
            "inventory.json",
            "log-sources.csv",  # with every report set
        }
        | compliance  # --format csv: one compliance CSV per framework
    )
    for name, entry in files.items():
        data = (out / name).read_bytes()
        assert entry["sha256"] == hashlib.sha256(data).hexdigest()
        assert entry["size"] == len(data)
    assert doc["algorithm"] == "sha256" and doc["scan_id"] == "test"
    assert not [p for p in out.iterdir() if p.name.startswith(".")]  # no temp file left


def test_files_outside_the_output_dir_are_not_listed(tmp_path: Path) -> None:
    (tmp_path / "out").mkdir()
    inside = tmp_path / "out" / "a.json"
    inside.write_text("{}")
    outside = tmp_path / "elsewhere.json"
    outside.write_text("{}")
    doc = build_manifest(tmp_path / "out", [inside, outside], scan_id="s", tool_version="0")
    assert [e["path"] for e in doc["files"]] == ["a.json"]


def test_verify_ok(out: Path) -> None:
    assert verify_manifest(out) == ([], [])
    proc = _verify(out)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    digest = hashlib.sha256((out / MANIFEST).read_bytes()).hexdigest()
    assert digest in proc.stdout


def test_verify_reports_one_line_per_problem(out: Path) -> None:
    (out / "report.html").write_text("changed", encoding="utf-8")  # other size
    findings = out / "findings.json"
    data = bytearray(findings.read_bytes())
    data[10] = ord("X") if data[10] != ord("X") else ord("Y")  # same size, other content
    findings.write_bytes(bytes(data))
    (out / "findings.csv").unlink()
    (out / "extra.txt").write_text("not listed")
    problems, notes = verify_manifest(out)
    assert len(problems) == 3
    assert any("findings.csv" in p for p in problems)
    assert any("report.html" in p for p in problems)
    assert any("findings.json" in p for p in problems)
    assert notes == [f"not in {MANIFEST}: extra.txt"]
    proc = _verify(out)
    assert proc.returncode == EXIT_NOT_VERIFIED
    assert len(proc.stdout.strip().splitlines()) == 3
    assert "Traceback" not in proc.stderr


def test_manifest_paths_cannot_escape_the_directory(tmp_path: Path) -> None:
    (tmp_path / "d").mkdir()
    (tmp_path / "secret").write_text("x")
    entries = [
        {"path": "../secret", "sha256": "0" * 64, "size": 1},
        {"path": "/etc/passwd", "sha256": "0" * 64, "size": 1},
    ]
    (tmp_path / "d" / MANIFEST).write_text(json.dumps({"files": entries}))
    problems, _ = verify_manifest(tmp_path / "d")
    assert len(problems) == 2 and all("valid relative path" in p for p in problems)


def test_malformed_manifest_is_a_problem(tmp_path: Path) -> None:
    (tmp_path / MANIFEST).write_text("{not json")
    problems, _ = verify_manifest(tmp_path)
    assert len(problems) == 1
    assert _verify(tmp_path).returncode == EXIT_NOT_VERIFIED


def test_verify_bad_usage_exits_2(tmp_path: Path) -> None:
    with pytest.raises(UsageError):
        verify_manifest(tmp_path)  # no manifest.json
    for target in (tmp_path, tmp_path / "missing"):
        proc = _verify(target)
        assert proc.returncode == 2
        lines = [line for line in proc.stderr.splitlines() if line.strip()]
        assert len(lines) == 1 and lines[0].startswith("trailwatch: error:")


def test_verify_expect_checks_the_manifest_against_an_out_of_band_sha256(out: Path) -> None:
    digest = hashlib.sha256((out / MANIFEST).read_bytes()).hexdigest()
    assert _verify_args(out, "--expect", digest.upper()).returncode == 0
    assert _verify_args(out, "--expect", "0" * 64).returncode == EXIT_NOT_VERIFIED
    assert _verify_args(out, "--expect", "not-a-hash").returncode == 2
    # a consistently re-written manifest (every hash recomputed) passes alone, not with --expect
    (out / "findings.csv").write_text("doctored")
    doc = json.loads((out / MANIFEST).read_text())
    for entry in doc["files"]:
        data = (out / entry["path"]).read_bytes()
        entry.update(sha256=hashlib.sha256(data).hexdigest(), size=len(data))
    (out / MANIFEST).write_text(json.dumps(doc))
    (out / MANIFEST_SHA256).unlink()
    assert verify_manifest(out)[0] == []
    assert _verify_args(out, "--expect", digest).returncode == EXIT_NOT_VERIFIED


def test_verify_checks_manifest_sha256_beside_it(out: Path) -> None:
    (out / MANIFEST_SHA256).write_text(f"{'0' * 64}  {MANIFEST}\n")
    problems, _ = verify_manifest(out)
    assert len(problems) == 1 and MANIFEST_SHA256 in problems[0]


def test_verify_refuses_symlinks(out: Path, tmp_path: Path) -> None:
    outside = tmp_path / "outside.csv"
    os.replace(out / "findings.csv", outside)
    (out / "findings.csv").symlink_to(outside)  # same content, but not a file of the set
    problems, _ = verify_manifest(out)
    assert len(problems) == 1 and "findings.csv" in problems[0]
    manifest = tmp_path / "manifest-elsewhere.json"
    os.replace(out / MANIFEST, manifest)
    (out / MANIFEST).symlink_to(manifest)
    assert _verify_args(out).returncode == EXIT_NOT_VERIFIED


def test_manifest_too_large_is_refused_unread(out: Path) -> None:
    from reports.manifest import MAX_MANIFEST_BYTES

    with (out / MANIFEST).open("a") as handle:
        handle.truncate(MAX_MANIFEST_BYTES + 1)
    problems, _ = verify_manifest(out)
    assert len(problems) == 1


def _verify_args(directory: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "AWS_ENDPOINT_URL"}
    return subprocess.run(
        [sys.executable, "-m", "scanner.app.cli", "verify", str(directory), *extra],
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
        check=False,
    )
