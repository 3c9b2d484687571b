"""The report set is replaced as a whole: SIGTERM, SIGKILL or a full disk while it is written
leave the previous set, which still verifies, and no temporary file; foreign files are never
touched; a failed --save-inventory is one line and exit 2 after the reports are written."""

from __future__ import annotations

import errno
import json
import multiprocessing
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from multiprocessing.sharedctypes import Synchronized
from pathlib import Path
from typing import IO, Any

import pytest

import scanner.core.atomic
import scanner.core.swap
from reports.manifest import MANIFEST, MANIFEST_SHA256, sha256_file
from scanner.app.cli import main
from scanner.core.swap import STAGING_TAG, previous_path, recover
from tests.reports.pipeline_helpers import save_inventory

ROOT = Path(__file__).resolve().parents[1]

# Runs `trailwatch` with report.html's writer stopped after it wrote into the staging directory:
# a deterministic window in the middle of the report write for the test to send a signal in.
SLOW_WRITER = """
import pathlib, sys, time
import reports.writers as writers
real = writers._EXTRAS_WRITERS["html"]
def slow(path, *args):
    written = real(path, *args)
    pathlib.Path(sys.argv[1]).write_text("ready")
    time.sleep(120)
    return written
writers._EXTRAS_WRITERS["html"] = slow
from scanner.app.cli import main
sys.exit(main(sys.argv[2:]))
"""


def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "AWS_ENDPOINT_URL"}
    env["PYTHONPATH"] = str(ROOT)
    return env


def _scan_args(inventory: Path, out: Path, *extra: str) -> list[str]:
    return [
        "scan",
        "--from-inventory",
        str(inventory),
        "--checks",
        "CloudTrail.4",
        "--output-dir",
        str(out),
        "--format",
        "json,asff,html,csv",
        *extra,
    ]


def _verify(out: Path, *extra: str) -> int:
    """`trailwatch verify OUT` (in this process: the command is the same)."""
    return main(["-q", "verify", str(out), *extra])


def _leftovers(out: Path) -> list[str]:
    """Staging or previous-set directories beside `out`, dotfiles inside it."""
    beside = [
        p.name
        for p in out.parent.iterdir()
        if p.name.startswith(f".{out.name}.") or STAGING_TAG in p.name
    ]
    inside = [p.name for p in out.iterdir() if p.name.startswith(".")] if out.is_dir() else []
    return beside + inside


@pytest.fixture
def previous(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, Path, str]:
    """(inventory, output directory holding a complete previous set, its manifest SHA-256)."""
    monkeypatch.chdir(tmp_path)
    inventory = save_inventory(tmp_path / "inv.json", {"good": True, "bad": False})
    out = tmp_path / "out"
    assert main(["-q", *_scan_args(inventory, out)]) == 1  # one FAILED finding
    return inventory, out, sha256_file(out / MANIFEST)


def _assert_previous_intact(out: Path, digest: str) -> None:
    assert _verify(out, "--expect", digest) == 0
    assert sha256_file(out / MANIFEST) == digest


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGKILL])
def test_a_signal_during_the_report_write_leaves_the_previous_set(
    previous: tuple[Path, Path, str], tmp_path: Path, signum: int
) -> None:
    inventory, out, digest = previous
    ready = tmp_path / "ready"
    proc = subprocess.Popen(
        [sys.executable, "-c", SLOW_WRITER, str(ready), "-q", *_scan_args(inventory, out)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=_env(),
        cwd=tmp_path,
    )
    deadline = time.monotonic() + 60
    while not ready.exists() and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.02)
    assert ready.exists(), proc.communicate()
    staged = [p for p in tmp_path.iterdir() if STAGING_TAG in p.name]
    assert len(staged) == 1 and (staged[0] / "report.html").is_file()  # mid-write, really
    proc.send_signal(signum)
    _, err = proc.communicate(timeout=60)

    _assert_previous_intact(out, digest)
    if signum == signal.SIGTERM:
        assert proc.returncode == 130
        lines = [line for line in err.splitlines() if line.strip()]
        assert len(lines) == 1 and str(out) in lines[0] and "previous" in lines[0]
        assert _leftovers(out) == []
    else:
        assert proc.returncode == -signal.SIGKILL
        assert _leftovers(out) != []  # nothing can clean up after SIGKILL ...
        assert main(["-q", *_scan_args(inventory, out)]) == 1  # ... the next run does
        assert _leftovers(out) == []
        assert _verify(out) == 0
        assert sha256_file(out / MANIFEST) != digest  # the new set replaced the old


class _FullDisk:
    """A writer handle that fails with ENOSPC once `left` characters were written in total (a
    count in shared memory: the report writers' worker process fills the same disk)."""

    def __init__(self, handle: IO[str], left: Synchronized[int]) -> None:
        self._handle, self._left = handle, left

    def write(self, text: str) -> int:
        with self._left.get_lock():
            self._left.value -= len(text)
            full = self._left.value < 0
        if full:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        return self._handle.write(text)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._handle, name)


def _set_size(out: Path) -> int:
    doc = json.loads((out / MANIFEST).read_text())
    return sum(int(e["size"]) for e in doc["files"])


@pytest.mark.parametrize("fraction", [0.0, 0.3, 0.7, 0.97])
def test_a_full_disk_during_the_report_write_leaves_the_previous_set(
    previous: tuple[Path, Path, str],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    fraction: float,
) -> None:
    inventory, out, digest = previous
    left: Synchronized[int] = multiprocessing.Value("q", int(_set_size(out) * fraction))
    real = scanner.core.atomic.atomic_writer

    @contextmanager
    def full_disk(path: Path, mode: str = "w") -> Iterator[Any]:
        with real(path, mode) as handle:
            yield _FullDisk(handle, left)

    monkeypatch.setattr(scanner.core.atomic, "atomic_writer", full_disk)
    capsys.readouterr()
    code = main(["-q", *_scan_args(inventory, out, "--save-inventory", str(out / "inv.json"))])
    err = [line for line in capsys.readouterr().err.splitlines() if line.strip()]
    assert code == 2
    assert len(err) == 1 and str(out) in err[0], err
    monkeypatch.undo()
    _assert_previous_intact(out, digest)
    assert _leftovers(out) == []


def test_an_inventory_that_cannot_be_saved_is_one_line_and_exit_2_after_the_reports(
    previous: tuple[Path, Path, str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    inventory, out, digest = previous
    blocker = tmp_path / "a-file"
    blocker.write_text("x")
    full = tmp_path / "full.json"
    real_save = scanner.core.inventory.Inventory.save

    def save(self: Any, path: Path) -> None:
        if Path(path) == full:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        real_save(self, path)

    monkeypatch.setattr(scanner.core.inventory.Inventory, "save", save)
    for target in (blocker / "inv.json", full):  # a bad path, then a full disk
        capsys.readouterr()
        code = main(["-q", *_scan_args(inventory, out, "--save-inventory", str(target))])
        captured = capsys.readouterr()
        err = [line for line in captured.err.splitlines() if line.strip()]
        assert code == 2
        assert len(err) == 1 and str(target) in err[0] and "Traceback" not in captured.err
        assert "manifest sha256" in captured.out  # the scan was not lost: its set is in place
        assert _verify(out) == 0
        assert sha256_file(out / MANIFEST) != digest
        assert not target.exists()


def test_an_inventory_saved_into_the_output_directory_is_part_of_the_set(
    previous: tuple[Path, Path, str], tmp_path: Path
) -> None:
    inventory, out, _ = previous
    link = tmp_path / "link"
    link.symlink_to(out)  # the same directory by another name
    assert main(["-q", *_scan_args(inventory, link, "--save-inventory", str(link / "inv.json"))])
    assert link.is_symlink() and (out / "inv.json").is_file()
    listed = {e["path"] for e in json.loads((out / MANIFEST).read_text())["files"]}
    assert "inv.json" in listed
    # the next set without it: the directory holds exactly one scan's files
    assert main(["-q", *_scan_args(inventory, out)]) == 1
    assert not (out / "inv.json").exists()
    assert _verify(out) == 0


@pytest.mark.parametrize("foreign", ["notes.txt", "sub/", "findings.csv@"])
def test_files_that_no_scan_wrote_are_never_replaced(
    previous: tuple[Path, Path, str],
    capsys: pytest.CaptureFixture[str],
    foreign: str,
) -> None:
    inventory, out, digest = previous
    if foreign.endswith("/"):
        (out / foreign).mkdir()
    elif foreign.endswith("@"):  # one of our names, but a symbolic link: not ours
        (out / foreign.rstrip("@")).unlink()
        (out / foreign.rstrip("@")).symlink_to(out / MANIFEST)
        foreign = foreign.rstrip("@")
    else:
        (out / foreign).write_text("mine")
    capsys.readouterr()
    code = main(["-q", *_scan_args(inventory, out)])
    err = [line for line in capsys.readouterr().err.splitlines() if line.strip()]
    assert code == 2 and len(err) == 1 and foreign.rstrip("/") in err[0]
    assert os.path.lexists(out / foreign)
    assert sha256_file(out / MANIFEST) == digest
    assert _leftovers(out) == []


def test_the_set_is_switched_by_two_renames_where_the_filesystem_cannot_exchange(
    previous: tuple[Path, Path, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    inventory, out, digest = previous
    monkeypatch.setattr(scanner.core.swap, "_exchange", lambda a, b: False)
    assert main(["-q", *_scan_args(inventory, out)]) == 1
    assert sha256_file(out / MANIFEST) != digest
    assert _verify(out) == 0
    assert _leftovers(out) == []


def test_a_run_killed_between_the_two_renames_is_recovered(
    previous: tuple[Path, Path, str],
) -> None:
    inventory, out, digest = previous
    # the state a SIGKILL leaves between `out -> .out.trailwatch-previous` and `staging -> out`
    staging = out.parent / f".{out.name}{STAGING_TAG}dead"
    staging.mkdir()
    (staging / "findings.json").write_text("{}")
    out.rename(previous_path(out))
    assert _verify(out) == 2  # no such directory: nothing half-way is verified
    assert len(recover(out)) == 2
    _assert_previous_intact(out, digest)
    assert _leftovers(out) == []
    # killed after both renames, before the old set was removed: the next run removes it
    previous_path(out).mkdir()
    assert main(["-q", *_scan_args(inventory, out)]) == 1
    assert _leftovers(out) == []


def test_the_manifest_sha256_is_printed_and_kept_beside_it(
    previous: tuple[Path, Path, str], capsys: pytest.CaptureFixture[str]
) -> None:
    inventory, out, _ = previous
    capsys.readouterr()
    main(["-q", *_scan_args(inventory, out)])
    stdout = capsys.readouterr().out
    digest = sha256_file(out / MANIFEST)
    assert f"manifest sha256 {digest}" in stdout
    assert (out / MANIFEST_SHA256).read_text() == f"{digest}  {MANIFEST}\n"
    html = (out / "report.html").read_text()
    assert sha256_file(out / "findings.json") in html  # the report names its findings.json


def test_a_live_staging_directory_is_never_removed(tmp_path: Path) -> None:
    from reports.reportset import ReportSet

    out = tmp_path / "out"
    with ReportSet(out) as live:
        assert recover(out) == []  # another run's recovery leaves it alone
        assert live.staging.is_dir()
    assert _leftovers(out) == [] and not out.exists()
