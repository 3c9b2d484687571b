"""The frozen inventory: everything a scan collected (or failed to collect), saveable as JSON."""

from __future__ import annotations

import sys
from datetime import datetime
from pathlib import Path
from typing import Any

from pydantic import Field, SerializerFunctionWrapHandler, field_serializer, field_validator

from scanner.core.atomic import write_text_atomic
from scanner.core.model import CollectionError, Frozen
from scanner.core.packed import PackedJson
from scanner.core.slim import share_keys, with_shared_keys

ACCOUNT_SCOPE = "*"


def record_key(dataset: str, region: str | None) -> str:
    return f"{dataset}@{region or ACCOUNT_SCOPE}"


class DatasetRecord(Frozen):
    """One dataset for one account (and region): data, or the error that prevented it."""

    dataset: str
    region: str | None = None
    data: Any = None
    """The dataset's JSON value; once loaded from a file, a PackedJson (`packed`), which
    Dataset.load parses and the inventory's JSON writes as the value it holds."""
    error: CollectionError | None = None
    collected_at: datetime

    @field_validator("dataset", "region", mode="after")
    @classmethod
    def _shared_name(cls, value: str | None) -> str | None:
        """Dataset and region names: one string per distinct name, not one per record."""
        return None if value is None else sys.intern(value)

    @field_serializer("data", mode="wrap")
    def _unpack(self, value: Any, handler: SerializerFunctionWrapHandler) -> Any:
        return handler(value.value() if isinstance(value, PackedJson) else value)

    def packed(self) -> DatasetRecord:
        """This record, its data held as a PackedJson (a fraction of the memory), its fields in
        a dict of shared keys and its set of given fields shared (scanner.core.slim)."""
        if isinstance(self.data, PackedJson) or self.data is None:
            return self
        return with_shared_keys(self, data=PackedJson(self.data))


share_keys(DatasetRecord)  # before any record is made (scanner.core.slim)


#: Bounds on account metadata (AWS allows names of 50 characters, OU names of 128, 50 tags of
#: 128-character keys and 256-character values, OUs 5 levels deep): what exceeds them came from a
#: doctored inventory or a misbehaving endpoint and is cut, never copied into every finding.
MAX_TEXT = 256
MAX_OU_DEPTH = 10
MAX_TAGS = 50
TRUNCATED = "…"


def bounded_text(value: str, limit: int = MAX_TEXT) -> str:
    """`value`, cut to `limit` characters (the cut marked with an ellipsis)."""
    return value if len(value) <= limit else value[: limit - 1] + TRUNCATED


class AccountInfo(Frozen):
    """An account as the Organization (or the caller) describes it; metadata sizes are bounded.

    `metadata_errors`: the Organizations calls (ListParents, DescribeOrganizationalUnit,
    ListTagsForResource) that failed for this account; its OU path or tags are then missing.
    They only enrich findings, so a failure is a recorded gap, never a verdict or an abort.
    """

    account_id: str
    name: str = ""
    email: str = ""
    status: str = "ACTIVE"
    ou_path: tuple[str, ...] = ()
    tags: dict[str, str] = Field(default_factory=dict)
    metadata_errors: tuple[CollectionError, ...] = ()

    def metadata_gap(self) -> str | None:
        """One line for reports and logs, or None when the metadata was read."""
        if not self.metadata_errors:
            return None
        calls = "; ".join(f"{e.operation} {e.code}" for e in self.metadata_errors)
        return f"account tags/OU could not be read: {calls}"

    @field_validator("name", "email", "status", mode="after")
    @classmethod
    def _bound_text(cls, value: str) -> str:
        return bounded_text(value)

    @field_validator("ou_path", mode="after")
    @classmethod
    def _bound_path(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        return tuple(bounded_text(part) for part in value[:MAX_OU_DEPTH])

    @field_validator("tags", mode="after")
    @classmethod
    def _bound_tags(cls, value: dict[str, str]) -> dict[str, str]:
        items = sorted(value.items())[:MAX_TAGS]
        return {bounded_text(k): bounded_text(v) for k, v in items}


class AccountInventory(Frozen):
    """What was collected for one account."""

    info: AccountInfo
    home_region: str
    regions: tuple[str, ...]
    skipped_regions: dict[str, str] = Field(default_factory=dict)
    access_error: CollectionError | None = None
    records: dict[str, DatasetRecord] = Field(default_factory=dict)

    @property
    def account_id(self) -> str:
        return self.info.account_id

    def record(self, dataset: str, region: str | None) -> DatasetRecord | None:
        return self.records.get(record_key(dataset, region))

    def packed(self) -> AccountInventory:
        """This account, the data of its records held as PackedJson (DatasetRecord.packed)."""
        records = {sys.intern(key): rec.packed() for key, rec in self.records.items()}
        return self.model_copy(update={"records": records})


class SkippedAccount(Frozen):
    """An Organization account that was not scanned, and why."""

    account_id: str
    name: str = ""
    status: str
    reason: str


class ShardPlan(Frozen):
    """What a `--shard K/N` scan was asked for: `trailwatch merge` recomputes the partition."""

    index: int
    count: int
    organization_accounts: tuple[str, ...]
    """Every ACTIVE account ListAccounts returned (the partition is taken over these)."""
    accounts: tuple[str, ...] = ()
    """`--accounts` (empty: every account)."""
    exclude_accounts: tuple[str, ...] = ()
    regions: tuple[str, ...] | None = None
    """`--regions` (None: every enabled region)."""


class Inventory(Frozen):
    """A whole scan's collected data."""

    schema_version: int = 1
    scan_id: str
    tool_version: str
    partition: str = "aws"
    caller_arn: str = ""
    caller_account: str = ""
    organization_id: str | None = None
    management_account_id: str | None = None
    started_at: datetime
    collected_at: datetime
    datasets: tuple[str, ...] = ()
    accounts: tuple[AccountInventory, ...] = ()
    skipped_accounts: tuple[SkippedAccount, ...] = ()
    shard_plan: ShardPlan | None = None
    """With `--shard`: the Organization listing and options the shard was cut from."""

    def account(self, account_id: str) -> AccountInventory | None:
        for acct in self.accounts:
            if acct.account_id == account_id:
                return acct
        return None

    def packed(self) -> Inventory:
        """This inventory, the data of every record held as PackedJson (DatasetRecord.packed)."""
        return self.model_copy(update={"accounts": tuple(a.packed() for a in self.accounts)})

    def save(self, path: Path) -> None:

        write_text_atomic(path, self.model_dump_json(indent=1))

    @classmethod
    def load(cls, path: Path) -> Inventory:
        return cls.model_validate_json(path.read_text(encoding="utf-8"))
