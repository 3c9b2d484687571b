"""findings.json: scan metadata, summary and every finding, in one JSON document."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from reports.summary import ScanMeta, ScanSummary
from scanner.atomic import write_text_atomic
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
    document = to_json_document(findings, meta, summary)
    text = json.dumps(document, ensure_ascii=False, indent=1, allow_nan=False)
    write_text_atomic(path, text + "\n")
    return path


def read_json(path: Path) -> JsonReport:
    """Load a findings.json written by `write_json`."""
    return JsonReport.model_validate_json(path.read_text(encoding="utf-8"))
