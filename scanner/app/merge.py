"""`trailwatch merge`: the outputs of N shard scans (folders or S3) -> one scan of the Organization.

reports.shards verifies and joins the shards; this use case fetches them (from S3 when asked) and
hands the merged inventory back for one evaluation of the whole Organization.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from reports.manifest import MANIFEST
from reports.shards import (
    FINDINGS,
    MAX_SHARD_FILE_BYTES,
    ShardOutput,
    check_partition,
    check_shards,
    load_inventory,
    merge_inventories,
    read_shard,
)
from scanner.aws.session import ClientSettings, Sessions
from scanner.core.errors import UsageError
from scanner.core.inventory import Inventory
from scanner.core.shard import SHARD_INVENTORY
from scanner.publish.s3 import download_outputs, is_s3_url, parse_s3_url

Progress = Callable[[str], None]


@dataclass(frozen=True)
class Merged:
    """The merged inventory and what the shards ran: their checks and frameworks."""

    inventory: Inventory
    check_ids: tuple[str, ...]
    frameworks: tuple[str, ...]


def gather(
    sources: Sequence[str],
    workdir: Path,
    *,
    profile: str | None,
    endpoint_url: str | None,
) -> list[ShardOutput]:
    """Shard outputs from local folders and from s3://bucket/prefix/ (every folder below it)."""
    shards: list[ShardOutput] = []
    for n, source in enumerate(sources):
        if is_s3_url(source):
            location = parse_s3_url(source, flag="merge")
            sessions = Sessions(profile, ClientSettings(endpoint_url=endpoint_url))
            for url, folder in download_outputs(
                location,
                workdir / f"s3-{n}",
                (FINDINGS, SHARD_INVENTORY, MANIFEST),
                sessions=sessions,
                max_bytes=MAX_SHARD_FILE_BYTES,
            ):
                shards.append(read_shard(folder, url))
        else:
            folder = Path(source)
            if not folder.is_dir():
                raise UsageError(f"{source}: no such directory")
            shards.append(read_shard(folder))
    return shards


def merge_shards(
    sources: Sequence[str],
    *,
    profile: str | None = None,
    endpoint_url: str | None = None,
    progress: Progress = lambda _m: None,
) -> Merged:
    """The merged inventory, and the checks and frameworks the shards ran."""
    with tempfile.TemporaryDirectory(prefix="trailwatch-merge-") as tmp:
        shards = gather(sources, Path(tmp), profile=profile, endpoint_url=endpoint_url)
        check_shards(shards)
        shards = sorted(shards, key=lambda s: s.shard.index)
        inventories = [load_inventory(s) for s in shards]
        check_partition(shards, inventories)
    merged = merge_inventories(inventories)
    progress(
        f"merged {len(shards)} shard(s): {len(merged.accounts)} account(s), "
        f"{len(merged.skipped_accounts)} skipped; evaluating the Organization as one"
    )
    first = shards[0].meta
    return Merged(merged, first.check_ids, first.frameworks)
