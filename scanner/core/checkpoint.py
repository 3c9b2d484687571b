"""Per-account checkpoints of a collection, beside the output directory, for `--resume`.

Each account is written to `<parent>/.<output-dir-name>.trailwatch-checkpoints/<account>.json`
as soon as it is collected (temporary file, then rename: a killed scan leaves whole files or
none). A checkpoint carries the fingerprint of what the scan collects (tool version, caller,
partition, endpoint, role, regions, datasets, shard); `--resume` takes only the checkpoints of
the same fingerprint, each bounded in size and validated against the schema, and collects the
rest. A checkpoint that fails any check is reported and its account collected again, never
trusted. The directory is removed once the report set is published, and held by a lock while
a scan uses it, so two scans never share it.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import hashlib
import json
import os
import re
import shutil
import tempfile
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from scanner.core.errors import OutputError
from scanner.core.inventory import AccountInventory
from scanner.core.model import Frozen

FORMAT = 1
CHECKPOINT_TAG = ".trailwatch-checkpoints"
MAX_CHECKPOINT_BYTES = 256 * 1024 * 1024
"""An account's checkpoint larger than this is not read (a doctored or corrupted file)."""
_ACCOUNT_ID = re.compile(r"^\d{12}$")
_LOCK = ".lock"


def checkpoint_dir(output_dir: Path) -> Path:
    """Where the checkpoints of scans into `output_dir` live (beside it, never inside the set)."""
    return output_dir.parent / f".{output_dir.name}{CHECKPOINT_TAG}"


def fingerprint(parts: dict[str, Any]) -> str:
    """A digest of what decides a scan's collected data: checkpoints of another one never mix."""
    text = json.dumps(parts, sort_keys=True, default=str, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


class Checkpoint(Frozen):
    """One account's collection, as written to disk."""

    format: int
    plan: str
    written_at: datetime
    account: AccountInventory


class CheckpointStore:
    """The checkpoint directory of one output directory, locked while a scan uses it."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self._plan = ""
        self._lock_fd: int | None = None

    @classmethod
    def for_output(cls, output_dir: Path) -> CheckpointStore:
        return cls(checkpoint_dir(output_dir))

    # -- lifecycle ------------------------------------------------------------------------------

    def begin(
        self, plan: str, resume: bool, wanted: Iterable[str]
    ) -> tuple[dict[str, AccountInventory], list[str]]:
        """Lock the directory for this scan; with `resume`, the usable checkpoints of `wanted`
        accounts and a line per checkpoint that could not be used. Without it, old checkpoints
        are removed."""
        self._plan = plan
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            self._lock()
        except OSError as exc:
            raise OutputError(
                f"cannot use the checkpoint directory {self.directory}: {exc.strerror or exc}"
            ) from None
        for leftover in self.directory.glob(".*.tmp"):  # a write cut short by a killed scan
            with contextlib.suppress(OSError):
                leftover.unlink()
        if not resume:
            self._remove_checkpoints()
            return {}, []
        usable: dict[str, AccountInventory] = {}
        problems: list[str] = []
        for account_id in wanted:
            path = self.directory / f"{account_id}.json"
            if not path.exists() and not path.is_symlink():
                continue
            account, problem = self._read(path, account_id)
            if account is not None:
                usable[account_id] = account
            else:
                problems.append(f"checkpoint {path.name}: {problem}; collecting it again")
        return usable, problems

    def attach(self, plan: str) -> None:
        """Write and read for a scan whose parent process holds the lock (worker processes)."""
        self._plan = plan

    def write(self, account: AccountInventory) -> Path:
        """Write one account's checkpoint (temporary file, then rename)."""
        account_id = account.account_id
        if not _ACCOUNT_ID.match(account_id):
            raise ValueError(f"not an account id: {account_id!r}")
        record = Checkpoint(
            format=FORMAT, plan=self._plan, written_at=datetime.now(UTC), account=account
        )
        path = self.directory / f"{account_id}.json"
        fd, tmp = tempfile.mkstemp(prefix=f".{account_id}.", suffix=".tmp", dir=self.directory)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                handle.write(record.model_dump_json())
            os.replace(tmp, path)
        except BaseException:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(tmp)
            raise
        return path

    def read(self, account_id: str) -> AccountInventory:
        """A checkpoint this scan wrote (worker processes hand accounts over this way)."""
        account, problem = self._read(self.directory / f"{account_id}.json", account_id)
        if account is None:
            raise OutputError(f"checkpoint of account {account_id} unusable: {problem}")
        return account

    def clear(self) -> None:
        """The scan is published: its checkpoints are no longer needed."""
        self.close()
        shutil.rmtree(self.directory, ignore_errors=True)

    def close(self) -> None:
        if self._lock_fd is not None:
            os.close(self._lock_fd)
            self._lock_fd = None

    # -- internals ------------------------------------------------------------------------------

    def _lock(self) -> None:
        fd = os.open(self.directory / _LOCK, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as exc:
            os.close(fd)
            if exc.errno in (errno.EAGAIN, errno.EACCES):
                raise OutputError(
                    f"another trailwatch scan is using {self.directory} (same output directory)"
                ) from None
            raise
        self._lock_fd = fd

    def _remove_checkpoints(self) -> None:
        for path in self.directory.glob("*.json"):
            with contextlib.suppress(OSError):
                path.unlink()

    def _read(self, path: Path, account_id: str) -> tuple[AccountInventory | None, str]:
        try:
            if path.is_symlink() or not path.is_file():
                return None, "not a regular file"
            size = path.stat().st_size
            if size > MAX_CHECKPOINT_BYTES:
                return None, f"{size} bytes, over the {MAX_CHECKPOINT_BYTES} byte bound"
            data = path.read_bytes()
        except OSError as exc:
            return None, f"cannot read it: {exc.strerror or exc}"
        try:
            record = Checkpoint.model_validate_json(data)
        except ValidationError as exc:
            return None, f"not a checkpoint ({exc.error_count()} schema error(s))"
        if record.format != FORMAT:
            return None, f"format {record.format}, this version writes {FORMAT}"
        if record.plan != self._plan:
            return None, "written by a scan of other accounts, regions, checks or credentials"
        if record.account.account_id != account_id:
            return None, f"holds account {record.account.account_id}"
        return record.account.packed(), ""  # held compressed until a check reads it
