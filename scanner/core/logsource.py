"""Log sources: what delivers logs where, extracted from the inventory by per-dataset extractors."""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from scanner.core.dataset import Dataset, Scope
from scanner.core.inventory import Inventory
from scanner.core.model import CollectionError, DataUnavailable, Frozen
from scanner.core.view import OrgView, View

#: The package whose modules contribute extractors (each through a module-level EXTRACTORS tuple).
EXTRACTOR_PACKAGE = "scanner.core.logsources"


class DestinationType(StrEnum):
    """Where logs go."""

    S3 = "s3"
    CLOUDWATCH_LOGS = "cloudwatch-logs"
    FIREHOSE = "firehose"
    KINESIS = "kinesis"
    OTHER = "other"


_ARN_SERVICES = {
    "s3": DestinationType.S3,
    "logs": DestinationType.CLOUDWATCH_LOGS,
    "firehose": DestinationType.FIREHOSE,
    "kinesis": DestinationType.KINESIS,
}


class Destination(Frozen):
    """One place a source delivers to, as the source names it.

    `target` is the bucket name (S3), the log group name (CloudWatch Logs) or the ARN (others);
    `account_id` and `region` are None when the source does not say (a bucket is named without
    its owner: the inventory resolves it). `kms_key` is the key the source itself encrypts with,
    when it names one (a trail's SSE-KMS key, a Config channel's key).
    """

    type: DestinationType
    target: str
    arn: str | None = None
    account_id: str | None = None
    region: str | None = None
    prefix: str | None = None
    kms_key: str | None = None

    @classmethod
    def s3(cls, bucket: str, prefix: str | None = None, kms_key: str | None = None) -> Destination:
        """An S3 bucket named by the source (owner and region unknown until resolved)."""
        return cls(
            type=DestinationType.S3, target=bucket, prefix=prefix or None, kms_key=kms_key or None
        )

    @classmethod
    def log_group(
        cls, name: str, account_id: str, region: str, partition: str = "aws"
    ) -> Destination:
        """A CloudWatch Logs group named without an ARN (EKS, RDS, ... use fixed names)."""
        arn = f"arn:{partition}:logs:{region}:{account_id}:log-group:{name}"
        return cls(
            type=DestinationType.CLOUDWATCH_LOGS,
            target=name,
            arn=arn,
            account_id=account_id,
            region=region,
        )

    @classmethod
    def from_arn(cls, arn: str, kms_key: str | None = None) -> Destination:
        """A destination named by ARN: S3 bucket (with prefix), log group (`:*` dropped),
        Firehose or Kinesis stream; anything else is OTHER with the ARN as target."""
        parts = arn.split(":", 5)
        if len(parts) != 6 or parts[0] != "arn":
            return cls(type=DestinationType.OTHER, target=arn, kms_key=kms_key or None)
        service, region, account, rest = parts[2], parts[3], parts[4], parts[5]
        kind = _ARN_SERVICES.get(service, DestinationType.OTHER)
        if kind is DestinationType.S3:
            bucket, _, prefix = rest.partition("/")
            return cls.s3(bucket, prefix, kms_key)
        target = arn
        if kind is DestinationType.CLOUDWATCH_LOGS:
            arn = arn[:-2] if arn.endswith(":*") else arn
            target = arn.split(":log-group:", 1)[1] if ":log-group:" in arn else arn
        return cls(
            type=kind,
            target=target,
            arn=arn,
            account_id=account or None,
            region=region or None,
            kms_key=kms_key or None,
        )


class LogSource(Frozen):
    """A resource that produces logs (or could, and does not): where it delivers them.

    `kind` is a short stable label ("trail", "flow-log", "load-balancer", ...); `id` is the
    resource's ARN or id. `logging` is True when the source is set to deliver, False when its
    logging is off (no destinations: a gap to show), None when the scan cannot tell (`note` says
    why). `log_types` names what it logs when the service distinguishes (e.g. "ALL", "audit").
    """

    kind: str
    id: str
    name: str
    account_id: str
    region: str | None = None
    logging: bool | None = None
    log_types: tuple[str, ...] = ()
    destinations: tuple[Destination, ...] = ()
    detail: str = ""
    note: str = ""


@dataclass(frozen=True)
class Extractor:
    """How one dataset contributes log sources.

    `extract(view)` is pure: it reads `requires` (and, optionally, other datasets through
    `view.org.find`) and yields the sources of `view.account_id` in `view.region` (scope REGION)
    or of the whole account (scope ACCOUNT: `view.region` is None). Reading a dataset that was
    not collected raises DataUnavailable: the runner records a gap for that account/region
    instead of a source list.
    """

    name: str
    kind: str
    scope: Scope
    requires: tuple[Dataset[Any], ...]
    extract: Callable[[View], Iterable[LogSource]]


class ExtractionGap(Frozen):
    """An extractor that could not run for one account (and region): the calls that failed."""

    extractor: str
    kind: str
    account_id: str
    region: str | None = None
    errors: tuple[CollectionError, ...] = ()


class NotInventoried(Frozen):
    """An extractor that did not run: the scan collected none of `datasets` (no selected check
    needed them), so its kind of source is not in the inventory at all."""

    extractor: str
    kind: str
    datasets: tuple[str, ...]


class Extraction(Frozen):
    """Every log source of a scan (each once), and where the inventory could not tell."""

    sources: tuple[LogSource, ...] = ()
    gaps: tuple[ExtractionGap, ...] = ()
    not_inventoried: tuple[NotInventoried, ...] = ()


def all_extractors() -> list[Extractor]:
    """Every extractor of the EXTRACTOR_PACKAGE modules, by name (duplicates are a bug)."""
    pkg = importlib.import_module(EXTRACTOR_PACKAGE)
    found: list[Extractor] = []
    for info in sorted(pkgutil.iter_modules(pkg.__path__), key=lambda i: i.name):
        if info.name.startswith("_") or info.ispkg:
            continue
        module = importlib.import_module(f"{EXTRACTOR_PACKAGE}.{info.name}")
        found.extend(e for e in getattr(module, "EXTRACTORS", ()) if isinstance(e, Extractor))
    names = [e.name for e in found]
    dupes = sorted({n for n in names if names.count(n) > 1})
    if dupes:
        raise RuntimeError(f"duplicate log-source extractors: {dupes}")
    return sorted(found, key=lambda e: e.name)


def extract(
    inventory: Inventory,
    extractors: Iterable[Extractor] | None = None,
    org: OrgView | None = None,
) -> Extraction:
    """Run the extractors over every scanned account (and region); a source listed by two
    accounts (an organization trail seen from a member) is kept once. An extractor whose
    datasets the scan did not collect at all does not run (NotInventoried, not one gap per
    account and region). `org`: a view of `inventory` to share (its parsed data is reused)."""
    org = org or OrgView(inventory)
    collected = {rec.dataset for acct in inventory.accounts for rec in acct.records.values()}
    chosen: list[Extractor] = []
    skipped: list[NotInventoried] = []
    for ext in all_extractors() if extractors is None else extractors:
        missing = tuple(ds.name for ds in ext.requires if ds.name not in collected)
        if missing:
            skipped.append(NotInventoried(extractor=ext.name, kind=ext.kind, datasets=missing))
        else:
            chosen.append(ext)
    sources: dict[tuple[str, str, str, str], LogSource] = {}
    gaps: list[ExtractionGap] = []
    for acct in org.accounts():
        org.evaluating(acct.account_id)  # what only this account's sources read is released
        for ext in chosen:
            regions: tuple[str | None, ...] = acct.regions if ext.scope is Scope.REGION else (None,)
            for region in regions:
                view = View(acct, region, org)
                try:
                    found = list(ext.extract(view))
                except DataUnavailable as exc:
                    gaps.append(
                        ExtractionGap(
                            extractor=ext.name,
                            kind=ext.kind,
                            account_id=acct.account_id,
                            region=region,
                            errors=tuple(dict.fromkeys(exc.errors)),
                        )
                    )
                    continue
                for src in found:
                    key = (src.kind, src.account_id, src.region or "", src.id)
                    sources.setdefault(key, src)
    org.evaluating(None)
    return Extraction(
        sources=tuple(sources.values()), gaps=tuple(gaps), not_inventoried=tuple(skipped)
    )
