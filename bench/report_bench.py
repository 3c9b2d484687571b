"""report.html benchmark: generated findings for N accounts, time to the load event in Chromium.

    python bench/report_bench.py [--accounts 100] [--regions 3] [--runs 3] [--keep DIR]

Findings are built by hand (every check of the catalogue, in every account and region, with a
mix of statuses, OUs and one account that could not be accessed), rendered with the real
summary and frameworks, and opened from file:// in Debian's headless Chromium (the browser
tests' driver) after one warm-up load. Prints the file size, the render time and the load
time of each run; exits 1 when the median is 1 s or more, or the page logged an error.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
import zlib
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from reports.html import write_html  # noqa: E402
from reports.summary import ScanMeta, ScannedAccount, summarize  # noqa: E402
from scanner.core.evaluate import ACCOUNT_ACCESS_CHECK  # noqa: E402
from scanner.core.findings import Finding, finding_id  # noqa: E402
from scanner.core.frameworks import Frameworks  # noqa: E402
from scanner.core.model import Resource, Status  # noqa: E402
from scanner.core.registry import all_checks  # noqa: E402
from tests.browser.cdp import chromium  # noqa: E402

REGIONS = ("us-east-1", "eu-west-1", "us-west-2", "eu-central-1", "ap-southeast-2")
OUS = (("Root", "Prod"), ("Root", "Dev"), ("Root", "Sandbox"), ("Root", "Security"))
NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
#: Status of check c in account a, region r: every third check fails here and there, the others
#: pass but for a few ERRORs (data that could not be read) and WARNINGs.
WEAK = (Status.PASS,) * 7 + (Status.FAIL, Status.FAIL, Status.WARNING, Status.ERROR)
STRONG = (Status.PASS,) * 40 + (Status.ERROR,)


def build(accounts: int, regions: int) -> tuple[list[Finding], ScanMeta]:
    checks = [c for c in all_checks() if c.id != ACCOUNT_ACCESS_CHECK]
    scanned = tuple(
        ScannedAccount(account_id=f"{200000000000 + a:012d}", name=f"workload-{a:03d}")
        for a in range(accounts)
    )
    findings: list[Finding] = []
    for a, acct in enumerate(scanned):
        ou = OUS[a % len(OUS)]
        if a == accounts - 1:  # one account the scan could not enter
            rid = f"AWS::::Account:{acct.account_id}"
            findings.append(
                _finding(ACCOUNT_ACCESS_CHECK, None, "Account access", acct, ou, "us-east-1",
                         rid, "AwsAccount", Status.ERROR)
            )  # fmt: skip
            continue
        for c, check in enumerate(checks):
            for r, region in enumerate(REGIONS[:regions]):
                cycle = WEAK if c % 3 == 0 else STRONG
                status = cycle[(a * 7 + c * 3 + r) % len(cycle)]
                rid = f"arn:aws:s3:::logs-{acct.account_id}-{region}-{c}"
                findings.append(
                    _finding(check.id, check.control_id, check.title, acct, ou, region, rid,
                             check.resource_type, status)
                )  # fmt: skip
    meta = ScanMeta(
        scan_id="bench-report",
        tool_version="bench",
        caller_arn="arn:aws:sts::200000000000:assumed-role/Auditor/bench",
        started_at=NOW - timedelta(minutes=7),
        finished_at=NOW,
        accounts=scanned,
        regions=REGIONS[:regions],
        check_ids=tuple(c.id for c in checks),
        organization_id="o-bench",
    )
    return findings, meta


def _finding(
    check_id: str,
    control_id: str | None,
    title: str,
    acct: ScannedAccount,
    ou: tuple[str, ...],
    region: str,
    resource_id: str,
    resource_type: str,
    status: Status,
) -> Finding:
    from scanner.core.model import Severity

    return Finding(
        id=finding_id(check_id, acct.account_id, region, resource_id),
        check_id=check_id,
        control_id=control_id,
        title=title,
        severity=list(Severity)[zlib.crc32(check_id.encode()) % 5],
        status=status,
        account_id=acct.account_id,
        account_name=acct.name,
        ou_path=ou,
        region=region,
        resource=Resource(type=resource_type, id=resource_id, region=region),
        reason=f"{status.value} for {resource_id}",
        evidence={"api": "s3:GetBucketLogging", "Bucket": resource_id, "Enabled": status.value},
        collected_at=NOW,
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--accounts", type=int, default=100)
    parser.add_argument("--regions", type=int, default=3, choices=range(1, len(REGIONS) + 1))
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--keep", type=Path, help="write report.html here instead of a temp dir")
    args = parser.parse_args()

    findings, meta = build(args.accounts, args.regions)
    checks = all_checks()
    frameworks = Frameworks.load().items
    start = time.perf_counter()
    summary = summarize(findings, meta, frameworks, checks)
    out = args.keep or Path(tempfile.mkdtemp(prefix="tw-report-bench-"))
    out.mkdir(parents=True, exist_ok=True)
    path = write_html(out / "report.html", findings, meta, summary)
    render = time.perf_counter() - start
    size = path.stat().st_size
    print(
        f"{args.accounts} accounts, {len(findings)} findings: report.html {size / 1e6:.2f} MB, "
        f"summary + render {render:.2f}s"
    )
    loads: list[float] = []
    with chromium() as page:
        page.goto(path.resolve().as_uri())  # warm-up: Chromium's own start-up is not the page's
        for run in range(args.runs):
            seconds = page.goto(path.resolve().as_uri())
            ready = page.evaluate("document.documentElement.dataset.twReady")
            loads.append(seconds)
            print(f"run {run + 1}: load event after {seconds:.3f}s (page script ready: {ready})")
        problems = page.log.problems
    median = statistics.median(loads)
    print(
        f"load event: median {median:.3f}s, min {min(loads):.3f}s, max {max(loads):.3f}s "
        f"(target: median < 1 s); page problems: {len(problems)}; "
        f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs"
    )
    return 0 if median < 1.0 and not problems else 1


if __name__ == "__main__":
    raise SystemExit(main())
