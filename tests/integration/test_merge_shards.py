"""Three shards of the demo Organization, merged, equal one unsharded scan of it."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from reports.json_report import JsonReport, read_json
from scanner.app.cli import main
from scanner.app.demo import seed_demo
from scanner.core.shard import SHARD_INVENTORY, shard_of
from scanner.demo.world import DemoOrg

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


def test_merging_again_gives_the_same_scan_id_and_a_bad_set_is_refused(
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
    _refuses_doctored_copied_foreign_and_dropped_accounts(shard_dirs, tmp_path, capsys)


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


def _refused(capsys: pytest.CaptureFixture[str], dirs: list[Path], out: Path, shard: Path) -> None:
    capsys.readouterr()
    code = main(["-q", "merge", *map(str, dirs), "--output-dir", str(out)])
    err = [line for line in capsys.readouterr().err.splitlines() if line.strip()]
    assert code == 2
    assert len(err) == 1 and str(shard) in err[0], err
    assert not (out / "findings.json").exists()


def _reseal(out: Path) -> None:
    """What a forger (or a buggy tool) does after editing: re-hash the files into the manifest."""
    from reports.manifest import write_manifest

    doc = json.loads((out / "manifest.json").read_text())
    files = [out / e["path"] for e in doc["files"]]
    write_manifest(out, files, scan_id=doc["scan_id"], tool_version=doc["tool_version"])


def _refuses_doctored_copied_foreign_and_dropped_accounts(
    dirs: list[Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    pristine = {d: {f.name: f.read_bytes() for f in d.iterdir()} for d in dirs}

    def restore() -> None:
        for d, files in pristine.items():
            for name, data in files.items():
                (d / name).write_bytes(data)

    def edit(shard: Path, change: Callable[[dict[str, Any]], None], reseal: bool = True) -> None:
        inventory = json.loads((shard / SHARD_INVENTORY).read_text())
        change(inventory)
        (shard / SHARD_INVENTORY).write_text(json.dumps(inventory))
        findings = json.loads((shard / "findings.json").read_text())
        findings["scan"]["accounts"] = [
            {"account_id": a["info"]["account_id"], "name": a["info"]["name"]}
            for a in inventory["accounts"]
        ]
        (shard / "findings.json").write_text(json.dumps(findings))
        if reseal:
            _reseal(shard)

    one, two = dirs
    inv_one = json.loads((one / SHARD_INVENTORY).read_text())
    inv_two = json.loads((two / SHARD_INVENTORY).read_text())
    assert inv_one["accounts"] and inv_two["accounts"]
    out = tmp_path / "merged"

    # data changed after the scan (every record's data emptied): refused by the manifest
    def empty_records(inv: dict[str, Any]) -> None:
        for acct in inv["accounts"]:
            for record in acct["records"].values():
                record["data"] = None

    edit(one, empty_records, reseal=False)
    _refused(capsys, dirs, out, one)
    restore()

    # an account copied into the other shard
    edit(two, lambda inv: inv["accounts"].append(inv_one["accounts"][0]))
    _refused(capsys, dirs, out, two)
    restore()

    # an account outside the Organization listing
    def foreign(inv: dict[str, Any]) -> None:
        acct = json.loads(json.dumps(inv["accounts"][0]))
        acct["info"]["account_id"] = next(
            a for a in (f"{i:012d}" for i in range(10**6)) if shard_of(a, 2) == 1
        )
        inv["accounts"].append(acct)

    edit(one, foreign)
    _refused(capsys, dirs, out, one)
    restore()

    # an account silently dropped
    edit(two, lambda inv: inv["accounts"].pop())
    _refused(capsys, dirs, out, two)
    restore()

    assert main(["-q", "merge", *map(str, dirs), "--output-dir", str(out)]) in (0, 1, 3)
    assert (out / "findings.json").is_file()
