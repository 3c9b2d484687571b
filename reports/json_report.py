"""findings.json: scan metadata, summary and every finding, in one JSON document."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from pydantic import field_validator

from reports.diff import Change, ChangeSet
from reports.summary import ReportExtras, ScanMeta, ScanSummary
from scanner.core.atomic import write_json_lines_atomic
from scanner.core.compact_json import encode, plain_floats
from scanner.core.findings import Finding
from scanner.core.logsource_inventory import LOG_SOURCES_SCHEMA_VERSION, LogSourceInventory
from scanner.core.model import Frozen
from scanner.core.suppressions import SuppressionReport

log = logging.getLogger("trailwatch")

#: Per-finding key (with --baseline) that says how the finding changed since the baseline.
CHANGE_KEY = "change"


class JsonReport(Frozen):
    """The findings.json document, readable back for diffs and re-rendering."""

    scan: ScanMeta
    changes: ChangeSet | None = None
    summary: ScanSummary
    suppressions: SuppressionReport | None = None
    log_sources: LogSourceInventory | None = None
    findings: tuple[Finding, ...] = ()

    @field_validator("log_sources", mode="before")
    @classmethod
    def _known_log_sources(cls, value: Any) -> Any:
        """A `log_sources` section of another schema version (a newer trailwatch's) is left out,
        with a warning: the findings stay readable."""
        if isinstance(value, dict) and value.get("schema_version") != LOG_SOURCES_SCHEMA_VERSION:
            log.warning(
                "warning: findings.json log_sources section has schema_version %r; this "
                "trailwatch reads version %d: the section is left out",
                value.get("schema_version"),
                LOG_SOURCES_SCHEMA_VERSION,
            )
            return None
        return value


def _sections(meta: ScanMeta, summary: ScanSummary, extras: ReportExtras | None) -> dict[str, Any]:
    """Everything but the findings, in document order: changes come right after the scan."""
    return dict(_section_items(meta, summary, extras))


def _section_items(
    meta: ScanMeta, summary: ScanSummary, extras: ReportExtras | None
) -> Iterator[tuple[str, Any]]:
    """_sections one at a time (each section's JSON value made when it is reached)."""
    yield "scan", meta.model_dump(mode="json")
    if extras and extras.changes:
        yield "changes", extras.changes.model_dump(mode="json")
    yield "summary", summary.model_dump(mode="json")
    if extras and extras.suppressions:
        yield "suppressions", extras.suppressions.model_dump(mode="json")
    if extras and extras.log_sources:
        yield "log_sources", extras.log_sources.model_dump(mode="json")


#: Characters of the sections gathered before they are written (iterencode gives each token).
_HEAD_CHUNK = 1 << 16


def _head(meta: ScanMeta, summary: ScanSummary, extras: ReportExtras | None) -> Iterator[str]:
    """The document up to the findings array, in pieces: each section is encoded as it is
    reached (the same text as json.dumps with indent=1), never the whole head at once."""
    encoder = json.JSONEncoder(ensure_ascii=False, indent=1, allow_nan=False)
    pending = ["{\n"]
    size = 0
    for key, value in _section_items(meta, summary, extras):
        pending.append(f"{json.dumps(key)}: ")
        for token in encoder.iterencode(value):
            pending.append(token)
            size += len(token)
            if size >= _HEAD_CHUNK:
                yield "".join(pending)
                pending, size = [], 0
        pending.append(",\n")
    pending.append('"findings": ')
    yield "".join(pending)


#: Per-account metadata kept once in `scan.accounts`, not repeated in every finding.
PER_ACCOUNT = frozenset({"account_tags"})
_EXCLUDED = set(PER_ACCOUNT)


def _finding(f: Finding, marks: dict[str, Change] | None) -> dict[str, Any]:
    doc: dict[str, Any] = f.model_dump(mode="json", fallback=repr, exclude=set(PER_ACCOUNT))
    if marks is not None:
        doc[CHANGE_KEY] = marks.get(f.id, Change.UNCHANGED).value
    return doc


def _finding_line(f: Finding, marks: dict[str, Change] | None) -> str:
    """`_finding`'s compact JSON text, made by pydantic-core's serializer (its model's own JSON
    mode) where that gives the same bytes (scanner.core.compact_json): only the evidence can hold
    floats. Anything else goes the json module's way."""
    if plain_floats(f.evidence):
        try:
            data = f.__pydantic_serializer__.to_json(f, exclude=_EXCLUDED, fallback=repr)
        except Exception:  # the json module's path gives its own text or error
            data = b""
        if data:
            text = data.decode("utf-8")
            if marks is None:
                return text
            change = encode(marks.get(f.id, Change.UNCHANGED).value)
            return f'{text[:-1]},"{CHANGE_KEY}":{change}}}'
    return encode(_finding(f, marks))


def to_json_document(
    findings: Sequence[Finding],
    meta: ScanMeta,
    summary: ScanSummary,
    extras: ReportExtras | None = None,
) -> dict[str, Any]:
    """The plain JSON value of the report (strings, numbers, lists, dicts only)."""
    marks = extras.changes.marks() if extras and extras.changes else None
    doc = _sections(meta, summary, extras)
    doc["findings"] = [_finding(f, marks) for f in findings]
    return doc


def write_json(
    path: Path,
    findings: Sequence[Finding],
    meta: ScanMeta,
    summary: ScanSummary,
    extras: ReportExtras | None = None,
) -> Path:
    """Write findings.json atomically; returns `path`."""

    # Streamed: the sections as they are encoded, then the findings one at a time (memory
    # stays flat at 20,000+ findings and 10,000+ log sources).
    marks = extras.changes.marks() if extras and extras.changes else None
    write_json_lines_atomic(
        path,
        (_finding_line(f, marks) for f in findings),
        head=_head(meta, summary, extras),
        tail="\n}",
    )
    return path


def read_json(path: Path) -> JsonReport:
    """Load a findings.json written by `write_json` (per-finding change marks are dropped; each
    finding gets its account's tags back from `scan.accounts`)."""
    text = path.read_text(encoding="utf-8")
    if f'"{CHANGE_KEY}":' not in text:  # no --baseline: parsed straight into the models
        return _with_account_tags(JsonReport.model_validate_json(text))
    doc = json.loads(text)
    del text
    if isinstance(doc, dict) and isinstance(doc.get("findings"), list):
        for item in doc["findings"]:
            if isinstance(item, dict):
                item.pop(CHANGE_KEY, None)
    return _with_account_tags(JsonReport.model_validate(doc))


def _with_account_tags(report: JsonReport) -> JsonReport:
    tags = {a.account_id: a.tags for a in report.scan.accounts if a.tags}
    if not tags:
        return report
    findings = tuple(
        f.model_copy(update={"account_tags": tags[f.account_id]})
        if f.account_id in tags and not f.account_tags
        else f
        for f in report.findings
    )
    return report.model_copy(update={"findings": findings})
