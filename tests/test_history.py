"""The scan history: appended by every scan (SQLite), read back by `trailwatch history` and by
the report's trend; a file that is not a history is refused with one line and exit 2, after the
scan's reports are written."""

from __future__ import annotations

import json
import sqlite3
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from reports.history import History, HistoryEntry, HistoryError, default_history_path
from reports.trend import build_trend
from scanner.app.cli import main
from scanner.core.inventory import Inventory
from tests.reports.factory import NOW
from tests.reports.pipeline_helpers import save_inventory


def _entry(n: int, failed: int, passed: int = 5, percent: float | None = 50.0) -> HistoryEntry:
    return HistoryEntry.model_validate(
        {
            "scan_id": f"scan-{n}",
            "started_at": NOW + timedelta(days=n),
            "finished_at": NOW + timedelta(days=n, minutes=1),
            "accounts": ["111111111111"],
            "regions": ["us-east-1"],
            "by_status": {"FAIL": failed, "PASS": passed},
            "frameworks": [{"key": "cis-5.0", "name": "CIS 5", "percent": percent}],
        }
    )


def test_append_and_read_back_in_order(tmp_path: Path) -> None:
    history = History(tmp_path / "h.sqlite")
    assert history.entries() == []
    for n, failed in enumerate((4, 2, 3)):
        history.append(_entry(n, failed))
    history.append(_entry(1, 1))  # the same scan id again (re-evaluation): replaced, now last
    got = history.entries()
    assert [e.scan_id for e in got] == ["scan-0", "scan-2", "scan-1"]
    assert [e.by_status["FAIL"] for e in got] == [4, 3, 1]
    assert [e.scan_id for e in history.entries(limit=2)] == ["scan-2", "scan-1"]
    with sqlite3.connect(tmp_path / "h.sqlite") as conn:  # plain SQL works too
        assert conn.execute("SELECT sum(failed) FROM scans").fetchone()[0] == 8


@pytest.mark.parametrize(
    "content",
    [b"this is not a database at all" * 100, None],
    ids=["garbage", "foreign-sqlite"],
)
def test_a_file_that_is_not_a_history_is_refused(tmp_path: Path, content: bytes | None) -> None:
    path = tmp_path / "h.sqlite"
    if content is None:
        with sqlite3.connect(path) as conn:
            conn.execute("CREATE TABLE people (name TEXT)")
    else:
        path.write_bytes(content)
    before = path.read_bytes()
    with pytest.raises(HistoryError):
        History(path).entries()
    with pytest.raises(HistoryError):
        History(path).append(_entry(0, 1))
    assert path.read_bytes() == before  # never overwritten


def test_trend_and_since_last_scan() -> None:
    trend = build_trend([_entry(0, 4), _entry(1, 6, percent=40.0)], _entry(2, 2, passed=9))
    assert [s.scan_id for s in trend.scans] == ["scan-0", "scan-1", "scan-2"]
    fail = next(line for line in trend.lines if line.css == "fail")
    assert [p.value for p in fail.points] == [4, 6, 2]
    ys = [p.y for p in fail.points]
    assert ys[1] < ys[0] < ys[2]  # more failures are drawn higher
    assert trend.previous is not None and trend.previous.scan_id == "scan-1"
    by_label = {d.label: d for d in trend.deltas}
    assert by_label["Failed findings"].change == "-4"
    assert by_label["Failed findings"].worse is False
    assert by_label["Passed findings"].worse is False
    assert by_label["CIS 5 score"].change == "+10.0 pts"
    first = build_trend([], _entry(0, 1))
    assert first.previous is None and first.deltas == () and len(first.scans) == 1


def _renamed(path: Path, scan_id: str) -> Path:
    """The saved inventory as another scan (the builder names every scan `test`)."""
    inv = Inventory.load(path)
    inv.model_copy(update={"scan_id": scan_id}).save(path)
    return path


def _scan_cli(inv: Path, out: Path, *extra: str) -> int:
    return main(
        [
            "scan",
            "--from-inventory",
            str(inv),
            "--checks",
            "CloudTrail.4",
            "--format",
            "json,html",
            "--output-dir",
            str(out),
            *extra,
        ]
    )


def test_scans_record_history_and_report_the_trend(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    inv1 = _renamed(save_inventory(tmp_path / "i1.json", mgmt={"a": False, "b": False}), "s-1")
    inv2 = _renamed(
        save_inventory(tmp_path / "i2.json", mgmt={"a": True, "b": False, "c": False}), "s-2"
    )
    assert _scan_cli(inv1, tmp_path / "scan1") == 1
    html1 = (tmp_path / "scan1" / "report.html").read_text(encoding="utf-8")
    assert 'id="trend"' in html1 and 'id="since-last-scan"' in html1
    assert "<polyline" not in html1  # one scan: a point, no line
    assert _scan_cli(inv2, tmp_path / "scan2", "--baseline", str(tmp_path / "scan1")) == 1
    path = default_history_path(tmp_path / "scan2")
    assert path == tmp_path / "trailwatch-history.sqlite"
    entries = History(path).entries()
    assert len(entries) == 2
    second = entries[1]
    assert second.by_status["FAIL"] == 2 and second.by_status["PASS"] == 1
    assert (second.new, second.resolved, second.regressed) == (1, 1, 0)
    assert second.baseline_scan_id == entries[0].scan_id
    html2 = (tmp_path / "scan2" / "report.html").read_text(encoding="utf-8")
    assert html2.count("<polyline") == 3 and entries[0].scan_id in html2
    capsys.readouterr()
    assert main(["history", "--history", str(path), "--format", "json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert [d["scan_id"] for d in doc] == [e.scan_id for e in entries]
    assert main(["history", "--history", str(path), "--limit", "1"]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    assert len(lines) == 2 and entries[1].scan_id in lines[1]


def test_no_history_writes_none(tmp_path: Path) -> None:
    inv = save_inventory(tmp_path / "inv.json", mgmt={"a": False})
    assert _scan_cli(inv, tmp_path / "out", "--no-history") == 1
    assert not (tmp_path / "trailwatch-history.sqlite").exists()
    assert _scan_cli(inv, tmp_path / "out2", "--history", str(tmp_path / "x" / "h.db")) == 1
    assert len(History(tmp_path / "x" / "h.db").entries()) == 1


def test_corrupt_history_exit_2_after_the_reports_are_written(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    inv = save_inventory(tmp_path / "inv.json", mgmt={"a": False})
    bad = tmp_path / "bad.sqlite"
    bad.write_bytes(b"\x00garbage" * 500)
    assert _scan_cli(inv, tmp_path / "out", "--history", str(bad)) == 2
    assert {p.name for p in (tmp_path / "out").iterdir()} == {
        "findings.json",
        "report.html",
        "manifest.json",
        "manifest.sha256",
    }
    assert bad.read_bytes() == b"\x00garbage" * 500
    err = [line for line in capsys.readouterr().err.splitlines() if "error:" in line]
    assert len(err) == 1 and str(bad) in err[0]
    assert main(["history", "--history", str(bad)]) == 2
    assert main(["history", "--history", str(tmp_path / "missing.sqlite")]) == 2


def test_merge_takes_baseline_framework_and_history(tmp_path: Path) -> None:
    """`merge` parses the same report options as `scan` (the merge itself: test_merge_shards)."""
    from scanner.app.cli import build_parser

    args = build_parser().parse_args(
        [
            "merge",
            "shard-1",
            "--baseline",
            "old",
            "--fail-on-new",
            "--framework",
            "cis-5.0",
            "--history",
            str(tmp_path / "h.sqlite"),
        ]
    )
    assert args.baseline == Path("old") and args.fail_on_new
    assert args.framework == ["cis-5.0"] and args.history == str(tmp_path / "h.sqlite")


def test_history_in_s3_is_fetched_appended_and_put_back(
    moto_endpoint: str, account_client: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`--history s3://bucket/key` (CodeBuild): a new object, then appended to; an object that
    is not a history is left alone and the scan exits 2 with its reports written."""
    from scanner.demo.server import FAKE_ENV

    for key, value in FAKE_ENV.items():
        monkeypatch.setenv(key, value)
    s3 = account_client("s3")
    s3.create_bucket(Bucket="tw-history")
    url = "s3://tw-history/history/trailwatch-history.sqlite"
    endpoint = ("--endpoint-url", moto_endpoint)
    inv1 = _renamed(save_inventory(tmp_path / "i1.json", mgmt={"a": False}), "s3-1")
    inv2 = _renamed(save_inventory(tmp_path / "i2.json", mgmt={"a": True}), "s3-2")
    assert _scan_cli(inv1, tmp_path / "one", "--history", url, *endpoint) == 1
    assert _scan_cli(inv2, tmp_path / "two", "--history", url, *endpoint) == 0
    copy = tmp_path / "copy.sqlite"
    body = s3.get_object(Bucket="tw-history", Key="history/trailwatch-history.sqlite")["Body"]
    copy.write_bytes(body.read())
    assert [e.scan_id for e in History(copy).entries()] == ["s3-1", "s3-2"]
    assert "s3-1" in (tmp_path / "two" / "report.html").read_text(encoding="utf-8")
    assert not (tmp_path / "trailwatch-history.sqlite").exists()  # nothing local

    s3.put_object(Bucket="tw-history", Key="history/other.sqlite", Body=b"not sqlite" * 50)
    bad = "s3://tw-history/history/other.sqlite"
    assert _scan_cli(inv1, tmp_path / "three", "--history", bad, *endpoint) == 2
    assert (tmp_path / "three" / "report.html").is_file()
    body = s3.get_object(Bucket="tw-history", Key="history/other.sqlite")["Body"].read()
    assert body == b"not sqlite" * 50
