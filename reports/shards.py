"""Shard outputs (`scan --shard`): read, verified and joined into one inventory of the Organization.

A shard's own findings are not merged as they are: checks look across accounts (organization
trails in the management account, trail buckets in the log archive, alarm chains, bucket owners),
so a shard sees only part of the Organization graph. Each shard therefore keeps its collected
inventory next to its findings.json; merge validates the shards from their findings.json (one
complete set: same shard count, each shard once, disjoint accounts, same checks, same
Organization and tool version), joins their inventories and evaluates the whole Organization
once. The result equals one unsharded scan of the same Organization.

Nothing is evaluated unverified: each shard's findings.json and inventory.json must match the
shard's manifest.json (and be of bounded size), and the accounts of each shard must be exactly
those its `K/N` takes from the Organization listing the shard recorded (the same listing and
scan options in every shard): no account twice, none outside the Organization, none missing.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from pydantic import ValidationError

from reports.manifest import MANIFEST, check_listed
from reports.summary import ScanMeta
from scanner.core import inputs
from scanner.core.errors import UsageError
from scanner.core.inputs import load_inventory as read_inventory
from scanner.core.inventory import Inventory, SkippedAccount
from scanner.core.shard import SHARD_INVENTORY, Shard, parse_shard, shard_of

FINDINGS = "findings.json"
#: A shard's findings.json or inventory.json larger than this is refused unread.
MAX_SHARD_FILE_BYTES = 1 << 30


@dataclass(frozen=True)
class ShardOutput:
    """One shard's output folder: where it came from, its scan metadata and its shard."""

    source: str
    directory: Path
    meta: ScanMeta
    shard: Shard

    @property
    def account_ids(self) -> list[str]:
        return [a.account_id for a in self.meta.accounts]


def _bounded(directory: Path, name: str, source: str) -> Path:
    path = directory / name
    if path.is_symlink():
        raise UsageError(f"{source}: {name} is a symbolic link (refused)")
    if path.is_file() and path.stat().st_size > MAX_SHARD_FILE_BYTES:
        raise UsageError(f"{source}: {name} is larger than {MAX_SHARD_FILE_BYTES} bytes (refused)")
    return path


def verify_shard_files(directory: Path, source: str) -> None:
    """findings.json and inventory.json match the shard's manifest.json; a usage error if not."""
    for name in (FINDINGS, SHARD_INVENTORY, MANIFEST):
        if not _bounded(directory, name, source).is_file():
            raise UsageError(f"{source}: no {name} (expected the output folder of `scan --shard`)")
    try:
        problem = check_listed(directory, (FINDINGS, SHARD_INVENTORY))
    except UsageError as exc:
        raise UsageError(f"{source}: {exc}") from None
    if problem is not None:
        raise UsageError(f"{source}: {problem} (refused: the shard's data was changed)")


def read_shard(directory: Path, source: str | None = None) -> ShardOutput:
    """A verified shard output folder (findings.json with shard metadata), else a usage error."""
    source = source or str(directory)
    verify_shard_files(directory, source)
    path = directory / FINDINGS
    meta = _shard_meta(path, source)
    if meta.shard is None:
        raise UsageError(f"{source}: not a shard output (scanned without --shard)")
    if not meta.complete:
        raise UsageError(f"{source}: the shard scan did not complete")
    try:
        shard = parse_shard(meta.shard)
    except UsageError:
        raise UsageError(f"{source}: bad shard {meta.shard!r} in {FINDINGS}") from None
    return ShardOutput(source, directory, meta, shard)


def check_shards(shards: Sequence[ShardOutput]) -> None:
    """One complete, consistent set of shards, or a usage error that says what is wrong."""
    if not shards:
        raise UsageError("nothing to merge")
    counts = sorted({s.shard.count for s in shards})
    if len(counts) > 1:
        listed = ", ".join(f"{s.source} ({s.shard})" for s in shards)
        raise UsageError(f"shards of different partitions (N = {counts}): {listed}")
    count = counts[0]
    seen: dict[int, ShardOutput] = {}
    for s in shards:
        other = seen.get(s.shard.index)
        if other is not None:
            raise UsageError(f"shard {s.shard} given twice: {other.source} and {s.source}")
        seen[s.shard.index] = s
    missing = [f"{k}/{count}" for k in range(1, count + 1) if k not in seen]
    if missing:
        raise UsageError(f"missing shard(s) {', '.join(missing)}: a merge needs all {count}")
    first = shards[0]
    for field, label in (
        ("check_ids", "checks"),
        ("organization_id", "Organizations"),
        ("tool_version", "trailwatch versions"),
        ("partition", "partitions"),
        ("frameworks", "frameworks"),
    ):
        if len({repr(getattr(s.meta, field, None)) for s in shards}) > 1:
            expected = getattr(first.meta, field, None)
            odd = next(s for s in shards if getattr(s.meta, field, None) != expected)
            raise UsageError(f"shards with different {label}: {first.source} and {odd.source}")


def _shard_meta(path: Path, source: str) -> ScanMeta:
    """The `scan` section of a shard's findings.json (bounded, checked, one-line errors)."""
    doc = inputs.load_json(path, source, inputs.FINDINGS_MAX_BYTES)
    inputs.expect_kind(doc, inputs.FINDINGS, source, path)
    if not (isinstance(doc, dict) and isinstance(doc.get("scan"), dict)):
        raise inputs.InputError(f"{source}: {path} is not {inputs.FINDINGS}")
    try:
        return ScanMeta.model_validate(doc["scan"])
    except ValidationError as exc:
        raise inputs.InputError(f"{source}: {path}: scan.{inputs.summarize(exc)}") from None


def load_inventory(s: ShardOutput) -> Inventory:
    """The shard's inventory.json (already verified against its manifest), checked against its
    findings.json."""
    path = s.directory / SHARD_INVENTORY
    if not path.is_file():
        raise UsageError(
            f"{s.source}: no {SHARD_INVENTORY} (a shard scan writes it next to {FINDINGS})"
        )
    inventory = read_inventory(path, s.source)
    if inventory.scan_id != s.meta.scan_id:
        raise UsageError(
            f"{s.source}: {SHARD_INVENTORY} is from scan {inventory.scan_id}, "
            f"{FINDINGS} from scan {s.meta.scan_id}"
        )
    plan = inventory.shard_plan
    if plan is None:
        raise UsageError(
            f"{s.source}: {SHARD_INVENTORY} records no Organization listing "
            "(written by an older trailwatch: scan the shard again)"
        )
    if (plan.index, plan.count) != (s.shard.index, s.shard.count):
        raise UsageError(
            f"{s.source}: {SHARD_INVENTORY} is shard {plan.index}/{plan.count}, "
            f"{FINDINGS} says {s.shard}"
        )
    if sorted(a.account_id for a in inventory.accounts) != sorted(s.account_ids):
        raise UsageError(f"{s.source}: {FINDINGS} and {SHARD_INVENTORY} list different accounts")
    return inventory


def check_partition(shards: Sequence[ShardOutput], inventories: Sequence[Inventory]) -> None:
    """Each shard holds exactly the accounts its K/N takes from one common Organization listing;
    a usage error naming the shard and the account otherwise."""
    first, first_plan = shards[0], inventories[0].shard_plan
    assert first_plan is not None  # load_inventory refuses an inventory without a plan
    common = first_plan.model_dump(exclude={"index"})
    for s, inv in zip(shards, inventories, strict=True):
        plan = inv.shard_plan
        assert plan is not None
        if plan.model_dump(exclude={"index"}) != common:
            what = (
                "Organization listings"
                if set(plan.organization_accounts) != set(first_plan.organization_accounts)
                else "scan options (--accounts, --exclude-accounts, --regions)"
            )
            raise UsageError(f"{s.source} ({s.shard}): other {what} than {first.source}")
    listing = set(first_plan.organization_accounts)
    wanted = set(first_plan.accounts) or listing
    excluded = set(first_plan.exclude_accounts)
    count = first_plan.count
    owner: dict[str, ShardOutput] = {}
    for s, inv in zip(shards, inventories, strict=True):
        for account in (a.account_id for a in inv.accounts):
            other = owner.get(account)
            if other is s:
                raise UsageError(f"{s.source} ({s.shard}): account {account} is listed twice")
            if other is not None:
                raise UsageError(
                    f"account {account} is in two shards: {other.source} ({other.shard}) "
                    f"and {s.source} ({s.shard})"
                )
            owner[account] = s
            if account not in listing:
                raise UsageError(
                    f"{s.source} ({s.shard}): account {account} is not in the Organization "
                    "listing the shards were cut from"
                )
            if shard_of(account, count) != s.shard.index:
                raise UsageError(
                    f"{s.source}: account {account} does not belong to shard {s.shard} "
                    f"(its shard is {shard_of(account, count)}/{count})"
                )
            if account in excluded or account not in wanted:
                raise UsageError(
                    f"{s.source} ({s.shard}): account {account} was not to be scanned "
                    "(--accounts / --exclude-accounts)"
                )
        expected = {a for a in listing & wanted if shard_of(a, count) == s.shard.index} - excluded
        missing = sorted(expected - {a.account_id for a in inv.accounts})
        if missing:
            shown = ", ".join(missing[:5]) + (", ..." if len(missing) > 5 else "")
            raise UsageError(
                f"{s.source} ({s.shard}): {len(missing)} account(s) of the shard missing: {shown}"
            )


def merged_scan_id(inventories: Sequence[Inventory]) -> str:
    """Deterministic: merging the same shards again gives the same scan id (and S3 folder)."""
    started = min(i.started_at for i in inventories)
    digest = hashlib.sha256("\n".join(sorted(i.scan_id for i in inventories)).encode())
    return f"{started:%Y%m%dT%H%M%SZ}-{digest.hexdigest()[:8]}"


def merge_inventories(inventories: Sequence[Inventory]) -> Inventory:
    """One inventory of the whole Organization (shards in shard order, already checked).

    Accounts are ordered by id, as discovery orders them; accounts skipped (not ACTIVE, or
    excluded) are listed once. `collected_at`, the time checks evaluate against, is the latest
    of the shards': the moment all the data had been collected, as in one scan.
    """
    first = inventories[0]
    skipped: dict[str, SkippedAccount] = {}
    for inv in inventories:
        for acct in inv.skipped_accounts:
            skipped.setdefault(acct.account_id, acct)
    return Inventory(
        scan_id=merged_scan_id(inventories),
        tool_version=first.tool_version,
        partition=first.partition,
        caller_arn=first.caller_arn,
        caller_account=first.caller_account,
        organization_id=first.organization_id,
        management_account_id=next(
            (i.management_account_id for i in inventories if i.management_account_id), None
        ),
        started_at=min(i.started_at for i in inventories),
        collected_at=max(i.collected_at for i in inventories),
        datasets=tuple(dict.fromkeys(d for inv in inventories for d in inv.datasets)),
        accounts=tuple(
            sorted((a for inv in inventories for a in inv.accounts), key=lambda a: a.account_id)
        ),
        skipped_accounts=tuple(skipped[k] for k in sorted(skipped)),
    )
