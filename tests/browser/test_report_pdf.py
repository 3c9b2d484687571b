"""report.pdf (`--format pdf`): printed by headless Chromium with the report's print stylesheet.

A small whole-pipeline scan (a saved inventory, no AWS) is written as json, html and pdf; the
PDF's text (pypdf) must hold every framework requirement row and the evidence of every FAILED or
ERROR finding, with the reference table of checks last, as an appendix. Without a renderer the
other reports are still written, and the scan exits 6 with one line naming what to install.
"""

from __future__ import annotations

import json
import unicodedata
from pathlib import Path
from typing import Any

import pytest
from pypdf import PdfReader

from reports.text import evidence_json
from scanner.app.cli import main
from scanner.core.inventory import Inventory
from tests.browser.cdp import CHROMIUM, chromium
from tests.reports.pipeline_helpers import save_inventory, scan

CHECKS = ("CloudTrail.1", "CloudTrail.2", "CloudTrail.4", "CloudTrail.5", "KMS.4")


def _squash(text: str) -> str:
    """Text without any whitespace (PDF lines wrap anywhere inside long ids and JSON), in NFKC
    form (a ligature is its letters)."""
    return "".join(unicodedata.normalize("NFKC", text).split())


@pytest.fixture(scope="module")
def printed(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, Any], str]:
    base = tmp_path_factory.mktemp("pdf")
    inv = save_inventory(
        base / "inventory.json",
        mgmt={"main": False, "audit": True},
        member={"member-trail": False},
    )
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("TRAILWATCH_CHROMIUM", str(CHROMIUM))
        outcome = scan(inv, base / "out", checks=CHECKS, formats=("json", "html", "pdf"))
    pdf = base / "out" / "report.pdf"
    assert pdf in outcome.paths and outcome.exit_code == 1
    assert pdf.read_bytes().startswith(b"%PDF-")
    doc = json.loads((base / "out" / "findings.json").read_text(encoding="utf-8"))
    text = "\n".join(page.extract_text() for page in PdfReader(pdf).pages)
    return doc, text


def test_pdf_lists_every_framework_requirement(printed: tuple[dict[str, Any], str]) -> None:
    doc, text = printed
    flat = _squash(text)
    rows = [
        (fw["name"], req)
        for fw in doc["summary"]["frameworks"]
        for req in (*fw["requirements"], *fw["members"])
    ]
    assert len(rows) > 100
    missing = [
        f"{name} {req['id']}" for name, req in rows if _squash(req["id"] + req["title"]) not in flat
    ]
    assert missing == []
    for fw in doc["summary"]["frameworks"]:
        assert _squash(fw["name"]) in flat


def test_pdf_prints_the_evidence_of_every_failed_finding(
    printed: tuple[dict[str, Any], str],
) -> None:
    doc, text = printed
    flat = _squash(text)
    failed = [f for f in doc["findings"] if f["status"] in ("FAIL", "ERROR")]
    assert len(failed) >= 3 and any(f["evidence"] for f in failed)
    for f in failed:
        assert _squash(f["id"]) in flat
        assert _squash(evidence_json(f["evidence"], indent=1)) in flat, f["id"]
    passed = [f for f in doc["findings"] if f["status"] == "PASS"]
    assert passed and all(_squash(f["id"]) not in flat for f in passed)


def test_pdf_puts_the_checks_reference_last(printed: tuple[dict[str, Any], str]) -> None:
    _doc, text = printed
    evidence = text.index("Findings that failed or could not be evaluated")
    appendix = text.index("Appendix: Controls and checks")
    frameworks = text.index("Frameworks")
    assert frameworks < evidence < appendix


def test_missing_renderer_still_writes_the_other_reports(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    inv = save_inventory(tmp_path / "inventory.json", mgmt={"main": False})
    monkeypatch.setenv("TRAILWATCH_CHROMIUM", str(tmp_path / "no-such-chromium"))
    out = tmp_path / "out"
    code = main(
        [
            "scan",
            "--from-inventory",
            str(inv),
            "--checks",
            "CloudTrail.4",
            "--format",
            "json,html,pdf",
            "--output-dir",
            str(out),
            "--no-history",
        ]
    )
    assert code == 6
    assert {p.name for p in out.iterdir()} == {
        "findings.json",
        "report.html",
        "log-sources.csv",
        "manifest.json",
        "manifest.sha256",
    }
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert {e["path"] for e in manifest["files"]} == {
        "findings.json",
        "report.html",
        "log-sources.csv",
    }
    err = [line for line in capsys.readouterr().err.splitlines() if "error:" in line]
    assert len(err) == 1 and "TRAILWATCH_CHROMIUM" in err[0]


def test_printed_tables_fit_an_a4_page(tmp_path: Path) -> None:
    """At A4's printable width (190 mm, 718 CSS px), with print media, no table is wider than
    the page, every framework section is open and the interactive table is not printed."""
    inv = save_inventory(tmp_path / "inventory.json", mgmt={"main": False})
    scan(inv, tmp_path / "out", checks=CHECKS, formats=("html",))
    with chromium() as page:
        page.send(
            "Emulation.setDeviceMetricsOverride",
            width=718,
            height=1000,
            deviceScaleFactor=1,
            mobile=False,
        )
        page.send("Emulation.setEmulatedMedia", media="print")
        page.goto((tmp_path / "out" / "report.html").as_uri())
        state = page.evaluate(
            """(() => {
              window.dispatchEvent(new Event('beforeprint'));
              const width = document.querySelector('main').clientWidth;
              const tables = Array.from(document.querySelectorAll('main table'))
                .filter(t => t.offsetParent !== null);
              const reqs = document.querySelectorAll('table.requirements tbody tr');
              return {
                width: width,
                tables: tables.length,
                wide: tables.filter(t => t.scrollWidth > width + 1).map(t => t.className),
                hiddenRows: Array.from(reqs).filter(r => r.getClientRects().length === 0).length,
                requirementRows: reqs.length,
                findingsShown: document.getElementById('findings').offsetParent !== null,
                evidenceShown: document.getElementById('print-evidence').offsetParent !== null,
                printed: document.querySelectorAll('#print-evidence-list article').length,
                failed: (d => d.findings
                  .filter(r => r[d.fields.row.indexOf('status')] <= 1).length)(
                  JSON.parse(document.getElementById('tw-data').textContent)),
              };
            })()"""
        )
        assert page.log.problems == []
    assert state["width"] <= 718 and state["tables"] > 10
    assert state["wide"] == []
    assert state["requirementRows"] > 100 and state["hiddenRows"] == 0
    assert not state["findingsShown"] and state["evidenceShown"]
    assert state["printed"] == state["failed"] > 0  # FAIL and ERROR (statuses 0, 1)


def test_trend_chart_draws_in_the_browser(tmp_path: Path) -> None:
    """Two scans recorded in a history: the second report draws the trend as inline SVG (three
    lines of two points, inside the chart) with no console or CSP error, and no request."""
    history = tmp_path / "history.sqlite"
    for n in (1, 2):
        inv = save_inventory(tmp_path / f"inv{n}.json", mgmt={"main": False, "new": n == 1})
        Inventory.load(inv).model_copy(update={"scan_id": f"scan-{n}"}).save(inv)
        scan(inv, tmp_path / f"out{n}", checks=CHECKS, formats=("html",), history=history)
    with chromium() as page:
        page.send(
            "Emulation.setDeviceMetricsOverride",
            width=1400,
            height=1000,
            deviceScaleFactor=1,
            mobile=False,
        )
        page.goto((tmp_path / "out2" / "report.html").as_uri())
        chart = page.evaluate(
            """(() => {
              const svg = document.querySelector('#trend svg.trend-chart');
              const box = svg.getBoundingClientRect();
              const lines = Array.from(svg.querySelectorAll('polyline')).map(p => {
                const b = p.getBBox();
                return {points: p.points.length, width: b.width,
                        stroke: getComputedStyle(p).stroke};
              });
              return {width: box.width, height: box.height, lines: lines,
                      since: document.getElementById('since-last-scan') !== null};
            })()"""
        )
        assert page.log.problems == []
        assert [r for r in page.log.requests if not r.startswith("file:")] == []
    assert chart["width"] > 300 and chart["height"] > 80 and chart["since"]
    assert len(chart["lines"]) == 3
    assert all(line["points"] == 2 and line["width"] > 100 for line in chart["lines"])
    assert len({line["stroke"] for line in chart["lines"]}) == 3  # each series its own colour
