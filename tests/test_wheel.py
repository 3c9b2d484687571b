"""Packaging: the wheel ships templates and frameworks; `trailwatch demo` runs when installed."""

from __future__ import annotations

import json
import os
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
def test_installed_wheel_runs_demo_from_another_directory(
    wheel: Path, locked_dependencies: Path, tmp_path: Path
) -> None:
    """Offline: the dependencies come from the test venv (a .pth file), the project from the
    wheel alone (no index, no dependency resolution): no test reaches a package index."""
    venv = tmp_path / "venv"
    subprocess.run(
        [sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True, timeout=120
    )
    (site,) = (venv / "lib").glob("python*/site-packages")
    (site / "dependencies.pth").write_text(f"{locked_dependencies}\n", encoding="utf-8")
    env = {
        **os.environ,
        "PIP_CONFIG_FILE": os.devnull,
        "PIP_NO_INDEX": "1",
        "PIP_NO_CACHE_DIR": "1",
        "PIP_DISABLE_PIP_VERSION_CHECK": "1",
    }
    env.pop("PYTHONPATH", None)
    install = [str(venv / "bin" / "python"), "-m", "pip", "install", "--quiet", "--no-deps"]
    subprocess.run([*install, str(wheel)], check=True, timeout=300, capture_output=True, env=env)
    installed = subprocess.run(
        [str(venv / "bin" / "python"), "-c", "import scanner; print(scanner.__file__)"],
        capture_output=True,
        text=True,
        check=True,
        env=env,
        cwd=tmp_path,
    )
    assert installed.stdout.strip().startswith(str(site))  # the wheel's code, not the checkout
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
