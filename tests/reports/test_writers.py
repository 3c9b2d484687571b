"""write_reports: the selected formats into one directory, OutputError when it cannot."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from reports.summary import summarize
from reports.writers import FORMATS, write_reports
from scanner.core.errors import OutputError, UsageError
from tests.reports.factory import hostile_findings, make_meta


def _write(out_dir: Path, formats: list[str]) -> list[Path]:
    findings = hostile_findings()
    meta = make_meta()
    return write_reports(out_dir, formats, findings, meta, summarize(findings, meta))


def test_writes_every_format(tmp_path: Path) -> None:
    out = tmp_path / "new" / "dir"
    paths = _write(out, list(reversed(FORMATS)))
    assert [p.name for p in paths] == [
        "findings.json",
        "findings.asff.json",
        "findings.ocsf.json",
        "report.html",
        "findings.junit.xml",
        "findings.csv",
        "report.pdf",
    ]
    assert (out / "report.pdf").read_bytes().startswith(b"%PDF-")  # printed by Chromium
    assert sorted(p.name for p in out.iterdir()) == sorted(p.name for p in paths)
    assert len(json.loads((out / "findings.asff.json").read_text())) == len(hostile_findings())
    assert len(json.loads((out / "findings.ocsf.json").read_text())) == len(hostile_findings())


def test_writes_only_the_selected_formats(tmp_path: Path) -> None:
    paths = _write(tmp_path, ["asff", "ASFF"])
    assert [p.name for p in paths] == ["findings.asff.json"]
    assert [p.name for p in tmp_path.iterdir()] == ["findings.asff.json"]


def test_unknown_format_is_a_usage_error(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="docx"):
        _write(tmp_path, ["json", "docx"])
    assert list(tmp_path.iterdir()) == []


def test_directory_that_cannot_be_created(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(OutputError) as err:
        _write(blocker / "out", ["json"])
    assert "\n" not in str(err.value)
    with pytest.raises(OutputError):
        _write(blocker, ["json"])


def test_file_that_cannot_be_written(tmp_path: Path) -> None:
    (tmp_path / "report.html").mkdir()  # a directory where the report should go
    with pytest.raises(OutputError) as err:
        _write(tmp_path, ["html"])
    assert "report.html" in str(err.value) and "\n" not in str(err.value)
    assert [p.name for p in tmp_path.iterdir()] == ["report.html"]  # no temp file left behind


def test_ocsf_gets_the_verdict_of_a_suppressed_finding(tmp_path: Path) -> None:
    from datetime import date

    from scanner.core.findings import Suppression
    from scanner.core.model import Status
    from tests.reports.factory import make_finding

    finding = make_finding(
        status=Status.SUPPRESSED,
        suppressed_status=Status.FAIL,
        suppression=Suppression(rule=0, check="x", reason="r", owner="o", expires=date(2030, 1, 1)),
    )
    meta = make_meta()
    write_reports(tmp_path, ["ocsf"], [finding], meta, summarize([finding], meta))
    (doc,) = json.loads((tmp_path / "findings.ocsf.json").read_text())
    assert doc["compliance"]["status"] == "Fail"
