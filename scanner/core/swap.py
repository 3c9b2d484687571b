"""Directory switch: a complete staged directory replaces the output directory as one step.

The output directory `D` is replaced as a whole, never file by file:

1. `D`'s files are written into a staging directory `.D.trailwatch-staging-XXXX` beside it (same
   parent, so same filesystem), fsynced. The staging directory is `flock`ed while its writer
   lives, so another run can tell a live staging directory from one left by a killed run.
2. The switch: on Linux one `renameat2(RENAME_EXCHANGE)` swaps the two directories atomically
   (`D` holds the old set, then the new set; never anything else). Where the filesystem cannot
   exchange, two renames: `D` -> `.D.trailwatch-previous`, staging -> `D`. Between them `D` is
   absent and the previous set is complete under `.D.trailwatch-previous`; the next run (and
   `recover`) renames it back. SIGINT and SIGTERM are held during the switch.
3. The old set (now under the staging name) is removed.

A crash (SIGKILL, power) before 2 leaves `D` untouched and a staging directory, which the next run
removes; after 2, `D` holds the new set and a leftover holds the old one, which the next run
removes.
"""

from __future__ import annotations

import contextlib
import ctypes
import errno
import fcntl
import logging
import os
import shutil
import signal
from collections.abc import Iterator
from pathlib import Path

log = logging.getLogger(__name__)

STAGING_TAG = ".trailwatch-staging-"
PREVIOUS_TAG = ".trailwatch-previous"
_AT_FDCWD = -100
_RENAME_EXCHANGE = 2
_HELD_SIGNALS = {signal.SIGINT, signal.SIGTERM}


def staging_prefix(target: Path) -> str:
    return f".{target.name}{STAGING_TAG}"


def previous_path(target: Path) -> Path:
    return target.parent / f".{target.name}{PREVIOUS_TAG}"


def fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


@contextlib.contextmanager
def signals_held() -> Iterator[None]:
    """SIGINT/SIGTERM arrive after the block, never inside it (main thread only)."""
    try:
        old = signal.pthread_sigmask(signal.SIG_BLOCK, _HELD_SIGNALS)
    except (ValueError, OSError, AttributeError):  # not the main thread / no sigmask
        yield
        return
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, old)


@contextlib.contextmanager
def parent_lock(parent: Path) -> Iterator[None]:
    """An exclusive flock on the parent directory: one switch or recovery at a time."""
    fd = os.open(parent, os.O_RDONLY | os.O_DIRECTORY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)


def _exchange(a: Path, b: Path) -> bool:
    """Swap two directory entries atomically; False when this system or filesystem cannot."""
    func = getattr(ctypes.CDLL(None, use_errno=True), "renameat2", None)
    if func is None:
        return False
    rc = func(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE)
    if rc == 0:
        return True
    err = ctypes.get_errno()
    if err in (errno.ENOSYS, errno.EINVAL, errno.ENOTSUP, errno.EOPNOTSUPP):
        return False
    raise OSError(err, os.strerror(err), str(a))


def switch_in(staging: Path, target: Path) -> None:
    """Make `staging`'s content appear at `target` in one step; `staging` then holds the old set.

    When `target` did not exist, `staging` no longer exists afterwards.
    """
    with signals_held(), parent_lock(target.parent):
        if not target.exists():
            os.rename(staging, target)
        elif not _exchange(staging, target):
            previous = previous_path(target)
            os.rename(target, previous)
            try:
                os.rename(staging, target)
            except OSError:
                os.rename(previous, target)
                raise
            os.rename(previous, staging)
        fsync_dir(target.parent)


def _is_live(path: Path) -> bool:
    """A staging directory whose writer still runs (it holds the directory's flock)."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW)
    except OSError:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        return True
    finally:
        os.close(fd)
    return False


def recover(target: Path) -> list[str]:
    """Finish or undo what a killed run left beside `target`; one line per action taken."""
    parent = target.parent
    if not parent.is_dir():
        return []
    done: list[str] = []
    with signals_held(), parent_lock(parent):
        previous = previous_path(target)
        if previous.is_dir() and not previous.is_symlink():
            if not os.path.lexists(target):
                os.rename(previous, target)
                done.append(f"restored the previous report set at {target}")
            else:
                shutil.rmtree(previous)
                done.append(f"removed {previous.name}, the report set an interrupted run replaced")
        prefix = staging_prefix(target)
        for entry in sorted(parent.iterdir()):
            if not entry.name.startswith(prefix) or entry.is_symlink() or not entry.is_dir():
                continue
            if _is_live(entry):
                continue
            shutil.rmtree(entry, ignore_errors=True)
            done.append(f"removed {entry.name}, left by an interrupted run")
    return done
