"""report.pdf: report.html printed by headless Chromium (its print stylesheet, no network).

Chromium is a system package (Debian: `apt-get install chromium`), never installed by trailwatch.
It is found as $TRAILWATCH_CHROMIUM, else `chromium`, `chromium-browser`, `google-chrome` or
`google-chrome-stable` on PATH. The page is loaded from a private temporary directory with a
throw-away profile; the report's Content-Security-Policy already forbids every network request.

Why Chromium: it prints the very page the browser tests check (same layout, same script, same
print stylesheet), it is a maintained distribution package with security updates, and it needs
no Python dependency. WeasyPrint would add a second layout engine that runs no JavaScript (the
report's findings are drawn by its script) and needs Pango/cairo system libraries anyway.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from scanner.core.atomic import write_text_atomic
from scanner.core.errors import TrailwatchError

#: Exit code when the other reports were written but report.pdf could not be.
EXIT_PDF_FAILED = 6
CANDIDATES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
INSTALL_HINT = (
    "install Chromium (Debian/Ubuntu: `apt-get install chromium`) or set TRAILWATCH_CHROMIUM "
    "to a Chromium or Chrome executable"
)
#: Seconds Chromium may take to print one report (20,000 findings take a few seconds).
TIMEOUT = 300.0


class PdfError(TrailwatchError):
    """report.pdf could not be written (no renderer, or the renderer failed)."""

    exit_code = EXIT_PDF_FAILED


def find_renderer() -> Path | None:
    """The Chromium executable to print with, or None when there is none."""
    configured = os.environ.get("TRAILWATCH_CHROMIUM")
    if configured:
        path = Path(configured)
        return path if path.is_file() and os.access(path, os.X_OK) else None
    for name in CANDIDATES:
        found = shutil.which(name)
        if found:
            return Path(found)
    return None


def missing_renderer_message() -> str:
    configured = os.environ.get("TRAILWATCH_CHROMIUM")
    what = (
        f"TRAILWATCH_CHROMIUM={configured} is not an executable"
        if configured
        else "no Chromium found on PATH"
    )
    return f"--format pdf: report.pdf not written: {what}; {INSTALL_HINT}"


def _command(browser: Path, profile: Path, html: Path, pdf: Path) -> list[str]:
    cmd = [
        str(browser),
        "--headless",
        "--disable-gpu",
        "--disable-extensions",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        "--disable-dev-shm-usage",
        "--no-pdf-header-footer",
        f"--user-data-dir={profile}",
        f"--print-to-pdf={pdf}",
        html.as_uri(),
    ]
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        cmd.insert(1, "--no-sandbox")  # Chromium refuses to start as root with its sandbox
    return cmd


def write_pdf(path: Path, html: str, renderer: Path | None = None) -> Path:
    """Print `html` (a whole report.html) to `path` atomically; PdfError on any failure."""
    browser = renderer or find_renderer()
    if browser is None:
        raise PdfError(missing_renderer_message())
    path = Path(path)
    with tempfile.TemporaryDirectory(prefix="trailwatch-pdf-") as tmp:
        work = Path(tmp)
        source = work / "report.html"
        write_text_atomic(source, html)
        printed = work / "report.pdf"
        try:
            done = subprocess.run(
                _command(browser, work / "profile", source, printed),
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE,
                timeout=TIMEOUT,
                check=False,
            )
        except subprocess.TimeoutExpired:
            raise PdfError(
                f"--format pdf: {browser} did not print report.pdf in {TIMEOUT:.0f}s"
            ) from None
        except OSError as exc:
            raise PdfError(f"--format pdf: cannot run {browser}: {exc.strerror or exc}") from None
        if done.returncode != 0 or not _is_pdf(printed):
            last = (done.stderr or b"").decode("utf-8", "replace").strip().splitlines()
            detail = last[-1] if last else f"exit code {done.returncode}"
            raise PdfError(f"--format pdf: {browser} failed to print report.pdf: {detail}")
        tmp_target = path.with_name(f".{path.name}.tmp")
        try:
            shutil.copyfile(printed, tmp_target)
            os.replace(tmp_target, path)
        except OSError as exc:
            tmp_target.unlink(missing_ok=True)
            raise PdfError(f"cannot write {path}: {exc.strerror or exc}") from None
    return path


def _is_pdf(path: Path) -> bool:
    try:
        with path.open("rb") as fh:
            return fh.read(5) == b"%PDF-"
    except OSError:
        return False
