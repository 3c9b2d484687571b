"""The scan use case step by step (hand-built inventories, no AWS); it prints nothing."""

from __future__ import annotations

import json
import logging
from datetime import date, timedelta
from pathlib import Path

import pytest

from reports.reportset import ReportSet
from scanner.app.scan import (
    EXIT_OUTPUT_FAILED,
    ScanOutcome,
    ScanRequest,
    collect_or_load,
    deliver,
    evaluate_checks,
    plan_scan,
    run_scan,
    save_inventory_in_set,
    suppress_and_compare,
)
from scanner.aws.collection import ScanOptions
from scanner.core.datasets.cloudtrail import TRAIL_SELECTORS, TRAIL_STATUS, TRAILS
from scanner.core.errors import UsageError
from scanner.core.inventory import Inventory
from scanner.core.model import Status
from scanner.core.reporter import SILENT, Reporter
from scanner.core.shard import SHARD_INVENTORY, Shard
from scanner.core.suppressions import SuppressionRule
from scanner.publish.hub_import import import_sessions
from scanner.publish.securityhub import IMPORT_WRITE
from scanner.realtime.watch import Watcher, WatchOptions, run_watch
from tests.builders import MGMT, InventoryBuilder


def _inventory() -> Inventory:
    builder = InventoryBuilder(regions=("us-east-1",))
    builder.account(MGMT).put(TRAILS, []).put(TRAIL_STATUS, {}).put(TRAIL_SELECTORS, {})
    return builder.build()


def _request(tmp_path: Path, **extra: object) -> ScanRequest:
    fields: dict[str, object] = {
        "options": ScanOptions(),
        "checks": ("CloudTrail.1",),
        "output_dir": tmp_path / "out",
        "formats": ("json",),
        **extra,
    }
    return ScanRequest(**fields)  # type: ignore[arg-type]


class Lines:
    def __init__(self) -> None:
        self.progress: list[str] = []
        self.result: list[str] = []

    def reporter(self) -> Reporter:
        return Reporter(progress=self.progress.append, result=self.result.append)


def test_plan_refuses_bad_options_before_any_aws_call(tmp_path: Path) -> None:
    report_set = ReportSet(tmp_path / "out")
    with pytest.raises(UsageError):
        plan_scan(_request(tmp_path, fail_on_new=True), report_set)
    with pytest.raises(UsageError):
        plan_scan(_request(tmp_path, frameworks=("no-such-framework",)), report_set)
    with pytest.raises(UsageError):
        plan_scan(_request(tmp_path, save_inventory=tmp_path), report_set)
    with pytest.raises(UsageError):
        plan_scan(_request(tmp_path, checks=("NoSuch.1",)), report_set)
    with pytest.raises(UsageError):  # nothing to resume: no collection
        plan_scan(_request(tmp_path, resume=True, from_inventory=tmp_path / "i.json"), report_set)
    inside = plan_scan(_request(tmp_path, save_inventory=tmp_path / "out" / "inv.json"), report_set)
    outside = plan_scan(_request(tmp_path, save_inventory=tmp_path / "inv.json"), report_set)
    assert inside.inventory_in_set and not outside.inventory_in_set
    assert [c.control_id for c in inside.checks] == ["CloudTrail.1"]
    assert inside.import_sessions is None  # no --securityhub: no session may write


def test_only_the_security_hub_import_gets_sessions_that_may_write(tmp_path: Path) -> None:
    plan = plan_scan(_request(tmp_path, securityhub=True), ReportSet(tmp_path / "out"))
    assert plan.import_sessions is not None
    assert IMPORT_WRITE in plan.import_sessions.settings.allow_writes
    assert import_sessions(ScanOptions(), dry_run=True).settings.allow_writes == frozenset()
    watcher = Watcher(WatchOptions(securityhub=True))
    assert watcher.sessions.settings.allow_writes == frozenset()  # collection: read-only
    assert IMPORT_WRITE in watcher.import_sessions.settings.allow_writes
    assert watcher.import_sessions is not watcher.sessions
    dry = Watcher(WatchOptions(securityhub=True, dry_run=True))
    assert dry.import_sessions is dry.sessions  # a dry run only reads
    assert watcher.api_calls == 0 and dry.api_calls == 0


def test_collect_or_load_takes_the_inventory_in_memory_or_on_disk(tmp_path: Path) -> None:
    inventory = _inventory()
    same, calls = collect_or_load(_request(tmp_path, inventory=inventory), [])
    assert same is inventory and calls is None
    saved = tmp_path / "inventory.json"
    inventory.save(saved)
    lines = Lines()
    loaded, calls = collect_or_load(_request(tmp_path, from_inventory=saved), [], lines.reporter())
    assert loaded == inventory and calls is None
    assert len(lines.progress) == 1 and not lines.result


def test_inventory_files_of_the_set_are_written_into_staging(tmp_path: Path) -> None:
    staging = tmp_path / "staging"
    staging.mkdir()
    report_set = ReportSet(tmp_path / "out")
    shard = ScanOptions(org=True, shard=Shard(index=1, count=2))
    request = _request(tmp_path, options=shard, save_inventory=tmp_path / "out" / "inv.json")
    plan = plan_scan(request, report_set)
    paths = save_inventory_in_set(request, plan, _inventory(), staging)
    assert paths == [staging / SHARD_INVENTORY, staging / "inv.json"]
    assert all(Inventory.load(p) == _inventory() for p in paths)
    plain = _request(tmp_path)
    assert save_inventory_in_set(plain, plan_scan(plain, report_set), _inventory(), staging) == []


def test_evaluate_then_suppress_and_compare(tmp_path: Path) -> None:
    rule = SuppressionRule(
        check="CloudTrail.1",
        reason="accepted",
        owner="owner@example.com",
        expires=date.today() + timedelta(days=30),
    )
    request = _request(tmp_path, suppressions=(rule,))
    plan = plan_scan(request, ReportSet(tmp_path / "out"))
    findings, meta = evaluate_checks(request, plan, _inventory())
    assert [f.status for f in findings] == [Status.FAIL]  # no trail at all
    assert list(meta.check_ids) == [c.id for c in plan.checks]
    suppressed, extras = suppress_and_compare(plan, findings, meta)
    assert [f.status for f in suppressed] == [Status.SUPPRESSED]
    assert [f.verdict for f in suppressed] == [Status.FAIL]
    assert extras.suppressions is not None and extras.changes is None


def test_run_scan_prints_nothing_and_reports_through_the_reporter(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    saved = tmp_path / "inventory.json"
    _inventory().save(saved)
    silent = run_scan(_request(tmp_path, from_inventory=saved), SILENT)
    assert silent.exit_code == 1 and (tmp_path / "out" / "findings.json").is_file()
    lines = Lines()
    outcome = run_scan(_request(tmp_path, from_inventory=saved), lines.reporter())
    assert capsys.readouterr().out == ""
    assert outcome.exit_code == 1
    assert f"manifest sha256 {outcome.manifest_sha256}" in lines.result
    assert [f"wrote {p}" for p in outcome.paths] == [
        line for line in lines.result if line.startswith("wrote ")
    ]
    assert lines.progress  # the saved inventory is announced


def test_an_inventory_that_cannot_be_saved_elsewhere_is_exit_2_after_the_reports(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "a-file").write_text("not a directory")
    request = _request(tmp_path, save_inventory=tmp_path / "a-file" / "inv.json")
    plan = plan_scan(request, ReportSet(tmp_path / "out"))
    outcome = ScanOutcome(findings=[], exit_code=1, inventory=_inventory())
    with caplog.at_level(logging.ERROR, logger="trailwatch"):
        delivered = deliver(request, plan, outcome)
    assert delivered.exit_code == EXIT_OUTPUT_FAILED
    assert any(r.levelno == logging.ERROR for r in caplog.records)
    assert capsys.readouterr().out == ""
    fine = _request(tmp_path, save_inventory=tmp_path / "inv.json")
    outcome = ScanOutcome(findings=[], exit_code=1, inventory=_inventory())
    kept = deliver(fine, plan_scan(fine, ReportSet(tmp_path / "out")), outcome)
    assert kept.exit_code == 1 and Inventory.load(tmp_path / "inv.json") == _inventory()


def test_run_watch_prints_nothing_and_reports_each_event(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    events = tmp_path / "events.jsonl"
    irrelevant = {
        "detail-type": "AWS API Call via CloudTrail",
        "account": MGMT,
        "region": "us-east-1",
        "detail": {"eventSource": "ec2.amazonaws.com", "eventName": "RunInstances"},
    }
    events.write_text(json.dumps(irrelevant) + "\n{not json\n")
    assert run_watch(events, WatchOptions(securityhub=True)) == 2  # the malformed line
    lines = Lines()
    assert run_watch(events, WatchOptions(), reporter=lines.reporter()) == 2
    assert capsys.readouterr().out == ""
    assert len(lines.result) == 3  # one line per event, then the total
