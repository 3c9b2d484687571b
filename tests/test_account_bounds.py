"""Account metadata from outside (Organizations, a saved inventory) is bounded in size."""

from __future__ import annotations

import json
from pathlib import Path

from checks.s3_account_public_access_block import CHECK
from reports.json_report import read_json
from reports.summary import ScanMeta, summarize
from reports.writers import write_reports
from scanner.core.datasets.s3 import S3_ACCOUNT_PUBLIC_ACCESS_BLOCK, AccountPublicAccessBlock
from scanner.core.inventory import MAX_TAGS, MAX_TEXT, AccountInfo
from tests.builders import NOW, InventoryBuilder, run


def test_huge_tags_names_and_paths_are_cut() -> None:
    info = AccountInfo(
        account_id="111111111111",
        name="n" * 10_000,
        ou_path=tuple(f"ou-{i}" + "x" * 1000 for i in range(40)),
        tags={f"k{i:03d}" + "k" * 500: "v" * 10_000_000 for i in range(200)},
    )
    assert len(info.name) == MAX_TEXT
    assert len(info.ou_path) <= 10 and all(len(p) <= MAX_TEXT for p in info.ou_path)
    assert len(info.tags) == MAX_TAGS
    assert all(len(k) <= MAX_TEXT and len(v) <= MAX_TEXT for k, v in info.tags.items())


def test_small_metadata_is_kept_exactly() -> None:
    tags = {"owner": "security", "cost-center": "1234"}
    info = AccountInfo(account_id="111111111111", name="prod", ou_path=("Root", "Prod"), tags=tags)
    assert (info.name, info.ou_path, info.tags) == ("prod", ("Root", "Prod"), tags)


def test_a_ten_megabyte_tag_does_not_reach_the_reports(tmp_path: Path) -> None:
    builder = InventoryBuilder(regions=("us-east-1",))
    account = builder.account()
    account.put(S3_ACCOUNT_PUBLIC_ACCESS_BLOCK, AccountPublicAccessBlock(configured=False))
    inv = builder.build()
    acct = inv.accounts[0]
    doctored = acct.model_copy(
        update={"info": AccountInfo(account_id=acct.account_id, tags={"big": "x" * 10_000_000})}
    )
    inv = inv.model_copy(update={"accounts": (doctored,)})
    findings = run(CHECK, inv)
    assert findings
    meta = ScanMeta.from_inventory(inv, [CHECK.id], NOW)
    paths = write_reports(tmp_path, ["json", "asff"], findings, meta, summarize(findings, meta))
    for path in paths:
        assert path.stat().st_size < 200_000, path
    doc = json.loads((tmp_path / "findings.json").read_text())
    (account,) = doc["scan"]["accounts"]
    assert len(account["tags"]["big"]) <= MAX_TEXT  # once, for the account
    assert all("account_tags" not in f for f in doc["findings"])  # not once per finding
    back = read_json(tmp_path / "findings.json")
    assert all(f.account_tags == account["tags"] for f in back.findings)  # read back whole
