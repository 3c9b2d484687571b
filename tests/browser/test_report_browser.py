"""report.html in headless Chromium: opens offline from file://, filters, sorts, expands, no
console errors, and 20,000 findings load in under 5 seconds from a file under 15 MB.

These tests need Debian's `chromium` at /usr/bin/chromium (CI installs it). They are never
skipped: without Chromium they fail with a message that says so.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path
from typing import Any, TypeVar

import pytest

from reports.diff import BaselineInfo, Change, ChangeItem, ChangeSet
from reports.html import write_html
from reports.summary import ReportExtras, summarize
from scanner.core.findings import Finding, Suppression
from scanner.core.frameworks import Frameworks
from scanner.core.model import Resource, Severity, Status
from tests.browser.cdp import Page, chromium
from tests.reports.factory import MEMBER, MGMT, hostile_findings, make_finding, make_meta

MAX_BYTES = 15 * 1024 * 1024
MAX_LOAD_SECONDS = 5.0
WAIT_SECONDS = 15.0
"""How long a test waits for the page to reach the state a click or an input leads to."""
T = TypeVar("T")


@pytest.fixture(scope="module")
def page() -> Iterator[Page]:
    with chromium() as p:
        yield p


def _suppressed(finding: Finding) -> Finding:
    return finding.model_copy(
        update={
            "status": Status.SUPPRESSED,
            "suppressed_status": finding.status,
            "suppression": Suppression(
                rule=0,
                check="CloudTrail.4",
                reason="Legacy trail",
                owner="secops",
                expires=date(2027, 1, 1),
            ),
        }
    )


def _mixed() -> list[Finding]:
    findings = hostile_findings()
    passes = [
        make_finding(
            status=Status.PASS,
            resource_id=f"arn:aws:cloudtrail:us-east-1:{MGMT}:trail/ok-{i}",
            resource=Resource(
                type="AwsCloudTrailTrail", id=f"arn:aws:cloudtrail:us-east-1:{MGMT}:trail/ok-{i}"
            ),
        )
        for i in range(450)
    ]
    suppressed = _suppressed(
        make_finding(
            resource_id=f"arn:aws:cloudtrail:us-east-1:{MEMBER}:trail/legacy",
            account_id=MEMBER,
            resource=Resource(
                type="AwsCloudTrailTrail",
                id=f"arn:aws:cloudtrail:us-east-1:{MEMBER}:trail/legacy",
            ),
        )
    )
    return [*findings, *passes, suppressed]


def _write(path: Path, findings: list[Finding], extras: ReportExtras | None = None) -> Path:
    meta = make_meta()
    frameworks = Frameworks.load().items

    class _C:
        def __init__(self, f: Finding) -> None:
            self.id, self.control_id, self.title = f.check_id, f.control_id, f.title

    checks = list({f.check_id: _C(f) for f in findings}.values())
    summary = summarize(findings, meta, frameworks, checks)
    return write_html(path, findings, meta, summary, extras)


def _changes(findings: list[Finding]) -> ChangeSet:
    new = findings[1]
    item = ChangeItem(
        id=new.id,
        change=Change.NEW,
        check_id=new.check_id,
        severity=new.severity,
        account_id=new.account_id,
        region=new.region,
        status=new.status,
    )
    return ChangeSet(
        baseline=BaselineInfo(path="old", scan_id="scan-0"),
        counts={Change.NEW: 1, Change.UNCHANGED: len(findings) - 1},
        items=(item,),
    )


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> Path:
    findings = _mixed()
    path = tmp_path_factory.mktemp("report") / "report.html"
    return _write(path, findings, ReportExtras(changes=_changes(findings)))


def _open(page: Page, path: Path) -> float:
    seconds = page.goto(path.resolve().as_uri())
    assert page.evaluate("document.documentElement.dataset.twReady") == "1"
    return seconds


def _when(probe: Callable[[], T], ready: Callable[[T], bool], timeout: float = WAIT_SECONDS) -> T:
    """probe()'s value once `ready` holds for it, polled every 50 ms (the last value seen when
    it never does): a loaded machine may take its time, a quiet one does not wait longer."""
    deadline = time.monotonic() + timeout
    value = probe()
    while not ready(value) and time.monotonic() < deadline:
        time.sleep(0.05)
        value = probe()
    return value


def _state_when(
    page: Page, ready: Callable[[dict[str, Any]], bool], timeout: float = WAIT_SECONDS
) -> dict[str, Any]:
    """The page's state once `ready` holds for it (the last state seen when it never does)."""
    return _when(lambda: _state(page), ready, timeout)


def _state(page: Page) -> dict[str, Any]:
    state: dict[str, Any] = page.evaluate(
        """(() => {
          const rows = Array.from(document.querySelectorAll('#findings-body tr.main'));
          return {
            rows: rows.length,
            statuses: rows.map(r => r.dataset.status),
            groups: document.querySelectorAll('#groups-body tr.group').length,
            members: document.querySelectorAll('#groups-body tr.main').length,
            details: document.querySelectorAll('#findings-table tr.detail').length,
            more: Array.from(document.querySelectorAll('button.more')).map(b => b.dataset.more),
            count: document.getElementById('f-count').textContent,
          };
        })()"""
    )
    return state


def _matching(state: dict[str, Any]) -> str:
    """The "N of M" that begins the count line ("N of M findings match; ...")."""
    return " ".join(str(state["count"]).split()[:3])


def _select(page: Page, element_id: str, value: str) -> None:
    page.evaluate(
        f"""(() => {{
          const s = document.getElementById({element_id!r});
          s.value = {value!r};
          if (s.value !== {value!r}) {{ throw new Error('no option ' + {value!r}); }}
          s.dispatchEvent(new Event('change'));
        }})()"""
    )


def _reset(page: Page) -> None:
    page.evaluate("document.getElementById('filters').reset()")


def test_loads_offline_without_errors(page: Page, report: Path) -> None:
    _open(page, report)
    assert page.log.problems == []
    # the only thing the page loaded is itself: no network, no other file
    assert page.log.requests == [report.resolve().as_uri()]
    state = _state(page)
    assert state["rows"] == 6  # the non-passing findings
    assert state["groups"] == 1 and state["members"] == 0  # 451 passes: one group per check
    assert "457 of 457" in state["count"]


def test_filters(page: Page, report: Path) -> None:
    _open(page, report)
    _select(page, "f-status", "SUPPRESSED")
    state = _state(page)
    assert state["statuses"] == ["SUPPRESSED"] and state["groups"] == 0
    _select(page, "f-status", "ERROR")
    assert _state(page)["statuses"] == ["ERROR", "ERROR"]
    _select(page, "f-status", "!PASS")
    assert len(_state(page)["statuses"]) == 6 and _state(page)["groups"] == 0
    _select(page, "f-status", "")
    _select(page, "f-severity", "CRITICAL")
    assert _state(page)["rows"] == 1
    _select(page, "f-severity", "")
    member = page.evaluate(
        "Array.from(document.getElementById('f-account').options)"
        f".find(o => o.textContent.includes('{MEMBER}')).value"
    )
    _select(page, "f-account", member)
    assert sorted(_state(page)["statuses"]) == ["ERROR", "SUPPRESSED", "WARNING"]
    _select(page, "f-account", "")
    _select(page, "f-change", "0")  # new
    assert _state(page)["rows"] == 1
    _select(page, "f-change", "")
    page.evaluate(
        """(() => { const t = document.getElementById('f-text');
          t.value = 'ok-44'; t.dispatchEvent(new Event('input')); })()"""
    )
    state = _state_when(page, lambda st: _matching(st) == "11 of 457")  # the input is debounced
    assert state["rows"] == 0 and state["groups"] == 1  # ok-44 and ok-440..449 (grouped)
    assert _matching(state) == "11 of 457"
    _reset(page)
    assert _matching(_state_when(page, lambda st: _matching(st) == "457 of 457")) == "457 of 457"
    assert page.log.problems == []


def test_groups_paging_details_sorting_and_drill_down(page: Page, report: Path) -> None:
    _open(page, report)
    page.evaluate("document.querySelector('#groups-body tr.group').click()")
    state = _state(page)
    assert state["members"] == 200 and "cloudtrail_log_file_validation" not in state["more"]
    page.evaluate("document.querySelector('#groups-body button.more').click()")
    assert _state(page)["members"] == 400
    page.evaluate("document.getElementById('f-group').click()")  # ungroup
    state = _state(page)
    assert state["groups"] == 0 and state["rows"] == 200 and state["more"] == ["main"]

    page.evaluate("document.querySelector('#findings-body tr.main td.reason').click()")
    detail = page.evaluate("document.querySelector('#findings-body tr.detail').textContent")
    assert "Finding id" in detail and "trailwatch/" in detail
    page.evaluate("document.getElementById('collapse-all').click()")
    assert _state(page)["details"] == 0
    page.evaluate("document.getElementById('expand-all').click()")
    assert _state(page)["details"] == 200

    page.evaluate("document.querySelector('th[data-key=\"status\"]').click()")  # ascending
    assert _state(page)["statuses"][0] == "FAIL"
    page.evaluate("document.querySelector('th[data-key=\"status\"]').click()")  # descending
    assert _state(page)["statuses"][0] == "PASS"

    page.evaluate("document.querySelector('a.drill[data-checks=\"account_access\"]').click()")
    state = _state_when(page, lambda st: st["rows"] == 1)
    assert state["rows"] == 1 and state["statuses"] == ["ERROR"]
    assert page.log.problems == []


def _scale_findings(n: int) -> list[Finding]:
    statuses = [Status.PASS] * 6 + [Status.FAIL] * 2 + [Status.ERROR, Status.WARNING]
    out: list[Finding] = []
    for i in range(n):
        account = f"{100000000000 + i % 250:012d}"
        region = ("us-east-1", "eu-west-1", "ap-southeast-2")[i % 3]
        arn = f"arn:aws:s3:::org-logs-{account}-{region}-bucket-{i}"
        out.append(
            make_finding(
                check_id=f"check_{i % 45}",
                control_id=f"S3.{i % 45}",
                account_id=account,
                account_name=f"workload-{i % 250}",
                region=region,
                resource_id=arn,
                resource=Resource(type="AwsS3Bucket", id=arn, region=region),
                status=statuses[i % len(statuses)],
                severity=list(Severity)[i % 5],
                evidence={
                    "api": "s3:GetBucketPolicy",
                    "Bucket": arn,
                    "Policy": {
                        "Statement": [
                            {
                                "Effect": "Deny",
                                "Principal": "*",
                                "Action": "s3:*",
                                "Condition": {"Bool": {"aws:SecureTransport": "false"}},
                            }
                        ]
                    },
                },
            )
        )
    return out


def test_twenty_thousand_findings(page: Page, tmp_path: Path) -> None:
    findings = _scale_findings(20_000)
    path = _write(tmp_path / "report.html", findings)
    size = path.stat().st_size
    assert size < MAX_BYTES, f"{size / 1e6:.1f} MB"
    seconds = _open(page, path)
    assert seconds < MAX_LOAD_SECONDS, f"loaded in {seconds:.2f}s"
    state = _state(page)
    assert state["rows"] == 200 and state["groups"] == 45
    assert "20000 of 20000" in state["count"]
    _select(page, "f-status", "ERROR")
    assert "2000 of 20000" in _state(page)["count"]
    page.evaluate(
        """(() => { const t = document.getElementById('f-text');
          t.value = 'bucket-1999'; t.dispatchEvent(new Event('input')); })()"""
    )
    state = _state_when(page, lambda st: _matching(st) == "1 of 20000")  # the input is debounced
    assert _matching(state) == "1 of 20000"  # ERROR and bucket-1999*: only 19999
    assert page.log.problems == []


# --- first page, matrix, reading order, reach -------------------------------------------------


def test_page_structure_and_reading_order(page: Page, report: Path) -> None:
    _open(page, report)
    layout = page.evaluate(
        """(() => {
          const order = id => {
            const el = document.getElementById(id);
            return el ? Array.from(document.querySelectorAll('section')).indexOf(el) : -1;
          };
          return {
            h1: document.querySelectorAll('h1').length,
            landmarks: ['header', 'nav', 'main', 'footer'].map(
              t => document.querySelectorAll('body > ' + t).length),
            overview: order('overview'), frameworks: order('frameworks'),
            matrix: order('matrix'), findings: order('findings'),
            counts: order('counts'), checks: order('checks'),
            navTargets: Array.from(document.querySelectorAll('nav a')).every(
              a => document.getElementById(a.getAttribute('href').slice(1)) !== null),
          };
        })()"""
    )
    assert layout["h1"] == 1 and layout["landmarks"] == [1, 1, 1, 1]
    assert layout["overview"] == 0
    assert layout["frameworks"] < layout["matrix"] < layout["findings"]
    assert layout["findings"] < layout["counts"] < layout["checks"]  # reference material last
    assert layout["navTargets"]


def test_summary_shows_scope_coverage_charts_risks_and_changes(page: Page, report: Path) -> None:
    _open(page, report)
    summary = page.evaluate(
        """(() => {
          const ov = document.getElementById('overview');
          const charts = Array.from(ov.querySelectorAll('svg.chart'));
          const text = id => document.getElementById(id).textContent.replace(/\\s+/g, ' ');
          return {
            charts: charts.map(svg => ({
              title: svg.querySelector('title').textContent,
              bars: svg.querySelectorAll('g.bar').length,
              fills: Array.from(svg.querySelectorAll('rect.fill')).map(
                r => Number(r.getAttribute('width'))),
              values: Array.from(svg.querySelectorAll('text.chart-value')).map(t => t.textContent),
              height: svg.getBoundingClientRect().height,
            })),
            scope: text('ov-scope'), coverage: text('ov-coverage'), risks: text('ov-risks'),
            riskItems: document.querySelectorAll('#ov-risks li').length,
            changes: text('ov-changes'),
            frameworks: document.querySelectorAll('details.framework').length,
          };
        })()"""
    )
    scores, severities = summary["charts"]
    assert scores["bars"] == summary["frameworks"] == len(Frameworks.load().items)
    assert all(chart["height"] > 0 for chart in summary["charts"])  # drawn, not just present
    # every framework that maps CloudTrail.4 fails it somewhere: 0.0 %, an empty bar, never
    # hidden; the AWS Resource Tagging Standard (CloudTrail.9 only) has no finding here
    failing = [v for v in scores["values"] if v.startswith("0.0% (0 of")]
    assert len(failing) == len(scores["values"]) - 1 and scores["fills"] == []
    assert severities["bars"] == 5 and max(severities["fills"]) > 0
    assert "4 accounts scanned (1 more not scanned)" in summary["scope"]
    assert "Auditor" in summary["scope"]
    # 457 findings, 2 ERROR: 455 read
    assert "assessed 455 of 457" in summary["coverage"]
    assert "2 could not be read" in summary["coverage"]
    assert summary["riskItems"] == 2 and "CRITICAL" in summary["risks"]
    assert "1 new" in summary["changes"] and "scan-0" in summary["changes"]


def test_a_framework_with_nothing_assessed_shows_no_percentage(page: Page, tmp_path: Path) -> None:
    only = make_finding(
        check_id="cloudwatch_root_usage_alarm",
        control_id="CloudWatch.1",
        status=Status.PASS,
        resource_id=f"AWS::::Account:{MGMT}",
    )
    _open(page, _write(tmp_path / "report.html", [only]))
    values = page.evaluate(
        """(() => { const svg = document.querySelector('#ov-scores svg');
          return Array.from(svg.querySelectorAll('g.bar')).map(g => [
            g.querySelector('text.chart-label').textContent,
            g.querySelector('text.chart-value').textContent,
            g.querySelectorAll('rect.fill').length]); })()"""
    )
    by_name = {name: (text, fills) for name, text, fills in values}
    assert by_name["PCI DSS v4.0.1"] == ("not assessed", 0)  # CloudWatch.1 is not in it
    assert by_name["CIS AWS Foundations Benchmark v5.0.0"] == ("100.0% (1 of 1)", 1)
    assert page.log.problems == []


def test_matrix_cells_link_to_their_findings(page: Page, report: Path) -> None:
    _open(page, report)
    cells = page.evaluate(
        """(() => Array.from(document.querySelectorAll('table.matrix td a')).map(a => ({
          href: a.getAttribute('href'), title: a.title, text: a.textContent,
          cls: a.parentElement.className})))()"""
    )
    assert cells and all(c["href"].startswith("#filter:account=") for c in cells)
    rows = page.evaluate("document.querySelectorAll('table.matrix tbody tr:not(.m-ou)').length")
    assert rows == 4  # one per account (3 with findings, 1 scanned with none)
    ous = page.evaluate(
        "Array.from(document.querySelectorAll('table.matrix tr.m-ou th')).map(t => t.textContent)"
    )
    assert "Root" in ous
    fail = next(c for c in cells if c["cls"] == "m-fail")
    total = sum(int(part.rsplit(" ", 1)[1]) for part in fail["title"].split(": ", 1)[1].split(", "))
    page.evaluate(f"document.querySelector('table.matrix td a[href=\"{fail['href']}\"]').click()")
    # the filter follows the link's hash change; on a loaded machine that takes its time
    state = _state_when(page, lambda st: _matching(st) == f"{total} of 457")
    account = page.evaluate("document.getElementById('f-account').selectedOptions[0].textContent")
    check = page.evaluate("document.getElementById('f-check').value")
    assert fail["href"].split("account=")[1].split("&")[0] in account and check != ""
    assert "FAIL" in state["statuses"]
    page.evaluate("history.replaceState(null, '', location.pathname)")
    assert page.log.problems == []


def test_framework_names_open_their_section_and_rows_name_failing_accounts(
    page: Page, report: Path
) -> None:
    _open(page, report)
    key = "cis-5.0"
    assert page.evaluate(f"document.getElementById('fw-{key}').open") is False
    page.evaluate(f"document.querySelector('a.fw-open[href=\"#fw-{key}\"]').click()")
    is_open = _when(lambda: page.evaluate(f"document.getElementById('fw-{key}').open"), bool)
    assert is_open is True
    row = page.evaluate(
        f"""(() => Array.from(document.getElementById('fw-{key}').querySelectorAll('tr.req'))
          .find(tr => tr.cells[1].textContent === '3.2').textContent)()"""
    )
    assert "FAIL" in row and MGMT in row  # the failing account is named
    section = f"document.getElementById('fw-{key}')"
    scope = page.evaluate(f"{section}.querySelector('.scope-note').textContent")
    assert "63" in scope and "out of scope" in scope
    out = page.evaluate(f"{section}.querySelectorAll('ul.out-of-scope li').length")
    assert out == 5  # the benchmark's sections outside this tool's scope
    page.evaluate("history.replaceState(null, '', location.pathname)")


def test_toggle_buttons_say_what_they_toggle(page: Page, report: Path) -> None:
    _open(page, report)
    button = page.evaluate(
        """(() => { const b = document.querySelector('#findings-body button.toggle');
          b.click();
          return {expanded: b.getAttribute('aria-expanded'), label: b.getAttribute('aria-label'),
                  controls: b.getAttribute('aria-controls'),
                  target: !!document.getElementById(b.getAttribute('aria-controls'))}; })()"""
    )
    assert button["expanded"] == "true" and button["target"]
    assert "Details of" in button["label"]
    labels = page.evaluate(
        "['expand-all', 'collapse-all'].map(id => "
        "[document.getElementById(id).textContent, "
        "document.getElementById(id).getAttribute('aria-controls')])"
    )
    assert all("finding details" in text and ctl == "findings-table" for text, ctl in labels)


@pytest.mark.parametrize("width", [390, 1400])
def test_nothing_scrolls_sideways(page: Page, report: Path, width: int) -> None:
    page.send(
        "Emulation.setDeviceMetricsOverride",
        width=width,
        height=900,
        deviceScaleFactor=1,
        mobile=width < 500,
    )
    try:
        _open(page, report)
        page.evaluate("document.getElementById('fw-cis-5.0').open = true")
        page.evaluate("document.querySelector('details.scores-accounts').open = true")
        page.evaluate("document.querySelector('#findings-body tr.main td.reason').click()")
        clipped = page.evaluate(
            """(() => {
              const sections = Array.from(document.querySelectorAll('main > section'));
              // lay every section out now (they are skipped off screen: content-visibility)
              sections.forEach(s => { s.style.contentVisibility = 'visible'; });
              return sections.filter(s => s.scrollWidth > s.clientWidth).map(s => s.id);
            })()"""
        )
        sizes = page.evaluate(
            """(() => { window.scrollTo(0, document.body.scrollHeight);
              return [document.scrollingElement.scrollWidth, window.innerWidth,
                      Array.from(document.querySelectorAll('.table-scroll')).filter(
                        d => d.scrollWidth > d.clientWidth).length]; })()"""
        )
    finally:
        page.send("Emulation.clearDeviceMetricsOverride")
    scroll_width, inner_width, scrolling_tables = sizes
    assert scroll_width <= inner_width, sizes
    assert clipped == []
    if width == 390:
        assert scrolling_tables > 0  # wide tables scroll inside their own container
