"""findings.json: one document (scan, summary, findings) that round-trips."""

from __future__ import annotations

import json
from pathlib import Path

from reports.json_report import read_json, write_json
from reports.summary import summarize
from tests.reports.factory import HOSTILE, NON_ASCII, NOW, hostile_findings, make_meta


def test_json_report_round_trips(tmp_path: Path) -> None:
    findings = hostile_findings()
    meta = make_meta(complete=False)
    meta = meta.model_copy(
        update={
            "accounts": tuple(
                a.model_copy(update={"tags": {"env": "prod", "owner": a.name}})
                for a in meta.accounts
            )
        }
    )
    summary = summarize(findings, meta)
    path = write_json(tmp_path / "findings.json", findings, meta, summary)

    document = json.loads(path.read_text(encoding="utf-8"))
    assert list(document) == ["scan", "summary", "findings"]
    assert document["scan"]["complete"] is False
    assert len(document["findings"]) == len(findings)

    loaded = read_json(path)
    assert loaded.scan == meta
    assert loaded.summary == summary
    # account tags are stored once per account (scan.accounts), not in every finding
    assert all("account_tags" not in f for f in document["findings"])
    tags = {a.account_id: a.tags for a in meta.accounts}
    assert [f.account_tags for f in loaded.findings] == [
        tags.get(f.account_id, {}) for f in findings
    ]
    per_finding = {"account_tags"}
    dumped = [f.model_dump(mode="json", exclude=per_finding) for f in findings]
    assert [f.model_dump(mode="json", exclude=per_finding) for f in loaded.findings] == dumped
    plain = [i for i, f in enumerate(findings) if i != 1]  # [1] has a datetime in its evidence
    same = [f.model_copy(update={"account_tags": tags.get(f.account_id, {})}) for f in findings]
    assert [loaded.findings[i] for i in plain] == [same[i] for i in plain]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["findings.json"]


def test_json_keeps_text_and_serialises_evidence(tmp_path: Path) -> None:
    findings = hostile_findings()
    meta = make_meta()
    path = write_json(tmp_path / "f.json", findings, meta, summarize(findings, meta))
    text = path.read_text(encoding="utf-8")
    assert NON_ASCII in text and HOSTILE in text  # JSON is data: stored verbatim, not escaped
    hostile = json.loads(text)["findings"][1]
    assert hostile["evidence"]["nested"]["when"] == NOW.isoformat().replace("+00:00", "Z")
    assert len(hostile["evidence"]["blob"]) == 300_000  # the full evidence, never truncated


def test_extras_round_trip(tmp_path: Path) -> None:
    from datetime import date

    from reports.diff import BaselineInfo, Change, ChangeItem, ChangeSet
    from reports.summary import ReportExtras
    from scanner.core.model import Severity, Status
    from scanner.core.suppressions import RuleOutcome, RuleState, SuppressionReport

    findings = hostile_findings()
    meta = make_meta()
    summary = summarize(findings, meta)
    item = ChangeItem(
        id=findings[1].id,
        change=Change.NEW,
        check_id=findings[1].check_id,
        severity=Severity.CRITICAL,
        account_id=findings[1].account_id,
        region=findings[1].region,
        status=Status.FAIL,
    )
    changes = ChangeSet(
        baseline=BaselineInfo(path="old", scan_id="s0"),
        counts={Change.NEW: 1},
        items=(item,),
    )
    suppressions = SuppressionReport(
        evaluated_on=date(2026, 11, 1),
        rules=(
            RuleOutcome(
                index=0,
                check="S3.5",
                reason="r",
                owner="o",
                expires=date(2026, 1, 1),
                state=RuleState.EXPIRED,
            ),
        ),
    )
    extras = ReportExtras(suppressions=suppressions, changes=changes)
    path = write_json(tmp_path / "findings.json", findings, meta, summary, extras)
    document = json.loads(path.read_text(encoding="utf-8"))
    assert list(document) == ["scan", "changes", "summary", "suppressions", "findings"]
    assert [f["change"] for f in document["findings"]].count("new") == 1
    loaded = read_json(path)
    assert loaded.changes == changes and loaded.suppressions == suppressions
    assert len(loaded.findings) == len(findings)
