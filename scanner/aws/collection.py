"""A scan end to end: discover accounts and regions, collect the inventory, evaluate the checks."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

from scanner import __version__
from scanner.aws.calls import start_job
from scanner.aws.collector import Collector
from scanner.aws.discovery import discover_organization, shard_accounts
from scanner.aws.engine import AccountTarget, collect, error_from_exception
from scanner.aws.regions import split_enabled
from scanner.aws.registry import all_collectors, required_collectors
from scanner.aws.session import AccountSession, CallLog, ClientSettings, Sessions
from scanner.core.check import Check
from scanner.core.errors import CredentialsError, UsageError
from scanner.core.inventory import (
    AccountInfo,
    AccountInventory,
    Inventory,
    ShardPlan,
    SkippedAccount,
)
from scanner.core.model import CollectionError
from scanner.core.shard import Shard
from scanner.core.workers import DaemonPool

log = logging.getLogger(__name__)

DEFAULT_ROLE = "OrganizationAccountAccessRole"


@dataclass(frozen=True)
class ScanOptions:
    """Everything that decides what a scan collects."""

    regions: tuple[str, ...] | None = None
    org: bool = False
    accounts: tuple[str, ...] = ()
    exclude_accounts: tuple[str, ...] = ()
    role_name: str = DEFAULT_ROLE
    external_id: str | None = None
    role_session_name: str = "trailwatch"
    profile: str | None = None
    endpoint_url: str | None = None
    home_region: str | None = None
    max_workers: int = 64
    max_attempts: int = 8
    shard: Shard | None = None
    """Only the ACTIVE accounts of this shard (`--shard K/N`, with org=True)."""


@dataclass
class ScanState:
    """Collected inventory and the calls it took."""

    inventory: Inventory
    calls: CallLog
    skipped: list[SkippedAccount] = field(default_factory=list)


Progress = Callable[[str], None]


def scan_home_region(options: ScanOptions) -> str:
    if options.home_region:
        return options.home_region
    if options.regions and "us-east-1" not in options.regions:
        return options.regions[0]
    return "us-east-1"


def collect_inventory(
    options: ScanOptions,
    checks: Sequence[Check],
    progress: Progress = lambda _m: None,
    sessions: Sessions | None = None,
) -> ScanState:
    started = datetime.now(UTC)
    home = scan_home_region(options)
    sessions = sessions or Sessions(
        options.profile,
        ClientSettings(endpoint_url=options.endpoint_url, max_attempts=options.max_attempts),
    )
    sessions.identify(home)
    progress(f"caller {sessions.caller_arn} (account {sessions.caller_account})")

    org_id: str | None = None
    mgmt: str | None = None
    listed: tuple[str, ...] = ()
    plan: ShardPlan | None = None
    skipped: list[SkippedAccount] = []
    if options.org:
        try:
            found = discover_organization(
                sessions.caller().client("organizations", home),
                with_details=options.shard is None,  # a shard reads details of its accounts only
                max_workers=min(8, options.max_workers),
            )
        except Exception as exc:
            err = error_from_exception(exc, home)
            raise CredentialsError(
                f"cannot list the Organization's accounts: {err.describe()}"
            ) from None
        org_id, mgmt = found.organization_id, found.management_account_id
        infos = list(found.accounts)
        listed = tuple(i.account_id for i in infos)
        skipped = list(found.skipped)
        progress(f"organization {org_id}: {len(infos)} active account(s), {len(skipped)} skipped")
    else:
        ids = options.accounts or (sessions.caller_account,)
        infos = [AccountInfo(account_id=a) for a in ids]
    if options.accounts:
        wanted = set(options.accounts)
        known = {i.account_id for i in infos}
        missing = sorted(wanted - known)
        if missing:
            raise UsageError(f"account(s) not in the Organization: {', '.join(missing)}")
        infos = [i for i in infos if i.account_id in wanted]
    if options.shard is not None:
        if not options.org:
            raise UsageError("--shard partitions an Organization: it needs --org")
        total = len(infos)
        infos = shard_accounts(
            sessions.caller().client("organizations", home),
            infos,
            options.shard,
            max_workers=min(8, options.max_workers),
        )
        progress(f"shard {options.shard}: {len(infos)} of {total} account(s)")
        plan = ShardPlan(
            index=options.shard.index,
            count=options.shard.count,
            organization_accounts=listed,
            accounts=options.accounts,
            exclude_accounts=options.exclude_accounts,
            regions=options.regions,
        )
    if options.exclude_accounts:
        excluded = set(options.exclude_accounts)
        for info in infos:
            if info.account_id in excluded:
                skipped.append(
                    SkippedAccount(
                        account_id=info.account_id,
                        name=info.name,
                        status=info.status,
                        reason="excluded by --exclude-accounts",
                    )
                )
        infos = [i for i in infos if i.account_id not in excluded]
    if not infos and options.shard is None:  # an empty shard is a valid (empty) scan
        raise UsageError("no accounts left to scan")

    collectors = required_collectors(checks, all_collectors())
    sessions.warm(["ec2", "sts", *botocore_services(collectors)])
    targets: list[AccountTarget] = []
    accounts: dict[str, AccountInventory] = {}
    # AssumeRole and DescribeRegions for every account, concurrently.
    with DaemonPool(max_workers=options.max_workers) as pool:
        opened = list(
            pool.map(lambda info: open_account(sessions, info.account_id, options, home), infos)
        )
    for info, result in zip(infos, opened, strict=True):
        if isinstance(result, CollectionError):
            accounts[info.account_id] = AccountInventory(
                info=info, home_region=home, regions=(), access_error=result
            )
            progress(f"account {info.account_id} {info.name}: not accessible ({result.code})")
            continue
        session, regions, skipped_regions = result
        target = AccountTarget(info.account_id, session, home, regions)
        targets.append(target)
        accounts[info.account_id] = AccountInventory(
            info=info, home_region=home, regions=regions, skipped_regions=skipped_regions
        )
    n_regions = len({r for t in targets for r in t.regions})
    progress(
        f"collecting {len(collectors)} dataset type(s) from {len(targets)} account(s) "
        f"in {n_regions} region(s)"
    )
    collect(targets, collectors, sessions.partition, options.max_workers, progress)
    for target in targets:
        acct = accounts[target.account_id]
        accounts[target.account_id] = acct.model_copy(update={"records": dict(target.records)})
    inventory = Inventory(
        scan_id=f"{started:%Y%m%dT%H%M%SZ}-{uuid.uuid4().hex[:8]}",
        tool_version=__version__,
        partition=sessions.partition,
        caller_arn=sessions.caller_arn,
        caller_account=sessions.caller_account,
        organization_id=org_id,
        management_account_id=mgmt,
        started_at=started,
        collected_at=datetime.now(UTC),
        datasets=tuple(c.dataset.name for c in collectors),
        accounts=tuple(accounts[i.account_id] for i in infos),
        skipped_accounts=tuple(skipped),
        shard_plan=plan,
    )
    return ScanState(inventory=inventory, calls=sessions.calls, skipped=skipped)


def botocore_services(collectors: Sequence[Collector]) -> set[str]:
    """The botocore service names behind the collectors' declared IAM actions."""
    out: set[str] = set()
    for collector in collectors:
        for action in collector.iam_actions:
            prefix = action.split(":", 1)[0]
            out.update(("s3", "s3control") if prefix == "s3" else (prefix,))
    return out


def assume_account(
    sessions: Sessions, account_id: str, options: ScanOptions, home: str
) -> AccountSession | CollectionError:
    """The account's session (the caller's own, else AssumeRole), or the error (as AssumeRole)."""
    start_job()
    try:
        if account_id == sessions.caller_account:
            return sessions.caller()
        return sessions.assume(
            account_id,
            options.role_name,
            home,
            external_id=options.external_id,
            session_name=options.role_session_name,
        )
    except Exception as exc:
        err = error_from_exception(exc, home)
        if err.operation in ("Unknown", "-"):
            err = err.model_copy(update={"operation": "AssumeRole", "iam_action": "sts:AssumeRole"})
        return err


def enabled_regions(
    session: AccountSession, options: ScanOptions, home: str, partition: str
) -> tuple[tuple[str, ...], dict[str, str]] | CollectionError:
    """(the account's enabled regions in scope, the others with why) from DescribeRegions."""
    try:
        described = session.client("ec2", home).describe_regions(AllRegions=True)["Regions"]
    except Exception as exc:
        return error_from_exception(exc, home)
    return split_enabled(described, options.regions, partition)


def open_account(
    sessions: Sessions, account_id: str, options: ScanOptions, home: str
) -> tuple[AccountSession, tuple[str, ...], dict[str, str]] | CollectionError:
    """The account's session and enabled regions, or the error that prevents scanning it."""
    session = assume_account(sessions, account_id, options, home)
    if isinstance(session, CollectionError):
        return session
    regions = enabled_regions(session, options, home, sessions.partition)
    if isinstance(regions, CollectionError):
        return regions
    return session, *regions
