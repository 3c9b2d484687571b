"""The log-source inventory: every source with its destinations' owner, retention, encryption and
whether they are in the log-archive account, resolved from the inventory alone (never guessed)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Literal

from pydantic import Field, field_validator

from scanner.core.dataset import Dataset
from scanner.core.datasets.cloudtrail import TRAILS, Trail
from scanner.core.datasets.kms import KMS_KEYS, KmsKey
from scanner.core.datasets.logs import LOG_GROUPS, LogGroup
from scanner.core.datasets.s3 import S3_BUCKET_LIFECYCLE, S3_BUCKET_VERSIONING, S3_BUCKETS
from scanner.core.inventory import Inventory
from scanner.core.logsource import (
    Destination,
    DestinationType,
    Extraction,
    ExtractionGap,
    Extractor,
    LogSource,
    NotInventoried,
    extract,
)
from scanner.core.model import CollectionError, DataUnavailable, Frozen, peek
from scanner.core.view import OrgView

#: The version of the `log_sources` section of findings.json this trailwatch writes and reads.
LOG_SOURCES_SCHEMA_VERSION = 1

UNKNOWN = "unknown"


class Fact(Frozen):
    """A property of a destination: `value`, or None when the scan cannot tell (`note` says why;
    with a value, `note` says where it came from)."""

    value: str | None = None
    note: str = ""

    @property
    def shown(self) -> str:
        return self.value if self.value is not None else UNKNOWN


class ResolvedDestination(Frozen):
    """A destination as the source names it, with what the inventory says about it."""

    type: DestinationType
    target: str
    arn: str | None = None
    prefix: str | None = None
    region: str | None = None
    account_id: str | None = None
    """The owner: from the ARN, or (S3) from the bucket lists of the scanned accounts."""
    account_note: str = ""
    exists: bool | None = None
    """False: the owner's data was read and has no such bucket / log group."""
    retention: Fact = Field(default_factory=Fact)
    encryption: Fact = Field(default_factory=Fact)
    in_log_archive: bool | None = None
    log_archive_note: str = ""


class LogSourceEntry(Frozen):
    """One log source (see scanner.core.logsource.LogSource) with its destinations resolved."""

    kind: str
    id: str
    name: str
    account_id: str
    region: str | None = None
    logging: bool | None = None
    log_types: tuple[str, ...] = ()
    destinations: tuple[ResolvedDestination, ...] = ()
    detail: str = ""
    note: str = ""

    @property
    def archive_state(self) -> str:
        """ "none" (no destination), "no" (one outside the log-archive account), "unknown" (one
        whose owner or the archive is unknown), else "yes"."""
        states = [d.in_log_archive for d in self.destinations]
        if not states:
            return "none"
        if False in states:
            return "no"
        return "unknown" if None in states else "yes"

    @property
    def logging_state(self) -> str:
        return {True: "on", False: "off", None: "unknown"}[self.logging]


class LogArchive(Frozen):
    """The log-archive account and how it is known: the `--log-archive-account` option (or
    `log_archive_account` config key), else the owner of the organization trails' bucket."""

    account_id: str | None = None
    source: Literal["option", "organization-trail", "unknown"] = "unknown"
    note: str = ""


class LogSourceInventory(Frozen):
    """The `log_sources` section of findings.json."""

    schema_version: int = LOG_SOURCES_SCHEMA_VERSION
    log_archive: LogArchive = Field(default_factory=LogArchive)
    sources: tuple[LogSourceEntry, ...] = ()
    gaps: tuple[ExtractionGap, ...] = ()
    """Accounts (and regions) whose sources of a kind could not be listed: the failed calls."""
    not_inventoried: tuple[NotInventoried, ...] = ()
    """Kinds of source this scan did not look for (their datasets were not collected)."""

    @field_validator("schema_version")
    @classmethod
    def _known_version(cls, value: int) -> int:
        if value != LOG_SOURCES_SCHEMA_VERSION:
            raise ValueError(
                f"log_sources schema_version {value}; this trailwatch reads "
                f"version {LOG_SOURCES_SCHEMA_VERSION}"
            )
        return value

    def counts(self) -> dict[str, int]:
        """Sources per kind, in kind order."""
        out: dict[str, int] = {}
        for src in sorted(self.sources, key=lambda s: s.kind):
            out[src.kind] = out.get(src.kind, 0) + 1
        return out


# ----------------------------------------------------------------------------------- resolving


def _why(errors: Iterable[CollectionError]) -> str:
    unique = list(dict.fromkeys(errors))
    return "; ".join(e.describe() for e in unique[:3]) or "not collected"


class _Resolver:
    """Looks destinations up in the inventory (each dataset parsed once, by OrgView)."""

    def __init__(self, inventory: Inventory) -> None:
        self.org = OrgView(inventory)
        self.scanned = {a.account_id for a in self.org.accounts()}
        self.owners: dict[str, str] = {}
        self.unlisted: list[CollectionError] = []
        for acct in self.org.accounts():
            self.org.evaluating(acct.account_id)  # each bucket list parsed, read, released
            try:
                for bucket in self.org.get(acct.account_id, S3_BUCKETS):
                    self.owners[bucket.name] = acct.account_id
            except DataUnavailable as exc:
                self.unlisted.extend(exc.errors)
        self.org.evaluating(None)
        self._resolved: dict[tuple[Destination, LogArchive], ResolvedDestination] = {}
        self._group_index: dict[tuple[str, str], tuple[dict[str, LogGroup] | None, str]] = {}
        self._key_index: dict[tuple[str, str], dict[str, KmsKey]] = {}

    def _groups(self, account: str, region: str) -> tuple[dict[str, LogGroup] | None, str]:
        """The log groups of (account, region) by name, or (None, why not); built once."""
        cached = self._group_index.get((account, region))
        if cached is None:
            groups, why = self._read(account, LOG_GROUPS, region)
            index = None if groups is None else {g.name: g for g in groups}
            cached = self._group_index[(account, region)] = (index, why)
        return cached

    def _keys(self, account: str, region: str) -> dict[str, KmsKey]:
        """The KMS keys of (account, region) by ARN and id (empty when not read)."""
        cached = self._key_index.get((account, region))
        if cached is None:
            keys, _ = self._read(account, KMS_KEYS, region)
            cached = {}
            for k in keys or ():
                cached[k.arn] = cached[k.key_id] = k
            self._key_index[(account, region)] = cached
        return cached

    def _read(self, account: str, ds: Dataset[Any], region: str | None) -> tuple[Any, str]:
        """(data, "") or (None, why not)."""
        if account not in self.scanned:
            return None, f"account {account} is not in the scan"
        try:
            return self.org.get(account, ds, region), ""
        except DataUnavailable as exc:
            return None, _why(exc.errors)

    def bucket_owner(self, bucket: str) -> tuple[str | None, str]:
        owner = self.owners.get(bucket)
        if owner is not None:
            return owner, "s3:ListBuckets of the owner"
        if self.unlisted:
            return None, "bucket lists not read: " + _why(self.unlisted)
        return None, "bucket is in no scanned account's bucket list"

    def key_fact(self, key: str, origin: str) -> Fact:
        """Encryption with a KMS key named by `origin`; the key's state when KMS data has it."""
        parts = key.split(":")
        if len(parts) >= 6 and parts[2] == "kms":
            found = self._keys(parts[4], parts[3]).get(key)
            state = peek(found, "key_state") if found is not None else None
            if state:
                return Fact(value=f"SSE-KMS {key} ({state})", note=origin)
        return Fact(value=f"SSE-KMS {key}", note=origin)

    def resolve(self, dest: Destination, archive: LogArchive) -> ResolvedDestination:
        """What the inventory says of `dest`; one shared object per destination (the many
        sources that deliver to one central bucket or log group share it: frozen)."""
        key = (dest, archive)
        resolved = self._resolved.get(key)
        if resolved is None:
            resolved = self._resolved[key] = self._resolve(dest, archive)
        return resolved

    def _resolve(self, dest: Destination, archive: LogArchive) -> ResolvedDestination:
        account, account_note = dest.account_id, "from the destination ARN"
        if dest.type is DestinationType.S3 and account is None:
            account, account_note = self.bucket_owner(dest.target)
        exists: bool | None = None
        retention = Fact(note="not collected for this destination type")
        encryption = Fact(note="not collected for this destination type")
        if dest.type is DestinationType.CLOUDWATCH_LOGS and account and dest.region:
            exists, retention, encryption = self._log_group(dest, account)
        elif dest.type is DestinationType.S3:
            exists, retention, encryption = self._bucket(dest, account, account_note)
        if dest.kms_key and encryption.value is None:
            encryption = self.key_fact(dest.kms_key, "KMS key set on the source")
        in_archive, archive_note = _in_archive(account, account_note, archive)
        return ResolvedDestination(
            type=dest.type,
            target=dest.target,
            arn=dest.arn,
            prefix=dest.prefix,
            region=dest.region,
            account_id=account,
            account_note="" if account else account_note,
            exists=exists,
            retention=retention,
            encryption=encryption,
            in_log_archive=in_archive,
            log_archive_note=archive_note,
        )

    def _log_group(self, dest: Destination, account: str) -> tuple[bool | None, Fact, Fact]:
        groups, why = self._groups(account, dest.region or "")
        if groups is None:
            return None, Fact(note=why), Fact(note=why)
        group = groups.get(dest.target)
        if group is None:
            gone = Fact(note="log group does not exist (logs:DescribeLogGroups)")
            return False, gone, gone
        retention = Fact(
            value=f"{group.retention_in_days} days" if group.retention_in_days else "never expires",
            note="logs:DescribeLogGroups",
        )
        if group.kms_key_id:
            return True, retention, self.key_fact(group.kms_key_id, "logs:DescribeLogGroups")
        return True, retention, Fact(value="service-managed", note="logs:DescribeLogGroups")

    def _bucket(
        self, dest: Destination, account: str | None, account_note: str
    ) -> tuple[bool | None, Fact, Fact]:
        encryption = Fact(note="bucket default encryption is not collected by trailwatch")
        if account is None:
            return None, Fact(note=account_note), encryption
        lifecycle, why = self._read(account, S3_BUCKET_LIFECYCLE, None)
        versioning, _ = self._read(account, S3_BUCKET_VERSIONING, None)
        entry = (lifecycle or {}).get(dest.target)
        configured = peek(entry, "configured") if entry is not None else None
        if configured is None:
            note = why or "lifecycle not read for this bucket (s3:GetLifecycleConfiguration)"
            if entry is not None and "configured" in entry.errors:
                note = entry.errors["configured"].describe()
            return True, Fact(note=note), encryption
        text = (
            f"lifecycle rules ({peek(entry, 'rules', 0)})"
            if configured
            else "no lifecycle rule (kept until deleted)"
        )
        versions = (versioning or {}).get(dest.target)
        if versions is not None and peek(versions, "object_lock_enabled"):
            text += ", Object Lock"
        return True, Fact(value=text, note="s3:GetLifecycleConfiguration"), encryption


def _in_archive(
    account: str | None, account_note: str, archive: LogArchive
) -> tuple[bool | None, str]:
    if archive.account_id is None:
        return None, f"log-archive account unknown: {archive.note}"
    if account is None:
        return None, f"destination owner unknown: {account_note}"
    return account == archive.account_id, ""


# ------------------------------------------------------------------------------ log archive


def _organization_trails(org: OrgView) -> list[Trail]:
    seen: dict[str, Trail] = {}
    for acct in org.accounts():
        org.evaluating(acct.account_id)  # each account's trails parsed, read, released
        for region in acct.regions:
            for trail in org.find(acct.account_id, TRAILS, region) or ():
                if trail.is_organization_trail:
                    seen.setdefault(trail.arn, trail)
    org.evaluating(None)
    return sorted(seen.values(), key=lambda t: t.arn)


def find_log_archive(resolver: _Resolver, explicit: str | None) -> LogArchive:
    """The log-archive account: `explicit` when given, else the one account owning the buckets
    of every organization trail; unknown (with the reason) otherwise."""
    if explicit:
        return LogArchive(account_id=explicit, source="option", note="--log-archive-account")
    trails = [t for t in _organization_trails(resolver.org) if t.s3_bucket_name]
    if not trails:
        return LogArchive(
            note="no organization trail in the scanned data; give --log-archive-account"
        )
    owners: dict[str, list[str]] = {}
    for trail in trails:
        bucket = trail.s3_bucket_name or ""
        owner, why = resolver.bucket_owner(bucket)
        if owner is None:
            return LogArchive(note=f"owner of organization trail bucket {bucket}: {why}")
        owners.setdefault(owner, []).append(trail.name)
    if len(owners) > 1:
        listed = ", ".join(sorted(owners))
        return LogArchive(note=f"organization trails deliver to buckets of {listed}")
    [(owner, names)] = owners.items()
    return LogArchive(
        account_id=owner,
        source="organization-trail",
        note=f"owner of the bucket of organization trail {', '.join(names)}",
    )


def build_log_sources(
    inventory: Inventory,
    log_archive_account: str | None = None,
    extractors: Iterable[Extractor] | None = None,
) -> LogSourceInventory:
    """The log-source inventory of a scan (pure: the inventory is the only input)."""
    resolver = _Resolver(inventory)
    extraction: Extraction = extract(inventory, extractors, resolver.org)
    archive = find_log_archive(resolver, log_archive_account)
    entries = [_entry(src, resolver, archive) for src in extraction.sources]
    entries.sort(key=lambda e: (e.account_id, e.region or "", e.kind, e.id))
    return LogSourceInventory(
        log_archive=archive,
        sources=tuple(entries),
        gaps=extraction.gaps,
        not_inventoried=extraction.not_inventoried,
    )


def _entry(src: LogSource, resolver: _Resolver, archive: LogArchive) -> LogSourceEntry:
    return LogSourceEntry(
        kind=src.kind,
        id=src.id,
        name=src.name,
        account_id=src.account_id,
        region=src.region,
        logging=src.logging,
        log_types=src.log_types,
        destinations=tuple(resolver.resolve(d, archive) for d in src.destinations),
        detail=src.detail,
        note=src.note,
    )
