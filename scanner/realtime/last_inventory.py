"""The last complete scan's inventory, read from where scans upload (the report bucket).

Scans upload each output folder to `prefix/<YYYY-MM-DD>/<scan-id>/` (scanner.publish.s3); a shard
scan (`scan --shard K/N`, as the scheduled CodeBuild job runs) puts its inventory.json there
next to findings.json and manifest.json, under `shards/<run-id>/`. The last complete set is:

- the newest folder (by its manifest's LastModified) whose manifest lists findings.json and
  inventory.json, and which is either an unsharded scan, or one shard of a set whose folders
  (the same path before `<date>/<scan-id>/`) hold every shard 1..N exactly once, consistent as
  `trailwatch merge` requires: the shards' inventories are joined into one;
- every file read is verified against its folder's manifest (size and SHA-256) before use;
- at most `max_bytes` are downloaded in all (manifests at most MAX_MANIFEST_BYTES each).

A folder or set that fails any of these is skipped with a warning, and the next newest is tried
(at most MAX_SETS_TRIED sets); when none qualifies, InventoryUnavailable says why.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
import tempfile
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from reports.json_report import read_json
from reports.shards import ShardOutput, check_shards, load_inventory, merge_inventories
from scanner.core.errors import TrailwatchError
from scanner.core.inventory import Inventory
from scanner.core.shard import parse_shard
from scanner.publish.s3 import S3Location

log = logging.getLogger(__name__)

MANIFEST = "manifest.json"
FINDINGS = "findings.json"
INVENTORY = "inventory.json"
MAX_MANIFEST_BYTES = 1 << 20
MAX_SETS_TRIED = 3
#: Objects listed under the prefix at most (a bucket of daily scans holds a few thousand).
MAX_KEYS = 500_000

_FOLDER = re.compile(r"^(?P<group>(?:[^/]+/)*?)\d{4}-\d{2}-\d{2}/[^/]+/$")
_CHUNK = 1 << 20


class InventoryUnavailable(TrailwatchError):
    """No complete, verified scan output could be read under the prefix."""


@dataclass(frozen=True)
class LastInventory:
    """The inventory, and the folders (S3 URLs) it was read from."""

    inventory: Inventory
    folders: tuple[str, ...]

    def describe(self) -> str:
        where = self.folders[0] if len(self.folders) == 1 else f"{len(self.folders)} shards"
        return (
            f"inventory of scan {self.inventory.scan_id} ({len(self.inventory.accounts)} "
            f"account(s), collected {self.inventory.collected_at:%Y-%m-%d %H:%M} UTC) "
            f"from {where}"
        )


@dataclass(frozen=True)
class _Folder:
    key: str  # the folder's key prefix, ending in /
    group: str  # the path before <date>/<scan-id>/
    modified: datetime


class _Budget:
    def __init__(self, max_bytes: int) -> None:
        self.left = max_bytes
        self.max_bytes = max_bytes

    def take(self, size: int, what: str) -> None:
        if size > self.left:
            raise InventoryUnavailable(
                f"{what}: reading it would exceed the limit of {self.max_bytes} bytes"
            )
        self.left -= size


def _folders(s3: Any, location: S3Location) -> list[_Folder]:
    """Folders `prefix/.../<date>/<scan-id>/` holding a manifest, findings.json and
    inventory.json, newest first (by the manifest's LastModified)."""
    manifests: dict[str, datetime] = {}
    names: dict[str, set[str]] = {}
    listed = 0
    for page in s3.get_paginator("list_objects_v2").paginate(
        Bucket=location.bucket, Prefix=location.prefix
    ):
        for obj in page.get("Contents", []):
            listed += 1
            if listed > MAX_KEYS:
                raise InventoryUnavailable(f"more than {MAX_KEYS} objects under {location}")
            folder, _, name = str(obj["Key"]).rpartition("/")
            names.setdefault(folder + "/", set()).add(name)
            if name == MANIFEST:
                manifests[folder + "/"] = obj["LastModified"]
    found: list[_Folder] = []
    for folder, modified in manifests.items():
        match = _FOLDER.match(folder[len(location.prefix) :])
        if match and {FINDINGS, INVENTORY} <= names[folder]:
            found.append(_Folder(folder, match.group("group"), modified))
    return sorted(found, key=lambda f: (f.modified, f.key), reverse=True)


def _get(s3: Any, bucket: str, key: str, limit: int, into: Path | None = None) -> bytes:
    """The object's bytes (or, with `into`, written there), refusing more than `limit`."""
    obj = s3.get_object(Bucket=bucket, Key=key)
    if int(obj.get("ContentLength") or 0) > limit:
        raise InventoryUnavailable(f"s3://{bucket}/{key} is larger than {limit} bytes")
    body, chunks, size = obj["Body"], [], 0
    handle = into.open("wb") if into is not None else None
    try:
        while block := body.read(_CHUNK):
            size += len(block)
            if size > limit:
                raise InventoryUnavailable(f"s3://{bucket}/{key} is larger than {limit} bytes")
            if handle is not None:
                handle.write(block)
            else:
                chunks.append(block)
    finally:
        if handle is not None:
            handle.close()
    return b"".join(chunks)


def _entries(raw: bytes, url: str) -> dict[str, tuple[int, str]]:
    """manifest path -> (size, sha256) of a folder's manifest."""
    try:
        doc = json.loads(raw)
    except (ValueError, RecursionError):
        raise InventoryUnavailable(f"{url}{MANIFEST} is not JSON") from None
    files = doc.get("files") if isinstance(doc, dict) else None
    if not isinstance(files, list) or doc.get("algorithm", "sha256") != "sha256":
        raise InventoryUnavailable(f"{url}{MANIFEST} is not a trailwatch manifest")
    out: dict[str, tuple[int, str]] = {}
    for entry in files:
        if not isinstance(entry, dict):
            continue
        path, size, digest = entry.get("path"), entry.get("size"), entry.get("sha256")
        if isinstance(path, str) and isinstance(size, int) and isinstance(digest, str):
            out[path] = (size, digest.lower())
    return out


def _fetch_folder(
    s3: Any, bucket: str, folder: _Folder, workdir: Path, budget: _Budget
) -> tuple[str, Path]:
    """(S3 URL, local copy) of a folder's findings.json and inventory.json, each verified
    against the folder's manifest."""
    url = f"s3://{bucket}/{folder.key}"
    entries = _entries(_get(s3, bucket, folder.key + MANIFEST, MAX_MANIFEST_BYTES), url)
    target = workdir / hashlib.sha256(folder.key.encode()).hexdigest()[:16]
    target.mkdir(parents=True, exist_ok=True)
    for name in (FINDINGS, INVENTORY):
        if name not in entries:
            raise InventoryUnavailable(f"{url}: {MANIFEST} lists no {name}")
        size, digest = entries[name]
        budget.take(size, f"{url}{name}")
        path = target / name
        _get(s3, bucket, folder.key + name, size, into=path)
        if path.stat().st_size != size or _sha256(path) != digest:
            raise InventoryUnavailable(f"{url}{name} does not match {MANIFEST}")
    return url, target


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while block := handle.read(_CHUNK):
            digest.update(block)
    return digest.hexdigest()


def _load_set(
    s3: Any, bucket: str, newest: _Folder, siblings: list[_Folder], budget: _Budget
) -> LastInventory:

    with tempfile.TemporaryDirectory(prefix="trailwatch-inventory-") as tmp:
        workdir = Path(tmp)
        url, local = _fetch_folder(s3, bucket, newest, workdir, budget)
        try:
            meta = read_json(local / FINDINGS).scan
        except (OSError, ValueError) as exc:
            raise InventoryUnavailable(f"{url}{FINDINGS}: {type(exc).__name__}") from None
        if not meta.complete:
            raise InventoryUnavailable(f"{url}: the scan did not complete")
        if meta.shard is None:
            inventory = _inventory(local, url, meta.scan_id)
            return LastInventory(inventory, (url,))
        outputs = []
        for folder in siblings:
            if folder is newest:
                folder_url, folder_local = url, local
            else:
                folder_url, folder_local = _fetch_folder(s3, bucket, folder, workdir, budget)
            try:
                shard_meta = read_json(folder_local / FINDINGS).scan
                shard = parse_shard(shard_meta.shard or "")
            except (OSError, ValueError, TrailwatchError) as exc:
                raise InventoryUnavailable(
                    f"{folder_url}{FINDINGS}: not a shard output ({type(exc).__name__})"
                ) from None
            if not shard_meta.complete:
                raise InventoryUnavailable(f"{folder_url}: the shard scan did not complete")
            outputs.append(ShardOutput(folder_url, folder_local, shard_meta, shard))
        try:
            check_shards(outputs)
            inventories = [load_inventory(s) for s in sorted(outputs, key=lambda s: s.shard.index)]
        except TrailwatchError as exc:
            where = f"s3://{bucket}/{newest.group}"
            raise InventoryUnavailable(f"shards under {where}: {exc}") from None
        return LastInventory(merge_inventories(inventories), tuple(s.source for s in outputs))


def _inventory(local: Path, url: str, scan_id: str) -> Inventory:
    try:
        inventory = Inventory.load(local / INVENTORY)
    except (OSError, ValueError) as exc:
        raise InventoryUnavailable(f"{url}{INVENTORY}: {type(exc).__name__}") from None
    if inventory.scan_id != scan_id:
        raise InventoryUnavailable(f"{url}: {INVENTORY} and {FINDINGS} are of different scans")
    return inventory


def load_last_inventory(s3: Any, location: S3Location, *, max_bytes: int) -> LastInventory:
    """The last complete, verified inventory under `location` (see the module docstring);
    InventoryUnavailable when there is none."""
    folders = _folders(s3, location)
    problems: list[str] = []
    tried: set[str] = set()
    for folder in folders:
        if len(tried) >= MAX_SETS_TRIED:
            break
        if folder.group in tried and folder.group:
            continue  # a shard of a set already tried
        siblings = [f for f in folders if f.group == folder.group]
        tried.add(folder.group or folder.key)
        try:
            return _load_set(s3, location.bucket, folder, siblings, _Budget(max_bytes))
        except InventoryUnavailable as exc:
            log.warning("skipped scan output: %s", exc)
            problems.append(str(exc))
    if not folders:
        raise InventoryUnavailable(f"no scan output ({MANIFEST}) under {location}")
    raise InventoryUnavailable(
        f"no complete scan output under {location}: " + "; ".join(problems[:MAX_SETS_TRIED])
    )
