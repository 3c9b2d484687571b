"""A killed scan resumes from per-account checkpoints; worker processes collect like threads."""

from __future__ import annotations

import multiprocessing
import os
import shutil
import signal
from pathlib import Path

import pytest

from scanner.app.scan import ScanOutcome, ScanRequest, run_scan
from scanner.aws import processes
from scanner.aws.collection import ScanOptions
from scanner.aws.session import ClientSettings, Sessions
from scanner.core.checkpoint import CheckpointStore, checkpoint_dir
from scanner.core.errors import Interrupted, OutputError
from scanner.core.findings import Finding
from scanner.core.model import Status
from scanner.core.packed import PackedJson
from scanner.core.progress import CollectionTick
from scanner.core.reporter import Reporter
from scanner.demo.world import REGIONS
from tests.integration.conftest import Demo


def _request(demo: Demo, out: Path, *, resume: bool = False, procs: int = 1) -> ScanRequest:
    return ScanRequest(
        options=ScanOptions(org=True, regions=REGIONS, endpoint_url=demo.endpoint, processes=procs),
        output_dir=out,
        formats=("json",),
        resume=resume,
    )


def _sessions(demo: Demo) -> Sessions:
    return Sessions(None, ClientSettings(endpoint_url=demo.endpoint, max_attempts=8))


def _verdicts(findings: tuple[Finding, ...] | list[Finding]) -> dict[str, tuple[object, ...]]:
    return {f.id: (f.status, f.reason, f.resource, f.account_name) for f in findings}


def _accounts_called(sessions: Sessions) -> set[str]:
    return {account for (account, _r, _s, _op) in sessions.calls.calls}


class _KillAfter:
    """A progress sink that stops the scan like Ctrl-C once `n` accounts are collected."""

    def __init__(self, n: int) -> None:
        self.n = n

    def __call__(self, tick: CollectionTick) -> None:
        if tick.done >= self.n:
            raise KeyboardInterrupt


def test_killed_scan_resumes_to_the_findings_of_an_uninterrupted_scan(
    demo: Demo, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    accounts = {f.account_id for f in demo.baseline}
    assert len(accounts) >= 3
    with pytest.raises(Interrupted):
        run_scan(_request(demo, out), Reporter(tick=_KillAfter(2)), _sessions(demo))
    kept = {p.stem for p in checkpoint_dir(out).glob("*.json")}
    assert 2 <= len(kept) < len(accounts)
    assert not (out / "findings.json").exists()  # nothing published by the killed scan

    sessions = _sessions(demo)
    resumed = run_scan(_request(demo, out, resume=True), sessions=sessions)

    assert _verdicts(resumed.findings) == _verdicts(demo.baseline)
    called = _accounts_called(sessions)
    assert not (kept - {sessions.caller_account}) & called  # only what was missing
    assert (accounts - kept) <= called | {sessions.caller_account}
    assert not checkpoint_dir(out).exists()  # published: the checkpoints are gone


def test_resume_collects_again_a_checkpoint_it_cannot_trust(demo: Demo, tmp_path: Path) -> None:
    out = tmp_path / "out"
    with pytest.raises(Interrupted):
        run_scan(_request(demo, out), Reporter(tick=_KillAfter(2)), _sessions(demo))
    kept = sorted(checkpoint_dir(out).glob("*.json"))
    binary, foreign = kept[0], kept[1]
    binary.write_bytes(os.urandom(4096))
    text = foreign.read_text(encoding="utf-8")
    plan = text.split('"plan":"', 1)[1].split('"', 1)[0]
    foreign.write_text(text.replace(plan, "0" * len(plan)), encoding="utf-8")
    lines: list[str] = []
    sessions = _sessions(demo)

    resumed = run_scan(_request(demo, out, resume=True), Reporter(progress=lines.append), sessions)

    assert _verdicts(resumed.findings) == _verdicts(demo.baseline)
    called = _accounts_called(sessions)
    assert {binary.stem, foreign.stem} <= called | {sessions.caller_account}
    assert sum(1 for line in lines if line.startswith("checkpoint ")) == 2


def test_without_resume_old_checkpoints_are_not_used(demo: Demo, tmp_path: Path) -> None:
    out = tmp_path / "out"
    with pytest.raises(Interrupted):
        run_scan(_request(demo, out), Reporter(tick=_KillAfter(2)), _sessions(demo))
    kept = {p.stem for p in checkpoint_dir(out).glob("*.json")}
    sessions = _sessions(demo)
    run_scan(_request(demo, out), sessions=sessions)
    assert (kept - {sessions.caller_account}) <= _accounts_called(sessions)


def test_worker_processes_collect_what_threads_collect(
    demo: Demo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    sessions = _sessions(demo)
    ticks: list[CollectionTick] = []
    started: list[str] = []
    real_start = multiprocessing.context.SpawnProcess.start

    def start(self: multiprocessing.context.SpawnProcess) -> None:
        started.append(self.name)
        real_start(self)

    monkeypatch.setattr(multiprocessing.context.SpawnProcess, "start", start)
    outcome = run_scan(
        _request(demo, tmp_path / "out", procs=2), Reporter(tick=ticks.append), sessions
    )
    assert started == ["collect-0"]  # two collectors: this process and one worker
    assert _verdicts(outcome.findings) == _verdicts(demo.baseline)
    accounts = {f.account_id for f in demo.baseline}
    assert accounts <= _accounts_called(sessions) | {sessions.caller_account}
    assert sessions.calls.repeated == 0
    assert ticks[-1].done == ticks[-1].total == len(accounts)
    # every collection call is counted; the Organization's OU and tag lookups run alongside
    # collection, so the ones made before its last account are counted too
    collection = sessions.calls.total - 1 - _organization_calls(sessions)
    listing = sum(
        n
        for (_a, _r, svc, op), n in sessions.calls.calls.items()
        if svc == "organizations" and op in ("DescribeOrganization", "ListAccounts")
    )
    assert collection <= ticks[-1].calls <= sessions.calls.total - 1 - listing
    assert ticks[-1].batch_end
    assert _all_packed(outcome)


def _organization_calls(sessions: Sessions) -> int:
    return sum(
        n for (_a, _r, svc, _op), n in sessions.calls.calls.items() if svc == "organizations"
    )


def test_a_dead_worker_loses_its_accounts_as_errors_never_verdicts(
    demo: Demo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(processes, "BATCH", 1)
    # the scan process takes no account itself: the workers (started later) get them all
    monkeypatch.setattr(processes._Here, "_collect", lambda self: None)

    def kill_every_worker(tick: CollectionTick) -> None:
        for child in multiprocessing.active_children():
            if child.pid:
                os.kill(child.pid, signal.SIGKILL)

    outcome: ScanOutcome = run_scan(
        _request(demo, tmp_path / "out", procs=2),
        Reporter(tick=kill_every_worker),
        _sessions(demo),
    )
    lost = {
        a.account_id
        for a in outcome.inventory.accounts
        if a.access_error is not None and a.access_error.code == "CollectionProcessDied"
    }
    assert lost  # the kill came before the last account
    for finding in outcome.findings:
        if finding.account_id in lost:
            assert finding.status is Status.ERROR
    assert outcome.exit_code in (1, 3)


def test_a_stopped_scan_stops_its_workers_and_resumes_in_processes(
    demo: Demo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(processes, "BATCH", 1)
    out = tmp_path / "out"
    with pytest.raises(Interrupted):
        run_scan(_request(demo, out, procs=2), Reporter(tick=_KillAfter(1)), _sessions(demo))
    assert multiprocessing.active_children() == []  # no worker left behind
    kept = {p.stem for p in checkpoint_dir(out).glob("*.json")}
    assert kept

    sessions = _sessions(demo)
    resumed = run_scan(_request(demo, out, resume=True, procs=2), sessions=sessions)

    assert _verdicts(resumed.findings) == _verdicts(demo.baseline)
    assert not (kept - {sessions.caller_account}) & _accounts_called(sessions)


class _NoSemaphores:
    """A multiprocessing context of a system without POSIX semaphores (AWS Lambda)."""

    def Queue(self) -> object:
        raise OSError(38, "Function not implemented")


def test_without_worker_processes_the_scan_collects_in_its_own(
    demo: Demo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(multiprocessing, "get_context", lambda _m: _NoSemaphores())
    outcome = run_scan(_request(demo, tmp_path / "out", procs=2), sessions=_sessions(demo))
    assert _verdicts(outcome.findings) == _verdicts(demo.baseline)
    assert _all_packed(outcome)


def _all_packed(outcome: ScanOutcome) -> bool:
    """Every collected record's data is held compressed in the scan process (PackedJson)."""
    data = [r.data for a in outcome.inventory.accounts for r in a.records.values()]
    present = [d for d in data if d is not None]
    return bool(present) and all(isinstance(d, PackedJson) for d in present)


def test_ticks_count_accounts_calls_and_failed_datasets(demo: Demo, tmp_path: Path) -> None:
    sessions = _sessions(demo)
    ticks: list[CollectionTick] = []
    outcome = run_scan(_request(demo, tmp_path / "out"), Reporter(tick=ticks.append), sessions)
    accounts = outcome.inventory.accounts
    failed = sum(1 for a in accounts for r in a.records.values() if r.error is not None)
    failed += sum(1 for a in accounts if a.access_error is not None)
    assert [t.done for t in ticks] == list(range(1, len(accounts) + 1))
    assert {t.total for t in ticks} == {len(accounts)}
    assert ticks[-1].errors == failed
    # every collection call is counted; the Organization's OU and tag lookups run alongside
    # collection, so the ones made before its last account are counted too
    collection = sessions.calls.total - 1 - _organization_calls(sessions)
    listing = sum(
        n
        for (_a, _r, svc, op), n in sessions.calls.calls.items()
        if svc == "organizations" and op in ("DescribeOrganization", "ListAccounts")
    )
    assert collection <= ticks[-1].calls <= sessions.calls.total - 1 - listing
    assert ticks[-1].batch_end and ticks[-1].eta == 0


def test_a_checkpoint_this_process_cannot_write_stops_the_scan_with_one_line(
    demo: Demo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def full(self: CheckpointStore, account: object) -> Path:
        raise OSError(28, "No space left on device")

    # this process's own collector writes through this (spawned workers import their own)
    monkeypatch.setattr(CheckpointStore, "write", full)
    with pytest.raises(
        OutputError, match=r"cannot write the checkpoint of account .*No space left"
    ):
        run_scan(_request(demo, tmp_path / "out", procs=2), sessions=_sessions(demo))
    assert multiprocessing.active_children() == []  # its worker stopped with it


def test_a_checkpoint_a_worker_cannot_write_stops_the_scan_with_one_line(
    demo: Demo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def gone(self: processes._Here) -> None:
        # this process takes no account and removes the checkpoint directory before the
        # worker (still starting) writes its first account
        shutil.rmtree(self.store.directory)

    monkeypatch.setattr(processes._Here, "_collect", gone)
    with pytest.raises(OutputError, match=r"cannot write the checkpoint of account \d{12}: "):
        run_scan(_request(demo, tmp_path / "out", procs=2), sessions=_sessions(demo))
    assert multiprocessing.active_children() == []
