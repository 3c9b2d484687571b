"""Write the selected report formats into a directory (the staging directory of a report set)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import replace
from pathlib import Path

from reports.asff import write_asff
from reports.csv_report import write_compliance_csvs, write_csv
from reports.html import render_html, write_html
from reports.json_report import write_json
from reports.junit import write_junit
from reports.log_sources_csv import LOG_SOURCES_CSV, write_log_sources_csv
from reports.manifest import sha256_file
from reports.ocsf import write_ocsf
from reports.pdf import PdfError, write_pdf
from reports.reportset import ReportSet
from reports.summary import ReportExtras, ScanMeta, ScanSummary
from scanner.core.errors import OutputError, UsageError
from scanner.core.findings import Finding
from scanner.core.forked import run_beside
from scanner.core.formats import FILENAMES, FORMATS

Writer = Callable[[Path, Sequence[Finding], ScanMeta, ScanSummary], Path]
ExtrasWriter = Callable[[Path, Sequence[Finding], ScanMeta, ScanSummary, ReportExtras | None], Path]


def _asff(path: Path, findings: Sequence[Finding], meta: ScanMeta, _: ScanSummary) -> Path:
    return write_asff(path, findings, partition=meta.partition)


def _ocsf(path: Path, findings: Sequence[Finding], meta: ScanMeta, _: ScanSummary) -> Path:
    # Suppressed findings: compliance keeps the verdict, the finding's status_id is Suppressed.
    return write_ocsf(path, findings, partition=meta.partition)


def _pdf(
    path: Path,
    findings: Sequence[Finding],
    meta: ScanMeta,
    summary: ScanSummary,
    extras: ReportExtras | None = None,
) -> Path:
    return write_pdf(path, render_html(findings, meta, summary, extras=extras))


_WRITERS: dict[str, Writer] = {
    "json": write_json,
    "asff": _asff,
    "ocsf": _ocsf,
    "html": write_html,
    "junit": write_junit,
    "csv": write_csv,
}
#: Writers that also show ReportExtras (suppression outcomes, changes since a baseline).
_EXTRAS_WRITERS: dict[str, ExtrasWriter] = {
    "json": write_json,
    "html": write_html,
    "csv": write_csv,
    "pdf": _pdf,
}


#: Formats written in a worker process (scanner.core.forked) while this one writes the others:
#: none of them needs another's file (report.html and report.pdf show findings.json's SHA-256).
BESIDE = frozenset({"asff", "ocsf", "junit", "csv"})


def _reason(exc: OSError) -> str:
    return exc.strerror or type(exc).__name__


def ensure_writable(out_dir: Path) -> None:
    """Fail before a long run, not after it, when the output directory cannot take a report set."""

    with ReportSet(Path(out_dir)):
        pass


def write_reports(
    out_dir: Path,
    formats: Iterable[str],
    findings: Sequence[Finding],
    meta: ScanMeta,
    summary: ScanSummary,
    extras: ReportExtras | None = None,
    on_pdf_error: Callable[[PdfError], None] | None = None,
) -> list[Path]:
    """Write each format (in FORMATS order, duplicates ignored); returns the paths written.

    report.pdf comes last: when it cannot be printed, the other files are already written and
    `on_pdf_error` is told (without it, the PdfError is raised). log-sources.csv is written with
    every set whose extras hold the log-source inventory, whatever the formats.
    """
    wanted = list(dict.fromkeys(f.strip().lower() for f in formats))
    unknown = [f for f in wanted if f not in FORMATS]
    if unknown:
        raise UsageError(
            f"unknown report format {', '.join(unknown)} (expected one of: {', '.join(FORMATS)})"
        )
    out_dir = Path(out_dir)
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(f"cannot create output directory {out_dir}: {_reason(exc)}") from None
    if not out_dir.is_dir():
        raise OutputError(f"cannot create output directory {out_dir}: not a directory")
    written: list[Path] = []
    if extras is not None and extras.log_sources is not None:
        path = out_dir / LOG_SOURCES_CSV
        try:
            written.append(write_log_sources_csv(path, extras.log_sources))
        except OSError as exc:
            raise OutputError(f"cannot write {path}: {_reason(exc)}") from None
    here = [f for f in FORMATS if f in wanted and f not in BESIDE]
    beside = [f for f in FORMATS if f in wanted and f in BESIDE]
    done: dict[str, list[Path]] = {}
    pdf_errors: list[PdfError] = []  # raised once every other file is written

    def write(group: list[str]) -> dict[str, list[Path]]:
        told = on_pdf_error or pdf_errors.append
        return _write_formats(out_dir, group, findings, meta, summary, extras, told)

    if here and beside:  # the second core writes its formats meanwhile
        done.update(run_beside(lambda: write(beside), lambda: done.update(write(here))))
    else:
        done.update(write(here or beside))
    if pdf_errors:
        raise pdf_errors[0]
    for fmt in FORMATS:
        written.extend(done.get(fmt, ()))
    return written


def _write_formats(
    out_dir: Path,
    formats: list[str],
    findings: Sequence[Finding],
    meta: ScanMeta,
    summary: ScanSummary,
    extras: ReportExtras | None,
    on_pdf_error: Callable[[PdfError], None],
) -> dict[str, list[Path]]:
    """Write `formats` one after the other; the paths written for each."""
    written: dict[str, list[Path]] = {}
    for fmt in formats:
        path = out_dir / FILENAMES[fmt]
        try:
            with_extras = _EXTRAS_WRITERS.get(fmt)
            if with_extras is not None:
                written[fmt] = [with_extras(path, findings, meta, summary, extras)]
            else:
                written[fmt] = [_WRITERS[fmt](path, findings, meta, summary)]
            if fmt == "csv":  # and one compliance CSV per framework
                written[fmt].extend(write_compliance_csvs(out_dir, findings, summary))
            if fmt == "json":  # report.html shows the SHA-256 of the findings.json beside it
                extras = replace(extras or ReportExtras(), findings_sha256=sha256_file(path))
        except OSError as exc:
            raise OutputError(f"cannot write {path}: {_reason(exc)}") from None
        except PdfError as exc:
            on_pdf_error(exc)
    return written
