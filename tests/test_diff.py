"""--baseline: new / regressed / resolved / still failing / unverified, and --fail-on-new."""

from __future__ import annotations

import csv
import json
import logging
from pathlib import Path

import pytest

from reports.diff import Change, classify, compare, load_baseline
from reports.json_report import read_json
from scanner.core.errors import UsageError
from scanner.core.model import Status
from tests.builders import MEMBER, MGMT
from tests.reports.pipeline_helpers import save_inventory, scan, trail_arn


@pytest.mark.parametrize(
    ("now", "before", "change"),
    [
        (Status.FAIL, None, Change.NEW),
        (Status.FAIL, Status.ERROR, Change.NEW),
        (Status.FAIL, Status.PASS, Change.REGRESSED),
        (Status.FAIL, Status.WARNING, Change.REGRESSED),
        (Status.FAIL, Status.FAIL, Change.STILL_FAILING),
        (Status.PASS, Status.FAIL, Change.RESOLVED),
        (Status.ERROR, Status.FAIL, Change.UNVERIFIED),
        (Status.WARNING, Status.FAIL, Change.UNVERIFIED),
        (Status.PASS, Status.PASS, Change.UNCHANGED),
        (Status.PASS, None, Change.UNCHANGED),
        (Status.ERROR, Status.PASS, Change.UNCHANGED),
    ],
)
def test_classify(now: Status, before: Status | None, change: Change) -> None:
    assert classify(now, before) is change


def _changes(doc: dict[str, object]) -> dict[str, str]:
    items = doc["changes"]["items"]  # type: ignore[index]
    return {i["resource_id"].rsplit("/", 1)[1]: i["change"] for i in items}  # type: ignore[attr-defined,union-attr]


def test_changes_between_two_scans(tmp_path: Path) -> None:
    old = save_inventory(
        tmp_path / "old.json",
        {"fixed": False, "broken": True, "still": False, "deleted": False, "kept": True},
        {"elsewhere": False},
    )
    new = save_inventory(
        tmp_path / "new.json",
        {"fixed": True, "broken": False, "still": False, "kept": True, "added": False},
        {"elsewhere": False},
    )
    first = scan(old, tmp_path / "old")
    assert first.exit_code == 1
    second = scan(new, tmp_path / "new", baseline=tmp_path / "old")
    assert second.exit_code == 1

    doc = json.loads((tmp_path / "new" / "findings.json").read_text(encoding="utf-8"))
    assert list(doc)[:2] == ["scan", "changes"]  # the changes come first
    assert _changes(doc) == {
        "added": "new",
        "broken": "regressed",
        "fixed": "resolved",
        "deleted": "resolved",  # gone from a scope this scan evaluated without error
        "still": "still_failing",
        "elsewhere": "still_failing",
    }
    counts = doc["changes"]["counts"]
    assert counts["new"] == 1 and counts["regressed"] == 1 and counts["resolved"] == 2
    assert counts["unchanged"] == 1  # "kept" passes in both
    assert doc["changes"]["baseline"]["scan_id"] == "test"
    assert doc["changes"]["baseline"]["verified"] is True  # the baseline's manifest matches
    marks = {f["resource"]["id"].rsplit("/", 1)[1]: f["change"] for f in doc["findings"]}
    assert marks["kept"] == "unchanged" and marks["added"] == "new"
    # findings.json with change marks still loads (merge, re-rendering)
    assert len(read_json(tmp_path / "new" / "findings.json").findings) == len(second.findings)

    html = (tmp_path / "new" / "report.html").read_text(encoding="utf-8")
    assert html.index('id="changes"') < html.index('id="frameworks"') < html.index('id="findings"')
    with (tmp_path / "new" / "findings.csv").open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle))
    by_name = {r["resource_id"].rsplit("/", 1)[1]: r["change"] for r in rows}
    assert by_name["added"] == "new" and by_name["kept"] == "unchanged"


def test_fail_on_new_fails_only_for_new_failures(tmp_path: Path) -> None:
    old = save_inventory(tmp_path / "old.json", {"still": False, "ok": True})
    scan(old, tmp_path / "old")
    same = save_inventory(tmp_path / "same.json", {"still": False, "ok": True})
    outcome = scan(same, tmp_path / "same", baseline=tmp_path / "old", fail_on_new=True)
    assert outcome.exit_code == 0  # only an old failure
    regressed = save_inventory(tmp_path / "reg.json", {"still": False, "ok": False})
    outcome = scan(regressed, tmp_path / "reg", baseline=tmp_path / "old", fail_on_new=True)
    assert outcome.exit_code == 1
    added = save_inventory(tmp_path / "add.json", {"still": False, "ok": True, "x": False})
    assert scan(added, tmp_path / "add", baseline=tmp_path / "old", fail_on_new=True).exit_code == 1
    # without --fail-on-new the old failure fails the run as before
    assert scan(same, tmp_path / "same2", baseline=tmp_path / "old").exit_code == 1


def test_baseline_in_the_output_dir_is_read_before_it_is_overwritten(tmp_path: Path) -> None:
    out = tmp_path / "out"
    scan(save_inventory(tmp_path / "a.json", {"t": True}), out)
    outcome = scan(save_inventory(tmp_path / "b.json", {"t": False}), out, baseline=out)
    doc = json.loads((out / "findings.json").read_text(encoding="utf-8"))
    assert _changes(doc) == {"t": "regressed"}
    assert outcome.exit_code == 1


def test_unscanned_scope_is_unverified_not_resolved(tmp_path: Path) -> None:
    both = save_inventory(tmp_path / "both.json", {"m": False}, {"x": False})
    scan(both, tmp_path / "old")
    only_mgmt = save_inventory(tmp_path / "mgmt.json", {"m": False})  # MEMBER not scanned now
    scan(only_mgmt, tmp_path / "new", baseline=tmp_path / "old")
    doc = json.loads((tmp_path / "new" / "findings.json").read_text(encoding="utf-8"))
    assert _changes(doc) == {"m": "still_failing", "x": "unverified"}


def test_compare_needs_the_check_in_this_scan(tmp_path: Path) -> None:
    scan(save_inventory(tmp_path / "i.json", {"t": False}), tmp_path / "old")
    baseline = load_baseline(tmp_path / "old")
    changes = compare([], baseline, check_ids=[], accounts=[MGMT, MEMBER], regions=["us-east-1"])
    assert [i.change for i in changes.items] == [Change.UNVERIFIED]
    changes = compare(
        [],
        baseline,
        check_ids=["cloudtrail_log_file_validation"],
        accounts=[MGMT],
        regions=["us-east-1"],
    )
    assert [i.change for i in changes.items] == [Change.RESOLVED]
    assert changes.items[0].resource_id == trail_arn("t")


def test_tampered_baseline_is_flagged(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    scan(save_inventory(tmp_path / "i.json", {"t": False}), tmp_path / "old")
    path = tmp_path / "old" / "findings.json"
    path.write_text(path.read_text(encoding="utf-8").replace('"FAIL"', '"PASS"'), encoding="utf-8")
    with caplog.at_level(logging.WARNING, logger="trailwatch"):
        scan(
            save_inventory(tmp_path / "j.json", {"t": False}),
            tmp_path / "new",
            baseline=path.parent,
        )
    doc = json.loads((tmp_path / "new" / "findings.json").read_text(encoding="utf-8"))
    assert doc["changes"]["baseline"]["verified"] is False
    assert any("manifest" in r.getMessage() for r in caplog.records)


@pytest.mark.parametrize("content", [None, "not json", '{"scan": {}}', '{"findings": [{"id": 1}]}'])
def test_bad_baseline_is_a_usage_error(tmp_path: Path, content: str | None) -> None:
    old = tmp_path / "old"
    old.mkdir()
    if content is not None:
        (old / "findings.json").write_text(content, encoding="utf-8")
    with pytest.raises(UsageError) as err:
        scan(save_inventory(tmp_path / "i.json", {"t": True}), tmp_path / "out", baseline=old)
    assert "\n" not in str(err.value)
    assert not (tmp_path / "out" / "findings.json").exists()  # checked before the scan


def test_fail_on_new_needs_a_baseline(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="--baseline"):
        scan(save_inventory(tmp_path / "i.json", {"t": True}), tmp_path / "out", fail_on_new=True)


def test_suppressed_new_failure_is_marked_new_but_does_not_fail(tmp_path: Path) -> None:
    from datetime import date

    from scanner.core.suppressions import SuppressionRule

    scan(save_inventory(tmp_path / "a.json", {"ok": True}), tmp_path / "old")
    entry = SuppressionRule(check="CloudTrail.4", reason="r", owner="o", expires=date(2099, 1, 1))
    outcome = scan(
        save_inventory(tmp_path / "b.json", {"ok": True, "new": False}),
        tmp_path / "new",
        baseline=tmp_path / "old",
        fail_on_new=True,
        suppressions=(entry,),
    )
    assert outcome.exit_code == 0
    doc = json.loads((tmp_path / "new" / "findings.json").read_text(encoding="utf-8"))
    assert _changes(doc) == {"new": "new"}
