"""The demo's log sources: in findings.json (read back by the bounded loader) and in
log-sources.csv, listed in the manifest, with their destinations resolved."""

from __future__ import annotations

import csv
import json

from reports.json_report import read_json
from reports.log_sources_csv import LOG_SOURCES_CSV
from scanner.core.logsource import DestinationType
from tests.integration.conftest import Demo


def test_demo_log_sources_with_their_destinations(demo: Demo) -> None:
    report = read_json(demo.output / "findings.json")
    inventory = report.log_sources
    assert inventory is not None
    archive = demo.org.log_archive.account_id
    assert (inventory.log_archive.account_id, inventory.log_archive.source) == (
        archive,
        "organization-trail",
    )
    kinds = inventory.counts()
    assert kinds.keys() >= {"trail", "flow-log", "config-channel"}
    mgmt = demo.org.management.account_id
    [org_trail] = [s for s in inventory.sources if s.kind == "trail" and s.account_id == mgmt]
    assert org_trail.logging is True
    by_type = {d.type: d for d in org_trail.destinations}
    bucket = by_type[DestinationType.S3]
    assert (bucket.account_id, bucket.exists, bucket.in_log_archive) == (archive, True, True)
    group = by_type[DestinationType.CLOUDWATCH_LOGS]
    assert (group.target, group.account_id, group.in_log_archive) == (
        "/org/cloudtrail",
        mgmt,
        False,
    )
    assert group.retention.value is not None and group.retention.value.endswith("days")
    assert group.encryption.value is not None and group.encryption.value.startswith("SSE-KMS")
    flow_logs = [s for s in inventory.sources if s.kind == "flow-log"]
    assert any(s.logging is False and not s.destinations for s in flow_logs)  # VPC without
    assert any(d.exists is False for s in flow_logs for d in s.destinations)  # deleted group

    manifest = json.loads((demo.output / "manifest.json").read_text(encoding="utf-8"))
    assert LOG_SOURCES_CSV in {e["path"] for e in manifest["files"]}
    with (demo.output / LOG_SOURCES_CSV).open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle))
    expected = sum(max(1, len(s.destinations)) for s in inventory.sources)
    expected += len(inventory.gaps) + len(inventory.not_inventoried)
    assert len(rows) == expected
    archived = [r for r in rows if r["destination"] == bucket.target and r["kind"] == "trail"]
    assert archived and all(r["in_log_archive"] == "yes" for r in archived)


def test_demo_trail_log_groups_public_and_not(demo: Demo) -> None:
    verdicts = {
        (f.account_id, f.resource.id.split(":log-group:")[1]): f.status.value
        for f in demo.baseline
        if f.check_id == "logs_trail_groups_not_public"
    }
    assert verdicts == {
        (demo.org.management.account_id, "/org/cloudtrail"): "PASS",
        (demo.org.sandbox.account_id, "/sandbox/cloudtrail"): "FAIL",
    }
