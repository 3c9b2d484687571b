"""One scan's output files as a set: staged beside the output directory, verified against the
manifest, then switched in whole (see scanner.core.swap for the switch and what a crash leaves)."""

from __future__ import annotations

import fcntl
import json
import logging
import os
import re
import shutil
import tempfile
from pathlib import Path
from types import TracebackType

from reports.log_sources_csv import LOG_SOURCES_CSV
from reports.manifest import COMPANIONS, MANIFEST, MAX_MANIFEST_BYTES, verify_manifest
from scanner.core.errors import OutputError, UsageError
from scanner.core.formats import FILENAMES
from scanner.core.shard import SHARD_INVENTORY
from scanner.core.swap import fsync_dir, recover, staging_prefix, switch_in

log = logging.getLogger("trailwatch")

#: Every name a scan may write into its output directory.
OWN_NAMES = frozenset(FILENAMES.values()) | COMPANIONS | {SHARD_INVENTORY, LOG_SOURCES_CSV}
#: Temporary files of the per-file atomic writes of earlier versions (`.findings.json.x1y2.tmp`).
_LEGACY_TMP = re.compile(r"\.(?P<name>.+)\.[A-Za-z0-9_]+\.tmp")


def _reason(exc: OSError) -> str:
    return exc.strerror or str(exc) or type(exc).__name__


def _listed_names(target: Path) -> set[str]:
    """Top-level names the existing manifest lists (e.g. an inventory saved into the set)."""
    manifest = target / MANIFEST
    try:
        if manifest.is_symlink() or manifest.stat().st_size > MAX_MANIFEST_BYTES:
            return set()
        doc = json.loads(manifest.read_text(encoding="utf-8"))
        return {
            str(e["path"])
            for e in doc["files"]
            if isinstance(e, dict) and isinstance(e.get("path"), str) and "/" not in e["path"]
        }
    except (OSError, ValueError, KeyError, TypeError):
        return set()


def foreign_entries(target: Path) -> list[str]:
    """Entries of `target` that no trailwatch scan wrote (they would be replaced with the set)."""
    if not target.is_dir():
        return []
    ours = OWN_NAMES | _listed_names(target)
    foreign: list[str] = []
    for entry in sorted(target.iterdir(), key=lambda p: p.name):
        legacy = _LEGACY_TMP.fullmatch(entry.name)
        name = legacy.group("name") if legacy else entry.name
        if entry.is_symlink() or not entry.is_file() or name not in ours:
            foreign.append(entry.name)
    return foreign


class ReportSet:
    """The staging directory of one scan's output set, and its switch into the output directory.

    `open()` (before the scan: it fails early) recovers what an interrupted run left, refuses an
    output directory holding files that are not a scan's, and creates the locked staging
    directory. Files are written into `staging`; `publish()` verifies them against the manifest
    written there and switches the set in. `discard()` removes the staging directory (always
    safe: before the switch it holds the unfinished set, after it the replaced one).
    """

    def __init__(self, target: Path) -> None:
        self.display = Path(target)
        self.target = Path(os.path.abspath(target))
        if self.target.is_symlink():
            self.target = self.target.resolve()  # the directory the link names is replaced
        self._staging: Path | None = None
        self._lock_fd: int | None = None
        self.published = False

    @property
    def staging(self) -> Path:
        if self._staging is None:
            raise RuntimeError("report set is not open")
        return self._staging

    def open(self) -> ReportSet:
        target = self.target
        if os.path.lexists(target) and not target.is_dir():
            raise OutputError(f"output directory {self.display} is not a directory")
        if target.is_dir() and os.path.ismount(target):
            raise OutputError(
                f"output directory {self.display} is a mount point: the report set replaces "
                "the directory as a whole, so give a directory below it"
            )
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            for line in recover(target):
                log.warning("warning: %s", line)
        except OSError as exc:
            raise OutputError(
                f"cannot use output directory {self.display}: {_reason(exc)}"
            ) from None
        foreign = foreign_entries(target)
        if foreign:
            shown = ", ".join(foreign[:5]) + (", ..." if len(foreign) > 5 else "")
            raise OutputError(
                f"output directory {self.display} holds {len(foreign)} entr"
                f"{'y' if len(foreign) == 1 else 'ies'} no scan wrote ({shown}); the report set "
                "replaces the whole directory, so use an empty or trailwatch-only directory"
            )
        try:
            staging = Path(tempfile.mkdtemp(prefix=staging_prefix(target), dir=target.parent))
            os.chmod(staging, 0o777 & ~_umask())  # mkdtemp makes 0700; reports are shared
            fd = os.open(staging, os.O_RDONLY | os.O_DIRECTORY)

            fcntl.flock(fd, fcntl.LOCK_EX)
        except OSError as exc:
            raise OutputError(
                f"cannot create a staging directory beside {self.display} "
                f"(its parent must be writable): {_reason(exc)}"
            ) from None
        self._staging, self._lock_fd = staging, fd
        return self

    def contains(self, path: Path) -> bool:
        """Does `path` name a file of the output directory (so it belongs to the set)?

        A path in a folder below the output directory, or one that names a report file, is a
        usage error.
        """
        resolved = Path(os.path.realpath(os.path.dirname(os.path.abspath(path)))) / Path(path).name
        if resolved.parent != self.target and self.target not in resolved.parents:
            return False
        if resolved.parent != self.target:
            raise UsageError(f"{path}: inside the output directory, only files directly in it")
        if resolved.name in OWN_NAMES - {SHARD_INVENTORY}:
            raise UsageError(f"{path}: a report file of this scan has that name")
        return True

    def final(self, path: Path) -> Path:
        """The published path of a file written into the staging directory."""
        return self.display / Path(path).relative_to(self.staging)

    def publish(self) -> None:
        """Verify the staged set against its manifest, then switch it in as a whole."""
        staging = self.staging
        problems, notes = verify_manifest(staging)
        if problems or notes:
            raise OutputError(
                f"the new report set does not match its manifest ({(problems + notes)[0]})"
            )
        try:
            fsync_dir(staging)
            switch_in(staging, self.target)
        except OSError as exc:
            raise OutputError(
                f"cannot switch the new report set into {self.display}: {_reason(exc)}"
            ) from None
        self.published = True
        self.discard()

    def discard(self) -> None:
        """Remove the staging directory (never the output directory) and release its lock."""
        if self._staging is not None and os.path.lexists(self._staging):
            shutil.rmtree(self._staging, ignore_errors=True)
        if self._lock_fd is not None:
            os.close(self._lock_fd)
            self._lock_fd = None

    def describe(self) -> str:
        """What the output directory holds now, for the last line a user sees."""
        if self.published:
            return f"new report at {self.display}"
        if (self.target / MANIFEST).is_file():
            return f"previous report kept at {self.display}"
        return f"no report written to {self.display}"

    def __enter__(self) -> ReportSet:
        return self if self._staging is not None else self.open()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.discard()


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask
