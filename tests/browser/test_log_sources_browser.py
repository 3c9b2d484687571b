"""The log-sources section of report.html in headless Chromium: listed, filtered, printed whole."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from reports.html import write_html
from reports.summary import ReportExtras, summarize
from scanner.core.datasets.cloudtrail import TRAIL_STATUS, TRAILS, Trail, TrailStatus
from scanner.core.datasets.ec2 import VPC_FLOW_LOGS, FlowLog, Vpc, VpcFlowLogs
from scanner.core.datasets.s3 import S3_BUCKETS, Bucket
from scanner.core.logsource_inventory import build_log_sources
from tests.browser.cdp import Page, chromium
from tests.builders import LOGS, MGMT, InventoryBuilder
from tests.reports.factory import make_finding, make_meta

R1 = "us-east-1"


@pytest.fixture(scope="module")
def page() -> Iterator[Page]:
    with chromium() as p:
        yield p


def _report(path: Path) -> Path:
    trail = Trail(
        name="org",
        arn=f"arn:aws:cloudtrail:{R1}:{MGMT}:trail/org",
        home_region=R1,
        s3_bucket_name="archive",
        is_organization_trail=True,
    )
    flows = VpcFlowLogs(
        vpcs=(Vpc(vpc_id="vpc-a", owner_id=MGMT), Vpc(vpc_id="vpc-b", owner_id=MGMT)),
        flow_logs=(
            FlowLog(
                flow_log_id="fl-1",
                resource_id="vpc-a",
                flow_log_status="ACTIVE",
                log_destination="arn:aws:s3:::<script>alert(1)</script>",
            ),
        ),
    )
    inv = InventoryBuilder(regions=(R1,))
    inv.account(MGMT).put(TRAILS, [trail]).put(
        TRAIL_STATUS, {trail.arn: TrailStatus(is_logging=True)}
    ).put(VPC_FLOW_LOGS, flows).put(S3_BUCKETS, [])
    inv.account(LOGS).put(TRAILS, [trail]).put(S3_BUCKETS, [Bucket(name="archive", region=R1)])
    log_sources = build_log_sources(inv.build())
    findings = [make_finding()]
    meta = make_meta()
    summary = summarize(findings, meta)
    return write_html(path, findings, meta, summary, ReportExtras(log_sources=log_sources))


def _count(page: Page) -> str:
    text: str = page.evaluate("document.getElementById('ls-count').textContent")
    return text


def _select(page: Page, element_id: str, value: str) -> None:
    page.evaluate(
        f"""(() => {{ const s = document.getElementById({element_id!r}); s.value = {value!r};
          if (s.value !== {value!r}) {{ throw new Error('no option'); }}
          s.dispatchEvent(new Event('change')); }})()"""
    )


def test_log_sources_listed_filtered_and_printed(page: Page, tmp_path: Path) -> None:
    path = _report(tmp_path / "report.html")
    page.goto(path.resolve().as_uri())
    assert page.log.problems == []
    assert page.evaluate("!!document.querySelector('nav a[href=\"#log-sources\"]')")
    rows = "#log-sources-table tbody tr"
    assert page.evaluate(f"document.querySelectorAll('{rows}').length") == 3
    assert _count(page) == "3 of 3 log sources"
    _select(page, "ls-logging", "off")  # the VPC without a flow log
    assert _count(page) == "1 of 3 log sources"
    _select(page, "ls-logging", "")
    _select(page, "ls-archive", "yes")  # the trail's bucket is in the log-archive account
    assert _count(page) == "1 of 3 log sources"
    visible = page.evaluate(
        f"Array.from(document.querySelectorAll('{rows}:not([hidden])')).map(r => r.dataset.kind)"
    )
    assert visible == ["trail"]
    page.evaluate(
        "(() => { const t = document.getElementById('ls-text'); t.value = 'fl-1';"
        " t.dispatchEvent(new Event('input')); })()"
    )
    assert _count(page) == "0 of 3 log sources"
    page.send("Emulation.setEmulatedMedia", media="print")
    try:
        shown = page.evaluate(
            f"Array.from(document.querySelectorAll('{rows}'))"
            ".filter(r => getComputedStyle(r).display !== 'none').length"
        )
    finally:
        page.send("Emulation.setEmulatedMedia", media="")
    assert shown == 3  # printed whole, whatever the filters show
    page.evaluate("document.getElementById('ls-filters').reset()")
    page.evaluate("new Promise(r => setTimeout(r, 20))")
    assert _count(page) == "3 of 3 log sources"
    assert page.evaluate("document.querySelectorAll('script').length") == 2  # nothing injected


def test_log_sources_section_does_not_scroll_sideways_on_a_phone(
    page: Page, tmp_path: Path
) -> None:
    path = _report(tmp_path / "report.html")
    page.send(
        "Emulation.setDeviceMetricsOverride",
        width=390,
        height=900,
        deviceScaleFactor=1,
        mobile=True,
    )
    try:
        page.goto(path.resolve().as_uri())
        sizes = page.evaluate(
            """(() => { const s = document.getElementById('log-sources');
              s.style.contentVisibility = 'visible';
              return [s.scrollWidth, s.clientWidth, document.scrollingElement.scrollWidth,
                      window.innerWidth]; })()"""
        )
    finally:
        page.send("Emulation.clearDeviceMetricsOverride")
    section_scroll, section_width, page_scroll, inner = sizes
    assert section_scroll <= section_width and page_scroll <= inner, sizes
