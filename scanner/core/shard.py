"""Shards of an Organization: `--shard K/N` scans the ACTIVE accounts a stable hash puts in shard K.

The hash is SHA-256 of the account id (never Python's `hash`, which is salted per process), so
every build of a CodeBuild batch agrees on the partition: N shards are disjoint and together
cover every ACTIVE account, whatever machine or Python version runs them.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

from scanner.core.errors import UsageError

#: Where a shard scan keeps its collected inventory, next to its reports (`trailwatch merge`
#: evaluates the Organization as one graph from these, not from the shards' own findings).
SHARD_INVENTORY = "inventory.json"

_SHARD = re.compile(r"(\d{1,6})/(\d{1,6})")


@dataclass(frozen=True)
class Shard:
    """Shard `index` (1-based) of `count`."""

    index: int
    count: int

    def __str__(self) -> str:
        return f"{self.index}/{self.count}"

    def contains(self, account_id: str) -> bool:
        return shard_of(account_id, self.count) == self.index


def shard_of(account_id: str, count: int) -> int:
    """The shard (1..count) of an account: SHA-256 of its id, first 8 bytes, modulo count."""
    digest = hashlib.sha256(account_id.encode("utf-8")).digest()
    return int.from_bytes(digest[:8], "big") % count + 1


def parse_shard(text: str) -> Shard:
    """`K/N` with 1 <= K <= N; anything else is a usage error."""
    match = _SHARD.fullmatch(text.strip())
    if match:
        index, count = int(match.group(1)), int(match.group(2))
        if 1 <= index <= count:
            return Shard(index, count)
    raise UsageError(f"--shard: expected K/N with 1 <= K <= N (for example 2/8), got {text!r}")
