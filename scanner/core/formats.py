"""Report formats and their file names (shared by the CLI and the writers, import-light)."""

from __future__ import annotations

FILENAMES: dict[str, str] = {
    "json": "findings.json",
    "asff": "findings.asff.json",
    "ocsf": "findings.ocsf.json",
    "html": "report.html",
    "junit": "findings.junit.xml",
    "csv": "findings.csv",
    "pdf": "report.pdf",
}
FORMATS: tuple[str, ...] = tuple(FILENAMES)
DEFAULT_FORMATS: tuple[str, ...] = ("json", "asff", "html")
