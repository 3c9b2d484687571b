"""Posture over time: each scan's summary appended to a SQLite history (stdlib sqlite3).

One row per scan id (a re-evaluation of the same inventory replaces its row): the counts by
status, failed findings by severity, each framework's score, the changes against the baseline
(new / resolved / regressed) when there was one, and the scope (accounts, regions, checks). The
summary is stored as JSON in `entry`; the main numbers are also columns, for plain SQL queries.
A file that is not such a history is refused (HistoryError, exit 2), never overwritten.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Sequence
from contextlib import closing
from datetime import datetime
from pathlib import Path

from pydantic import ValidationError

from reports.diff import Change, ChangeSet
from reports.summary import ScanMeta, ScanSummary
from scanner.core.errors import TrailwatchError
from scanner.core.model import Frozen, Status

HISTORY_FILE = "trailwatch-history.sqlite"
#: PRAGMA user_version of the schema below; a file with another (non-zero) version is refused.
SCHEMA_VERSION = 1
#: Scans shown in the report's trend (the current one included).
TREND_SCANS = 12
_TIMEOUT = 30.0
_SCHEMA = """
CREATE TABLE IF NOT EXISTS scans (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  scan_id TEXT NOT NULL UNIQUE,
  finished_at TEXT NOT NULL,
  accounts INTEGER NOT NULL,
  regions INTEGER NOT NULL,
  total INTEGER NOT NULL,
  failed INTEGER NOT NULL,
  errors INTEGER NOT NULL,
  warnings INTEGER NOT NULL,
  suppressed INTEGER NOT NULL,
  passed INTEGER NOT NULL,
  new INTEGER,
  resolved INTEGER,
  regressed INTEGER,
  entry TEXT NOT NULL
);
"""


class HistoryError(TrailwatchError):
    """The history file cannot be read or written, or is not a trailwatch history (exit 2)."""


class FrameworkScore(Frozen):
    key: str
    name: str
    percent: float | None = None
    passed: int = 0
    assessed: int = 0


class HistoryEntry(Frozen):
    """The summary of one scan, as the history keeps it."""

    scan_id: str
    started_at: datetime
    finished_at: datetime
    tool_version: str = ""
    complete: bool = True
    organization_id: str | None = None
    accounts: tuple[str, ...] = ()
    regions: tuple[str, ...] = ()
    checks: int = 0
    total: int = 0
    by_status: dict[str, int] = {}
    failed_by_severity: dict[str, int] = {}
    frameworks: tuple[FrameworkScore, ...] = ()
    baseline_scan_id: str | None = None
    new: int | None = None
    resolved: int | None = None
    regressed: int | None = None
    output_dir: str = ""

    def count(self, status: Status) -> int:
        return self.by_status.get(status.value, 0)

    @classmethod
    def of_scan(
        cls,
        meta: ScanMeta,
        summary: ScanSummary,
        changes: ChangeSet | None = None,
        output_dir: Path | None = None,
    ) -> HistoryEntry:
        counts = changes.counts if changes is not None else None
        return cls(
            scan_id=meta.scan_id,
            started_at=meta.started_at,
            finished_at=meta.finished_at,
            tool_version=meta.tool_version,
            complete=meta.complete,
            organization_id=meta.organization_id,
            accounts=tuple(a.account_id for a in meta.accounts),
            regions=meta.regions,
            checks=len(meta.check_ids),
            total=summary.total,
            by_status={s.value: summary.by_status.of(s) for s in Status},
            failed_by_severity={
                sev.value: c.FAIL for sev, c in summary.by_severity.items() if c.FAIL
            },
            frameworks=tuple(
                FrameworkScore(
                    key=fw.key,
                    name=fw.name,
                    percent=fw.percent,
                    passed=fw.passed,
                    assessed=fw.assessed,
                )
                for fw in summary.frameworks
            ),
            baseline_scan_id=(changes.baseline.scan_id or None) if changes else None,
            new=counts.get(Change.NEW, 0) if counts is not None else None,
            resolved=counts.get(Change.RESOLVED, 0) if counts is not None else None,
            regressed=counts.get(Change.REGRESSED, 0) if counts is not None else None,
            output_dir=str(output_dir) if output_dir is not None else "",
        )


def default_history_path(output_dir: Path) -> Path:
    """`<parent of the output dir>/trailwatch-history.sqlite`."""
    return Path(output_dir).resolve().parent / HISTORY_FILE


class History:
    """A history file: `entries()` to read, `append()` to add one scan."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)

    def _connect(self, create: bool) -> sqlite3.Connection:
        if not create and not self.path.is_file():
            raise HistoryError(f"history: no such file: {self.path}")
        if self.path.exists() and not self.path.is_file():
            raise HistoryError(f"history: {self.path} is not a file")
        try:
            if create:
                self.path.parent.mkdir(parents=True, exist_ok=True)
            conn = sqlite3.connect(self.path, timeout=_TIMEOUT)
            version = conn.execute("PRAGMA user_version").fetchone()[0]
            tables = {
                r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
            }
        except (sqlite3.Error, OSError) as exc:
            raise HistoryError(f"history: cannot read {self.path}: {exc}") from None
        known = tables - {"sqlite_sequence"}
        ours = version == SCHEMA_VERSION and known <= {"scans"}
        if not (ours or (version == 0 and not known)):
            conn.close()
            raise HistoryError(f"history: {self.path} is not a trailwatch history database")
        return conn

    def check(self) -> None:
        """Fail now (HistoryError) when the file exists and is not a readable history."""
        if self.path.exists():
            self.entries(limit=1)

    def entries(self, limit: int | None = None) -> list[HistoryEntry]:
        """The last `limit` scans (all when None), oldest first; [] when there is no file."""
        if not self.path.exists():
            return []
        with closing(self._connect(create=False)) as conn:
            try:
                sql = "SELECT entry FROM scans ORDER BY seq DESC"
                rows = conn.execute(
                    sql + (" LIMIT ?" if limit is not None else ""),
                    (limit,) if limit is not None else (),
                ).fetchall()
            except sqlite3.Error as exc:
                if "no such table" in str(exc):
                    return []
                raise HistoryError(f"history: cannot read {self.path}: {exc}") from None
        try:
            return [HistoryEntry.model_validate_json(r[0]) for r in reversed(rows)]
        except (ValidationError, TypeError) as exc:
            first = str(exc).splitlines()[0]
            raise HistoryError(f"history: {self.path}: unreadable entry: {first}") from None

    def append(self, entry: HistoryEntry) -> None:
        """Add (or, for a scan id already recorded, replace) one scan's summary."""
        with closing(self._connect(create=True)) as conn:
            try:
                with conn:
                    conn.executescript(_SCHEMA)
                    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
                    conn.execute("DELETE FROM scans WHERE scan_id = ?", (entry.scan_id,))
                    conn.execute(
                        "INSERT INTO scans (scan_id, finished_at, accounts, regions, total,"
                        " failed, errors, warnings, suppressed, passed, new, resolved,"
                        " regressed, entry) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                        (
                            entry.scan_id,
                            entry.finished_at.isoformat(),
                            len(entry.accounts),
                            len(entry.regions),
                            entry.total,
                            entry.count(Status.FAIL),
                            entry.count(Status.ERROR),
                            entry.count(Status.WARNING),
                            entry.count(Status.SUPPRESSED),
                            entry.count(Status.PASS),
                            entry.new,
                            entry.resolved,
                            entry.regressed,
                            entry.model_dump_json(),
                        ),
                    )
            except sqlite3.Error as exc:
                raise HistoryError(f"history: cannot write {self.path}: {exc}") from None


def as_json(entries: Sequence[HistoryEntry]) -> str:
    return json.dumps([e.model_dump(mode="json") for e in entries], indent=1)


def as_text(entries: Sequence[HistoryEntry]) -> str:
    """The trend as a table: one line per scan, oldest first."""
    keys: list[str] = []
    for e in entries:
        for fw in e.frameworks:
            if fw.key not in keys:
                keys.append(fw.key)
    head = f"{'FINISHED (UTC)':<20} {'SCAN ID':<26} {'ACCTS':>5} {'FAIL':>6} {'ERROR':>6} "
    head += f"{'PASS':>6} {'NEW':>5} {'RESOLV':>6} {'REGR':>5}"
    head += "".join(f" {k:>{max(len(k), 7)}}" for k in keys)
    lines = [head]
    for e in entries:

        def opt(v: int | None) -> str:
            return "-" if v is None else str(v)

        scores = {fw.key: fw.percent for fw in e.frameworks}
        line = (
            f"{e.finished_at:%Y-%m-%d %H:%M:%S}  {e.scan_id[:26]:<26} {len(e.accounts):>5} "
            f"{e.count(Status.FAIL):>6} {e.count(Status.ERROR):>6} {e.count(Status.PASS):>6} "
            f"{opt(e.new):>5} {opt(e.resolved):>6} {opt(e.regressed):>5}"
        )
        for k in keys:
            pct = scores.get(k)
            line += f" {'-' if pct is None else f'{pct:.1f}%':>{max(len(k), 7)}}"
        lines.append(line)
    return "\n".join(lines)
