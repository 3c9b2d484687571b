"""--shard K/N: a stable partition of the accounts; `merge` takes only one complete set."""

from __future__ import annotations

import os
import random
import subprocess
import sys
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from reports.json_report import write_json
from reports.manifest import write_manifest
from reports.summary import ScanMeta, ScannedAccount, summarize
from scanner.app.cli import main
from scanner.app.merge import merge_shards
from scanner.core.errors import UsageError
from scanner.core.inventory import (
    AccountInfo,
    AccountInventory,
    Inventory,
    ShardPlan,
    SkippedAccount,
)
from scanner.core.shard import SHARD_INVENTORY, Shard, parse_shard, shard_of

T0 = datetime(2026, 5, 1, 3, 0, tzinfo=UTC)


# --- the partition -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "shard"),
    [("1/1", Shard(1, 1)), ("2/3", Shard(2, 3)), ("3/3", Shard(3, 3)), (" 7/64 ", Shard(7, 64))],
)
def test_parse_shard(text: str, shard: Shard) -> None:
    assert parse_shard(text) == shard
    assert str(parse_shard(text)) == text.strip()


@pytest.mark.parametrize("text", ["0/3", "4/3", "3", "a/b", "1/0", "", "-1/3", "1/3/5", "1.0/3"])
def test_bad_shards_are_usage_errors(text: str) -> None:
    with pytest.raises(UsageError) as err:
        parse_shard(text)
    assert "\n" not in str(err.value)


def test_the_hash_is_sha256_of_the_account_id() -> None:
    # fixed values: a change of the algorithm would re-shuffle every deployed batch
    assert [shard_of("123456789012", n) for n in (1, 2, 3, 8, 1000)] == [1, 1, 2, 3, 835]
    assert [shard_of("210987654321", n) for n in (2, 3, 8)] == [1, 3, 1]


def test_the_partition_does_not_depend_on_the_process() -> None:
    ids = ["123456789012", "210987654321", "000000000001", "999999999999"]
    code = f"from scanner.core.shard import shard_of; print([shard_of(a, 7) for a in {ids!r}])"
    outputs = {
        subprocess.run(
            [sys.executable, "-c", code],
            env={**os.environ, "PYTHONHASHSEED": seed},
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        for seed in ("1", "2", "random")
    }
    assert outputs == {f"{[shard_of(a, 7) for a in ids]}\n"}


@pytest.mark.parametrize("n", [1, 2, 3, 7, 16])
def test_shards_are_disjoint_cover_everything_and_are_balanced(n: int) -> None:
    rng = random.Random(n)
    ids = {f"{rng.randrange(10**12):012d}" for _ in range(4000)}
    members = {k: {a for a in ids if Shard(k, n).contains(a)} for k in range(1, n + 1)}
    assert sum(len(m) for m in members.values()) == len(ids)
    assert set().union(*members.values()) == ids
    sizes = Counter({k: len(m) for k, m in members.items()})
    assert max(sizes.values()) <= 1.25 * len(ids) / n
    assert min(sizes.values()) >= 0.75 * len(ids) / n


# --- the command line ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "args",
    [
        ("scan", "--org", "--shard", "0/3"),
        ("scan", "--org", "--shard", "4/3"),
        ("scan", "--org", "--shard", "two"),
        ("scan", "--shard", "1/3"),  # without --org
        ("scan", "--org", "--shard", "1/3", "--from-inventory", "inventory.json"),
        ("scan", "--org", "--kms-key-id", "alias/x"),  # without --upload
        ("scan", "--org", "--upload", "not-an-s3-url"),
        ("merge", "nowhere", "--output-dir", "out"),
        ("merge", "s3://Bad_Bucket/", "--output-dir", "out"),
        ("merge", ".", "--output-dir", "out", "--format", "pdf"),
    ],
)
def test_bad_usage_is_one_line_exit_2(
    args: tuple[str, ...],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "inventory.json").write_text("{}")
    code = main([*args, "--endpoint-url", "http://127.0.0.1:9"])
    err = [line for line in capsys.readouterr().err.splitlines() if line.strip()]
    assert code == 2
    assert len(err) == 1 and err[0].startswith("trailwatch: error:"), err


# --- merge: the shard set ------------------------------------------------------------------------


def ids_in(k: int, n: int) -> Iterator[str]:
    """Account ids whose shard is k of n."""
    return (a for a in (f"{i:012d}" for i in range(10**6)) if shard_of(a, n) == k)


def shard_dir(
    root: Path,
    name: str,
    shard: str | None,
    accounts: list[str],
    *,
    start: int = 0,
    inventory_scan_id: str | None = None,
    listing: list[str] | None = None,
    plan: dict[str, object] | None = None,
    **meta: object,
) -> Path:
    """A shard output folder: findings.json (no findings), inventory.json (with the Organization
    `listing` the shard was cut from: by default its own accounts) and manifest.json."""
    out = root / name
    out.mkdir()
    scan_id = f"scan-{name}"
    started = T0 + timedelta(minutes=start)
    values: dict[str, object] = {
        "scan_id": scan_id,
        "tool_version": "1.0.0",
        "started_at": started,
        "finished_at": started + timedelta(minutes=5),
        "accounts": tuple(ScannedAccount(account_id=a) for a in accounts),
        "skipped_accounts": (
            SkippedAccount(account_id="999999999999", status="SUSPENDED", reason="suspended"),
        ),
        "check_ids": ("cloudtrail_enabled",),
        "organization_id": "o-abc",
        "shard": shard,
    }
    values.update(meta)
    scan = ScanMeta.model_validate(values)
    write_json(out / "findings.json", [], scan, summarize([], scan))
    Inventory(
        scan_id=inventory_scan_id or scan_id,
        tool_version="1.0.0",
        organization_id="o-abc",
        management_account_id=accounts[0] if accounts else None,
        started_at=started,
        collected_at=started + timedelta(minutes=4),
        datasets=("cloudtrail.trails",),
        accounts=tuple(
            AccountInventory(
                info=AccountInfo(account_id=a), home_region="us-east-1", regions=("us-east-1",)
            )
            for a in accounts
        ),
        skipped_accounts=scan.skipped_accounts,
        shard_plan=None
        if shard is None
        else ShardPlan(
            index=int(shard.split("/")[0]),
            count=int(shard.split("/")[1]),
            organization_accounts=tuple(sorted(listing if listing is not None else accounts)),
            **(plan or {}),
        ),
    ).save(out / SHARD_INVENTORY)
    write_manifest(
        out,
        [out / "findings.json", out / SHARD_INVENTORY],
        scan_id=scan_id,
        tool_version="1.0.0",
    )
    return out


def _three(tmp_path: Path) -> list[Path]:
    ones, twos, threes = ids_in(1, 3), ids_in(2, 3), ids_in(3, 3)
    parts = [[next(ones), next(ones)], [next(twos)], [next(threes), next(threes)]]
    listing = [a for part in parts for a in part]
    return [
        shard_dir(tmp_path, "a", "1/3", parts[0], start=2, listing=listing),
        shard_dir(tmp_path, "b", "2/3", parts[1], start=0, listing=listing),
        shard_dir(tmp_path, "c", "3/3", parts[2], start=1, listing=listing),
    ]


def test_a_complete_set_merges_into_one_organization(tmp_path: Path) -> None:
    dirs = _three(tmp_path)
    merged = merge_shards([str(d) for d in dirs])
    inv = merged.inventory
    ids = [a.account_id for a in inv.accounts]
    assert ids == sorted(ids) and len(ids) == 5
    assert [s.account_id for s in inv.skipped_accounts] == ["999999999999"]  # once, not 3 times
    assert inv.started_at == T0  # the earliest shard
    assert inv.collected_at == T0 + timedelta(minutes=6)  # when the last shard had collected
    assert inv.organization_id == "o-abc" and inv.datasets == ("cloudtrail.trails",)
    assert merged.check_ids == ("cloudtrail_enabled",)
    again = merge_shards([str(d) for d in reversed(dirs)])
    assert again.inventory.scan_id == inv.scan_id  # deterministic, whatever the order


def _refused(sources: list[Path], *words: str) -> None:
    with pytest.raises(UsageError) as err:
        merge_shards([str(s) for s in sources])
    message = str(err.value)
    assert "\n" not in message
    for word in words:
        assert word in message, message


def test_mixed_partitions_are_refused(tmp_path: Path) -> None:
    a, b, _ = _three(tmp_path)
    d = shard_dir(tmp_path, "d", "2/4", [next(ids_in(2, 4))])
    _refused([a, b, d], "different partitions")


def test_a_shard_given_twice_is_refused(tmp_path: Path) -> None:
    a, b, c = _three(tmp_path)
    again = shard_dir(tmp_path, "a2", "1/3", [next(ids_in(1, 3))])
    _refused([a, b, c, again], "1/3", "twice")


def test_a_missing_shard_is_refused(tmp_path: Path) -> None:
    a, _, c = _three(tmp_path)
    _refused([a, c], "missing", "2/3")


def test_an_account_in_two_shards_is_refused(tmp_path: Path) -> None:
    one, two = next(ids_in(1, 2)), next(ids_in(2, 2))
    a = shard_dir(tmp_path, "a", "1/2", [one], listing=[one, two])
    b = shard_dir(tmp_path, "b", "2/2", [two, one], listing=[one, two])
    _refused([a, b], one, "two shards")


def test_an_account_outside_its_shard_is_refused(tmp_path: Path) -> None:
    two = next(ids_in(2, 2))
    a = shard_dir(tmp_path, "a", "1/2", [two], listing=[two])
    b = shard_dir(tmp_path, "b", "2/2", [], listing=[two])
    _refused([a, b], "does not belong")


def test_an_account_outside_the_organization_is_refused(tmp_path: Path) -> None:
    one, two = next(ids_in(1, 2)), next(ids_in(2, 2))
    foreign = next(a for a in ids_in(1, 2) if a != one)
    a = shard_dir(tmp_path, "a", "1/2", [one, foreign], listing=[one, two])
    b = shard_dir(tmp_path, "b", "2/2", [two], listing=[one, two])
    _refused([a, b], foreign, "not in the Organization", "1/2")


def test_a_dropped_account_is_refused(tmp_path: Path) -> None:
    ones = ids_in(1, 2)
    one, dropped, two = next(ones), next(ones), next(ids_in(2, 2))
    a = shard_dir(tmp_path, "a", "1/2", [one], listing=[one, dropped, two])
    b = shard_dir(tmp_path, "b", "2/2", [two], listing=[one, dropped, two])
    _refused([a, b], dropped, "missing", "1/2")


def test_shards_cut_from_different_listings_or_options_are_refused(tmp_path: Path) -> None:
    one, two = next(ids_in(1, 2)), next(ids_in(2, 2))
    a = shard_dir(tmp_path, "a", "1/2", [one], listing=[one, two])
    b = shard_dir(tmp_path, "b", "2/2", [two], listing=[two])
    _refused([a, b], "Organization listings")
    c = shard_dir(tmp_path, "c", "2/2", [two], listing=[one, two], plan={"regions": ("eu-west-1",)})
    _refused([a, c], "scan options")


def test_excluded_accounts_are_not_missing(tmp_path: Path) -> None:
    ones = ids_in(1, 2)
    one, excluded, two = next(ones), next(ones), next(ids_in(2, 2))
    options = {"exclude_accounts": (excluded,)}
    a = shard_dir(tmp_path, "a", "1/2", [one], listing=[one, excluded, two], plan=options)
    b = shard_dir(tmp_path, "b", "2/2", [two], listing=[one, excluded, two], plan=options)
    assert len(merge_shards([str(a), str(b)]).inventory.accounts) == 2
    c = shard_dir(tmp_path, "c", "1/2", [one, excluded], listing=[one, excluded, two], plan=options)
    _refused([c, b], excluded, "not to be scanned")


def test_a_shard_whose_data_does_not_match_its_manifest_is_refused(tmp_path: Path) -> None:
    a, b, c = _three(tmp_path)
    inventory = b / SHARD_INVENTORY
    inventory.write_text(inventory.read_text().replace('"us-east-1"', '"us-east-2"'))
    _refused([a, b, c], str(b), SHARD_INVENTORY, "sha256")
    (b / "manifest.json").unlink()
    _refused([a, b, c], str(b), "manifest.json")


def test_a_scan_without_shard_is_refused(tmp_path: Path) -> None:
    a = shard_dir(tmp_path, "a", None, [next(ids_in(1, 1))])
    _refused([a], "not a shard")


@pytest.mark.parametrize(
    ("field", "value", "word"),
    [
        ("check_ids", ("cloudtrail_enabled", "kms_key_rotation"), "checks"),
        ("organization_id", "o-other", "Organizations"),
        ("tool_version", "2.0.0", "versions"),
    ],
)
def test_shards_of_different_scans_are_refused(
    tmp_path: Path, field: str, value: object, word: str
) -> None:
    one, two = next(ids_in(1, 2)), next(ids_in(2, 2))
    a = shard_dir(tmp_path, "a", "1/2", [one], listing=[one, two])
    b = shard_dir(tmp_path, "b", "2/2", [two], listing=[one, two], **{field: value})
    _refused([a, b], word)


def test_missing_or_foreign_inventory_is_refused(tmp_path: Path) -> None:
    one, two = next(ids_in(1, 2)), next(ids_in(2, 2))
    a = shard_dir(tmp_path, "a", "1/2", [one], listing=[one, two])
    b = shard_dir(tmp_path, "b", "2/2", [two], listing=[one, two], inventory_scan_id="scan-other")
    _refused([a, b], "scan-other")
    (b / SHARD_INVENTORY).unlink()
    _refused([a, b], SHARD_INVENTORY)


def test_folders_without_findings_are_refused(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    _refused([tmp_path / "empty"], "findings.json")
    _refused([tmp_path / "nowhere"], "no such directory")
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "findings.json").write_text("not json")
    (bad / SHARD_INVENTORY).write_text("{}")
    files = [bad / "findings.json", bad / SHARD_INVENTORY]
    write_manifest(bad, files, scan_id="x", tool_version="0")
    _refused([bad], "not JSON")


def test_merge_on_the_command_line_refuses_with_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    a, _, c = _three(tmp_path)
    code = main(["merge", str(a), str(c), "--output-dir", str(tmp_path / "out")])
    err = [line for line in capsys.readouterr().err.splitlines() if line.strip()]
    assert code == 2 and len(err) == 1 and "2/3" in err[0]
    assert not (tmp_path / "out" / "findings.json").exists()
