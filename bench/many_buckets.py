"""Many-buckets benchmark: evaluation and report time for one account with N buckets, no AWS.

    python bench/many_buckets.py [--buckets 2000,20000]

(part of `make bench-big`.) Builds the inventory in memory (every bucket has a policy, an ACL, a
public access block, logging to a central log bucket and versioning), evaluates every check that
reads S3 data and writes the JSON and HTML reports, once per size. Prints the CPU seconds per check
and per report at each size, and the ratio between sizes: work that grows linearly with the
buckets grows by the size ratio, quadratic work by its square.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections import defaultdict
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from scanner.core.dataset import Dataset  # noqa: E402
from scanner.core.datasets import s3  # noqa: E402
from scanner.core.evaluate import evaluate  # noqa: E402
from scanner.core.frameworks import Frameworks  # noqa: E402
from scanner.core.inventory import (  # noqa: E402
    AccountInfo,
    AccountInventory,
    DatasetRecord,
    Inventory,
    record_key,
)
from scanner.core.registry import all_checks  # noqa: E402

ACCOUNT = "123456789012"
REGION = "us-east-1"
NOW = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)
S3_DATASETS = {
    ds.name for ds in vars(s3).values() if isinstance(ds, Dataset) and ds.name.startswith("s3.")
}


def inventory(n: int) -> Inventory:
    """One account, one region, `n` buckets plus the log bucket they all log to."""
    names = [f"bucket-{i:06d}" for i in range(n)] + ["central-logs"]
    policy = (
        '{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Principal":"*","Action":"s3:*",'
        '"Resource":"*","Condition":{"Bool":{"aws:SecureTransport":"false"}}}]}'
    )
    values = {
        s3.S3_ACCOUNT_PUBLIC_ACCESS_BLOCK: s3.AccountPublicAccessBlock(configured=False),
        s3.S3_BUCKETS: [s3.Bucket(name=name, region=REGION) for name in names],
        s3.S3_BUCKET_POLICIES: {
            name: s3.BucketPolicy(policy=policy, is_public=False) for name in names
        },
        s3.S3_BUCKET_ACLS: {name: s3.BucketAcl(owner_id="owner") for name in names},
        s3.S3_BUCKET_PUBLIC_ACCESS_BLOCKS: {
            name: s3.BucketPublicAccessBlock(settings=s3.PublicAccessBlock()) for name in names
        },
        s3.S3_BUCKET_LOGGING: {
            name: s3.BucketLogging(enabled=True, target_bucket="central-logs", target_prefix=name)
            for name in names
        },
        s3.S3_BUCKET_VERSIONING: {name: s3.BucketVersioning(status="Enabled") for name in names},
    }
    records = {
        record_key(ds.name, None): DatasetRecord(
            dataset=ds.name, data=ds.dump(value), collected_at=NOW
        )
        for ds, value in values.items()
    }
    account = AccountInventory(
        info=AccountInfo(account_id=ACCOUNT, name="many-buckets"),
        home_region=REGION,
        regions=(REGION,),
        records=records,
    )
    return Inventory(
        scan_id="bench", tool_version="bench", started_at=NOW, collected_at=NOW, accounts=(account,)
    )


def measure(n: int) -> dict[str, float]:
    """Seconds per S3 check and per report for `n` buckets."""
    inv = inventory(n)
    frameworks = Frameworks.load()
    checks = [c for c in all_checks() if {d.name for d in c.requires} <= S3_DATASETS]
    times: dict[str, float] = defaultdict(float)
    findings = []
    for check in checks:
        t0 = time.process_time()
        findings.extend(evaluate(inv, [check], frameworks))
        times[f"check {check.control_id or check.id}"] = time.process_time() - t0
    from reports.summary import ScanMeta, summarize
    from reports.writers import write_reports

    meta = ScanMeta.from_inventory(inv, [c.id for c in checks], NOW)
    summary = summarize(findings, meta, frameworks.items, checks)
    with tempfile.TemporaryDirectory(prefix="trailwatch-many-") as out:
        for fmt in ("json", "html"):
            t0 = time.process_time()
            write_reports(Path(out), [fmt], findings, meta, summary)
            times[f"report {fmt}"] = time.process_time() - t0
    times["findings"] = float(len(findings))
    return dict(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--buckets", default="2000,20000", help="comma-separated sizes")
    args = parser.parse_args()
    sizes = [int(s) for s in args.buckets.split(",")]
    results = {n: measure(n) for n in sizes}
    print("one account, one region, N buckets (in-memory inventory, no AWS calls)")
    print(f"  {'step':<34}" + "".join(f"{n:>12,d}" for n in sizes) + "   ratio")
    for step in results[sizes[0]]:
        row = [results[n][step] for n in sizes]
        unit = "" if step == "findings" else " s"
        ratio = f"{row[-1] / row[0]:7.1f}x" if row[0] > 0 and len(row) > 1 else ""
        cells = "".join(f"{v:>12.0f}" if not unit else f"{v:>10.3f}{unit}" for v in row)
        print(f"  {step:<34}{cells}   {ratio}")
    if len(sizes) > 1:
        print(f"  (size ratio {sizes[-1] / sizes[0]:.1f}x: linear work grows by about that much)")


if __name__ == "__main__":
    main()
