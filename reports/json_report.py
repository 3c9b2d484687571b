"""findings.json: scan metadata, summary and every finding, in one JSON document."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from reports.summary import ScanMeta, ScanSummary
from scanner.atomic import write_json_array_atomic
from scanner.findings import Finding
from scanner.model import Frozen


class JsonReport(Frozen):
    """The findings.json document, readable back for diffs and re-rendering."""

    scan: ScanMeta
    summary: ScanSummary
    findings: tuple[Finding, ...] = ()


def to_json_document(
    findings: Sequence[Finding], meta: ScanMeta, summary: ScanSummary
) -> dict[str, Any]:
    """The plain JSON value of the report (strings, numbers, lists, dicts only)."""
    return {
        "scan": meta.model_dump(mode="json"),
        "summary": summary.model_dump(mode="json"),
        "findings": [f.model_dump(mode="json", fallback=repr) for f in findings],
    }


def write_json(
    path: Path, findings: Sequence[Finding], meta: ScanMeta, summary: ScanSummary
) -> Path:
    """Write findings.json atomically; returns `path`."""

    # Streamed: the findings are serialised one at a time (memory stays flat at 20,000+).
    def dumps(value: Any) -> str:
        return json.dumps(value, ensure_ascii=False, indent=1, allow_nan=False)

    head = (
        f'{{\n"scan": {dumps(meta.model_dump(mode="json"))},\n'
        f'"summary": {dumps(summary.model_dump(mode="json"))},\n"findings": '
    )
    write_json_array_atomic(
        path, (f.model_dump(mode="json", fallback=repr) for f in findings), head=head, tail="\n}"
    )
    return path


def read_json(path: Path) -> JsonReport:
    """Load a findings.json written by `write_json`."""
    return JsonReport.model_validate_json(path.read_text(encoding="utf-8"))
