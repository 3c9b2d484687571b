"""The log-source inventory in findings.json (read back, other versions left out) and in
log-sources.csv (one row per destination, gaps listed, spreadsheet-safe)."""

from __future__ import annotations

import csv
import json
import logging
from pathlib import Path

import pytest

from reports import json_report
from reports.json_report import read_json, write_json
from reports.log_sources_csv import COLUMNS, write_log_sources_csv
from reports.summary import ReportExtras, summarize
from scanner.core.datasets.cloudtrail import TRAILS, Trail
from scanner.core.datasets.ec2 import VPC_FLOW_LOGS
from scanner.core.logsource_inventory import LogSourceInventory, build_log_sources
from tests.builders import MGMT, InventoryBuilder
from tests.reports.factory import hostile_findings, make_meta

R1 = "us-east-1"


def _inventory() -> LogSourceInventory:
    trail = Trail(
        name="=cmd|' /C calc'!A0",
        arn=f"arn:aws:cloudtrail:{R1}:{MGMT}:trail/t",
        home_region=R1,
        s3_bucket_name="bucket",
        cloudwatch_logs_log_group_arn=f"arn:aws:logs:{R1}:{MGMT}:log-group:g:*",
    )
    inv = InventoryBuilder(regions=(R1,))
    inv.account(MGMT).put(TRAILS, [trail]).fail(
        VPC_FLOW_LOGS, R1, operation="DescribeFlowLogs", iam_action="ec2:DescribeFlowLogs"
    )
    return build_log_sources(inv.build(), log_archive_account=MGMT)


def _write(tmp_path: Path, log_sources: LogSourceInventory) -> Path:
    findings = hostile_findings()
    meta = make_meta()
    summary = summarize(findings, meta)
    extras = ReportExtras(log_sources=log_sources)
    return write_json(tmp_path / "findings.json", findings, meta, summary, extras)


def test_findings_json_section_round_trips(tmp_path: Path) -> None:
    log_sources = _inventory()
    path = _write(tmp_path, log_sources)
    doc = json.loads(path.read_text(encoding="utf-8"))
    assert list(doc) == ["scan", "summary", "log_sources", "findings"]
    assert doc["log_sources"]["schema_version"] == 1
    assert read_json(path).log_sources == log_sources


def test_section_of_another_version_is_left_out_and_the_findings_read(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = _write(tmp_path, _inventory())
    doc = json.loads(path.read_text(encoding="utf-8"))
    doc["log_sources"] = {"schema_version": 2, "shape": "from a newer trailwatch"}
    path.write_text(json.dumps(doc), encoding="utf-8")
    with caplog.at_level(logging.WARNING, logger="trailwatch"):
        report = read_json(path)
    assert report.log_sources is None
    assert len(report.findings) == len(doc["findings"])
    assert any("log_sources" in r.getMessage() for r in caplog.records)


def test_findings_json_without_the_section_still_reads(tmp_path: Path) -> None:
    findings = hostile_findings()
    meta = make_meta()
    path = write_json(tmp_path / "f.json", findings, meta, summarize(findings, meta))
    assert read_json(path).log_sources is None


def test_csv_rows_per_destination_and_gap(tmp_path: Path) -> None:
    path = write_log_sources_csv(tmp_path / "log-sources.csv", _inventory())
    raw = path.read_bytes()
    assert raw.startswith("\ufeff".encode()) and b"\r\n" in raw
    with path.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.reader(handle))
    assert tuple(rows[0]) == COLUMNS
    body = [dict(zip(COLUMNS, r, strict=True)) for r in rows[1:]]
    sources = [r for r in body if r["row"] == "source"]
    assert [r["destination_type"] for r in sources] == ["s3", "cloudwatch-logs"]
    assert sources[0]["source_name"].startswith("'=")  # a formula is shown as text
    group = sources[1]
    assert (group["destination_account"], group["in_log_archive"]) == (MGMT, "yes")
    assert group["retention"] == "unknown" and "logs.log_groups" in group["retention_note"]
    [gap] = [r for r in body if r["row"] == "gap"]
    assert (gap["kind"], gap["account_id"], gap["region"]) == ("flow-log", MGMT, R1)
    assert "ec2:DescribeFlowLogs" in gap["note"]
    skipped = {r["kind"] for r in body if r["row"] == "not-inventoried"}
    assert "config-channel" in skipped


def test_the_sections_are_written_in_pieces_as_json_dumps_writes_them(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """findings.json's sections (here 300 log sources) are encoded piece by piece: the same text
    as json.dumps with indent=1 of each, never one string of them all."""
    many = _inventory().model_copy(update={"sources": _inventory().sources * 300})
    findings = hostile_findings()
    meta = make_meta()
    summary = summarize(findings, meta)
    extras = ReportExtras(log_sources=many)
    monkeypatch.setattr(json_report, "_HEAD_CHUNK", 4096)
    pieces = list(json_report._head(meta, summary, extras))
    assert len(pieces) > 10 and max(len(p) for p in pieces) < 2 * 4096 + 1000
    sections = json_report._sections(meta, summary, extras)
    dumps = {k: json.dumps(v, ensure_ascii=False, indent=1) for k, v in sections.items()}
    expected = "{\n" + "".join(f"{json.dumps(k)}: {v},\n" for k, v in dumps.items())
    assert "".join(pieces) == expected + '"findings": '
    path = write_json(tmp_path / "findings.json", findings, meta, summary, extras)
    assert path.read_text(encoding="utf-8").startswith(expected + '"findings": [')
    assert read_json(path).log_sources == many
