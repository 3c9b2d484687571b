"""Packaging: the wheel ships templates and frameworks; `trailwatch demo` runs when installed."""

from __future__ import annotations

import json
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest


def test_wheel_contains_templates_and_frameworks(wheel: Path) -> None:
    names = zipfile.ZipFile(wheel).namelist()
    assert "templates/report.html.j2" in names
    assert any(n.startswith("checks/frameworks/") and n.endswith(".yaml") for n in names)
    assert not any(n.startswith("tests/") for n in names)


@pytest.mark.slow
def test_installed_wheel_runs_demo_from_another_directory(wheel: Path, tmp_path: Path) -> None:
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=120)
    pip = [str(venv / "bin" / "python"), "-m", "pip", "install", "--quiet"]
    subprocess.run([*pip, f"{wheel}[demo]"], check=True, timeout=600, capture_output=True)
    work = tmp_path / "elsewhere"
    work.mkdir()
    proc = subprocess.run(
        [str(venv / "bin" / "trailwatch"), "demo", "--output-dir", "out"],
        cwd=work,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert (work / "out" / "report.html").stat().st_size > 1000
    findings = json.loads((work / "out" / "findings.asff.json").read_text())
    assert len(findings) > 10
