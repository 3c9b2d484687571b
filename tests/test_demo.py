"""`trailwatch demo`: the same account ids in every run, and three scans so that the report
shows a baseline diff, the trend and "since last scan"."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from reports.history import History
from scanner.app.demo import DEMO_SEED, demo_paths, pin_random, reset_moto, run_demo
from scanner.demo.server import fake_aws_env, moto_server
from scanner.demo.world import build_org


def _ids() -> list[str]:
    with fake_aws_env(), moto_server() as endpoint:
        reset_moto(endpoint)
        pin_random(endpoint, DEMO_SEED)
        try:
            org = build_org(endpoint)
        finally:
            pin_random(endpoint, None)
        return [
            org.organization_id,
            *(a.account_id for a in org.accounts),
            org.unreachable_account_id,
            org.suspended_account_id,
        ]


def test_demo_account_ids_are_the_same_in_every_run() -> None:
    first, second = _ids(), _ids()
    assert first == second
    assert len(set(first)) == len(first)


def test_demo_report_shows_changes_and_a_trend_of_three_scans(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out"
    assert run_demo(out, ("json", "html")) == 0
    earlier, history = demo_paths(out)
    assert history == tmp_path / "out-demo-history.sqlite"
    assert sorted(p.name for p in earlier.iterdir()) == ["1", "2"]
    entries = History(history).entries()
    assert len(entries) == 3
    assert len({e.scan_id for e in entries}) == 3
    assert entries[0].new is None and entries[2].baseline_scan_id == entries[1].scan_id
    assert entries[1].failed_by_severity != entries[0].failed_by_severity
    assert entries[2].new and entries[2].resolved and entries[2].regressed
    doc = json.loads((out / "findings.json").read_text(encoding="utf-8"))
    assert doc["changes"]["counts"]["new"] >= 1 and doc["changes"]["counts"]["resolved"] >= 1
    html = (out / "report.html").read_text(encoding="utf-8")
    for section in ('id="changes"', 'id="trend"', 'id="since-last-scan"'):
        assert section in html
    assert html.count("<polyline") == 3
    assert str(history) in capsys.readouterr().out
