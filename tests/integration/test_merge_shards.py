"""Three shards of the demo Organization, merged, equal one unsharded scan of it."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from reports.json_report import JsonReport, read_json
from scanner.cli import main
from scanner.demo.run import seed_demo
from scanner.demo.world import DemoOrg
from scanner.shard import SHARD_INVENTORY, shard_of

REGIONS = "us-east-1,eu-west-1"


@pytest.fixture
def demo(moto_endpoint: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> DemoOrg:
    monkeypatch.chdir(tmp_path)  # no trailwatch.yaml from the developer's directory
    return seed_demo(moto_endpoint)


def _scan(endpoint: str, out: Path, *extra: str) -> int:
    scan = ["-q", "scan", "--org", "--regions", REGIONS, "--endpoint-url", endpoint]
    return main([*scan, "--output-dir", str(out), *extra])


def _by_id(report: JsonReport) -> dict[str, tuple[object, ...]]:
    return {
        f.id: (
            f.status,
            f.severity,
            f.account_name,
            f.ou_path,
            tuple(sorted(f.account_tags.items())),
            f.resource,
            f.reason,
        )
        for f in report.findings
    }


def test_three_shards_merged_equal_one_unsharded_scan(
    demo: DemoOrg, moto_endpoint: str, tmp_path: Path
) -> None:
    full_code = _scan(moto_endpoint, tmp_path / "full", "--format", "json,junit")
    shard_dirs = [tmp_path / f"shard{k}" for k in (1, 2, 3)]
    for k, out in enumerate(shard_dirs, start=1):
        assert _scan(moto_endpoint, out, "--shard", f"{k}/3", "--format", "json") in (0, 1, 3)
        assert (out / SHARD_INVENTORY).is_file()
    merge = ["-q", "merge", *map(str, shard_dirs), "--endpoint-url", moto_endpoint]
    merge_code = main([*merge, "--output-dir", str(tmp_path / "merged"), "--format", "json,junit"])

    full = read_json(tmp_path / "full" / "findings.json")
    merged = read_json(tmp_path / "merged" / "findings.json")
    shards = [read_json(out / "findings.json") for out in shard_dirs]

    # the shards partition the ACTIVE accounts by the hash of the account id
    assert [s.scan.shard for s in shards] == ["1/3", "2/3", "3/3"]
    scanned = [{a.account_id for a in s.scan.accounts} for s in shards]
    assert sum(len(ids) for ids in scanned) == len(full.scan.accounts)
    assert set().union(*scanned) == {a.account_id for a in full.scan.accounts}
    for k, ids in enumerate(scanned, start=1):
        assert all(shard_of(a, 3) == k for a in ids)
    # the skipped (SUSPENDED) account is not a shard's: each shard lists it, the merge once
    assert [s.account_id for s in merged.scan.skipped_accounts] == [
        s.account_id for s in full.scan.skipped_accounts
    ]

    # same findings (ids, statuses and their context), same summary, same exit code
    assert _by_id(merged) == _by_id(full)
    assert merged.summary == full.summary
    assert merge_code == full_code
    assert merged.scan.shard is None
    assert merged.scan.check_ids == full.scan.check_ids
    assert [a.account_id for a in merged.scan.accounts] == sorted(
        a.account_id for a in full.scan.accounts
    )

    full_junit = ET.parse(tmp_path / "full" / "findings.junit.xml").getroot()
    merged_junit = ET.parse(tmp_path / "merged" / "findings.junit.xml").getroot()
    counts = ("tests", "failures", "errors", "skipped")
    assert [merged_junit.attrib[c] for c in counts] == [full_junit.attrib[c] for c in counts]
    assert int(merged_junit.attrib["tests"]) == merged.summary.total


def test_merging_again_gives_the_same_scan_id_and_an_incomplete_set_is_refused(
    demo: DemoOrg, moto_endpoint: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    shard_dirs = [tmp_path / f"shard{k}" for k in (1, 2)]
    for k, out in enumerate(shard_dirs, start=1):
        assert _scan(moto_endpoint, out, "--shard", f"{k}/2", "--format", "json") in (0, 1, 3)
    ids = []
    for n in (1, 2):
        out = tmp_path / f"merged{n}"
        assert main(["-q", "merge", *map(str, shard_dirs), "--output-dir", str(out)]) in (0, 1, 3)
        ids.append(json.loads((out / "findings.json").read_text())["scan"]["scan_id"])
    assert ids[0] == ids[1]
    capsys.readouterr()

    code = main(["-q", "merge", str(shard_dirs[0]), "--output-dir", str(tmp_path / "bad")])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2
    assert len(err) == 1 and err[0].startswith("trailwatch: error:") and "2/2" in err[0]
    assert not (tmp_path / "bad" / "findings.json").exists()


def test_an_empty_shard_is_a_valid_empty_scan(
    demo: DemoOrg, moto_endpoint: str, tmp_path: Path
) -> None:
    accounts = {a.account_id for a in demo.accounts} | {demo.unreachable_account_id}
    count = 1000
    taken = {shard_of(a, count) for a in accounts}
    empty = next(k for k in range(1, count + 1) if k not in taken)
    out = tmp_path / "empty"
    assert _scan(moto_endpoint, out, "--shard", f"{empty}/{count}", "--format", "json") == 0
    report = read_json(out / "findings.json")
    assert report.scan.shard == f"{empty}/{count}"
    assert report.scan.accounts == () and report.findings == ()
    assert report.summary.total == 0
