"""log-sources.csv: one row per log source and destination (and one per source that could not be
listed), with the same CSV conventions as findings.csv."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from pathlib import Path

from reports.csv_report import BOM, safe_cell
from scanner.core import atomic
from scanner.core.logsource_inventory import LogSourceEntry, LogSourceInventory, ResolvedDestination

LOG_SOURCES_CSV = "log-sources.csv"

COLUMNS: tuple[str, ...] = (
    "row",
    "account_id",
    "region",
    "kind",
    "source_id",
    "source_name",
    "logging",
    "log_types",
    "detail",
    "note",
    "destination_type",
    "destination",
    "destination_arn",
    "prefix",
    "destination_account",
    "destination_region",
    "exists",
    "retention",
    "retention_note",
    "encryption",
    "encryption_note",
    "in_log_archive",
    "log_archive_account",
    "log_archive_note",
)


def _yes_no(value: bool | None) -> str:
    return {True: "yes", False: "no", None: "unknown"}[value]


def _destination_cells(d: ResolvedDestination | None, archive: str) -> list[str]:
    if d is None:
        return ["none"] + [""] * 12 + [archive, ""]
    return [
        d.type.value,
        d.target,
        d.arn or "",
        d.prefix or "",
        d.account_id or "unknown",
        d.region or "",
        _yes_no(d.exists),
        d.retention.shown,
        d.retention.note,
        d.encryption.shown,
        d.encryption.note,
        _yes_no(d.in_log_archive),
        archive,
        d.log_archive_note or d.account_note,
    ]


def _source_rows(src: LogSourceEntry, archive: str) -> Iterator[list[str]]:
    head = [
        "source",
        src.account_id,
        src.region or "global",
        src.kind,
        src.id,
        src.name,
        src.logging_state,
        " ".join(src.log_types),
        src.detail,
        src.note,
    ]
    for dest in src.destinations or (None,):
        yield head + _destination_cells(dest, archive)


def log_source_rows(inventory: LogSourceInventory) -> Iterator[list[str]]:
    """Every row after the header: sources (one per destination), then the gaps, then the kinds
    this scan did not look for."""
    archive = inventory.log_archive.account_id or "unknown"
    for src in inventory.sources:
        yield from _source_rows(src, archive)
    for gap in inventory.gaps:
        why = "; ".join(e.describe() for e in gap.errors[:5])
        row = ["gap", gap.account_id, gap.region or "global", gap.kind, "", "", "unknown"]
        row += ["", f"sources not listed ({gap.extractor})", why]
        yield row + [""] * (len(COLUMNS) - len(row))
    for skipped in inventory.not_inventoried:
        row = ["not-inventoried", "", "", skipped.kind, "", "", "unknown", ""]
        row += [
            f"not looked for ({skipped.extractor})",
            "not collected: " + ", ".join(skipped.datasets),
        ]
        yield row + [""] * (len(COLUMNS) - len(row))


def write_log_sources_csv(path: Path, inventory: LogSourceInventory) -> Path:
    """Write log-sources.csv atomically; returns `path`."""
    with atomic.atomic_writer(path) as handle:
        handle.write(BOM)
        writer = csv.writer(handle, lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)
        writer.writerow(COLUMNS)
        for row in log_source_rows(inventory):
            writer.writerow([safe_cell(c) for c in row])
    return path
