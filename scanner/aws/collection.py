"""A scan's collection end to end: discover accounts and regions, collect (or resume) them."""

from __future__ import annotations

import logging
import tempfile
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from scanner import __version__
from scanner.aws.accounts import collect_accounts, collection_errors
from scanner.aws.collector import Collector
from scanner.aws.discovery import account_details, discover_organization
from scanner.aws.engine import error_from_exception
from scanner.aws.options import DEFAULT_ROLE, ScanOptions, scan_home_region
from scanner.aws.processes import (
    BatchDone,
    ProcessesUnavailable,
    collect_in_processes,
    plan_processes,
    write_checkpoint,
)
from scanner.aws.registry import all_collectors, botocore_services, required_collectors
from scanner.aws.session import CallLog, ClientSettings, Sessions
from scanner.core.check import Check
from scanner.core.checkpoint import CheckpointStore, fingerprint
from scanner.core.errors import CredentialsError, UsageError
from scanner.core.inventory import (
    AccountInfo,
    AccountInventory,
    Inventory,
    ShardPlan,
    SkippedAccount,
)
from scanner.core.progress import CollectionTick, is_batch_end
from scanner.core.workers import DaemonPool

__all__ = ["DEFAULT_ROLE", "ScanOptions", "ScanState", "collect_inventory", "scan_home_region"]

log = logging.getLogger(__name__)


@dataclass
class ScanState:
    """Collected inventory and the calls it took."""

    inventory: Inventory
    calls: CallLog
    skipped: list[SkippedAccount] = field(default_factory=list)


Progress = Callable[[str], None]
Tick = Callable[[CollectionTick], None]


def collect_inventory(
    options: ScanOptions,
    checks: Sequence[Check],
    progress: Progress = lambda _m: None,
    sessions: Sessions | None = None,
    checkpoints: CheckpointStore | None = None,
    resume: bool = False,
    tick: Tick | None = None,
) -> ScanState:
    """Discover the accounts, then collect each one (or take it from `checkpoints` with
    `resume`). Every collected account is written to `checkpoints` as soon as it is done."""
    started = datetime.now(UTC)
    home = scan_home_region(options)
    sessions = sessions or Sessions(
        options.profile,
        ClientSettings(
            endpoint_url=options.endpoint_url,
            max_attempts=options.max_attempts,
            max_pool_connections=max(64, options.max_workers),  # a connection per call in flight
        ),
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
            # OU paths and tags are read later, for the scanned accounts only, while they are
            # collected (account_details below): at 2 calls per account, reading them first
            # held up collection by about 12 s per 1,000 accounts at 50 ms per call.
            found = discover_organization(
                sessions.caller().client("organizations", home), with_details=False
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
        infos = [i for i in infos if options.shard.contains(i.account_id)]
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
    scanned = [i.account_id for i in infos]
    store = checkpoints
    resumed: dict[str, AccountInventory] = {}
    plan_key = scan_fingerprint(options, sessions, home, collectors)
    if store is not None:
        resumed, problems = store.begin(plan_key, resume, scanned)
        for problem in problems:
            progress(problem)
        # An account that could not be opened is collected again: its data is what is missing.
        resumed = {a: acct for a, acct in resumed.items() if acct.access_error is None}
        if resume:
            progress(f"resuming: {len(resumed)} of {len(scanned)} account(s) from checkpoints")
    todo = [i for i in infos if i.account_id not in resumed]
    processes = plan_processes(options, len(todo), sessions)
    # this process collects in every case (worker processes load the models they use themselves);
    # loaded before any thread starts (see Sessions.warm)
    sessions.warm(["ec2", "sts", *botocore_services(collectors)])
    progress(
        f"collecting {len(collectors)} dataset type(s) from {len(todo)} account(s)"
        + (f" in {processes} processes" if processes > 1 else "")
    )
    with DaemonPool(max_workers=1, thread_name_prefix="org-details") as background:
        details = (
            background.submit(
                account_details,
                sessions.caller().client("organizations", home),
                infos,
                min(8, options.max_workers),
            )
            if options.org
            else None
        )
        collected = collect_all(
            sessions, todo, options, home, collectors, store, plan_key, processes, len(resumed),
            tick,
        )  # fmt: skip
        if details is not None:
            infos = details.result()
    # Each account carries today's Organization details (a resumed one keeps its collected data).
    current = {i.account_id: i for i in infos}
    accounts = {
        a: acct.model_copy(update={"info": current[a]})
        for a, acct in (*resumed.items(), *collected.items())
    }
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


def scan_fingerprint(
    options: ScanOptions, sessions: Sessions, home: str, collectors: Sequence[Collector]
) -> str:
    """What decides the collected data of one account: checkpoints of another scan never mix."""
    return fingerprint(
        {
            "version": __version__,
            "caller": sessions.caller_arn,
            "partition": sessions.partition,
            "endpoint": options.endpoint_url,
            "role": options.role_name,
            "external_id": fingerprint({"x": options.external_id}),
            "regions": options.regions,
            "home": home,
            "datasets": sorted(c.dataset.name for c in collectors),
        }
    )


def collect_all(
    sessions: Sessions,
    infos: Sequence[AccountInfo],
    options: ScanOptions,
    home: str,
    collectors: Sequence[Collector],
    store: CheckpointStore | None,
    plan: str,
    processes: int,
    resumed: int,
    tick: Tick | None,
) -> dict[str, AccountInventory]:
    """Every account of `infos`, collected in this process (threads) or in worker processes;
    each one is checkpointed as soon as it is done, and `tick` follows the progress."""
    started = time.monotonic()
    calls0 = sessions.calls.total
    state = {"done": 0, "errors": 0, "calls": 0}
    total = len(infos)

    def advance(accounts: int, calls: int | None, errors: int) -> None:
        before = state["done"]
        state["done"] += accounts
        state["errors"] += errors
        state["calls"] = sessions.calls.total - calls0 if calls is None else state["calls"] + calls
        if tick is None:
            return
        done = state["done"]
        batch_end = any(is_batch_end(n, total) for n in range(before + 1, done + 1))
        tick(
            CollectionTick(
                done=done,
                total=total,
                resumed=resumed,
                calls=state["calls"],
                errors=state["errors"],
                elapsed=time.monotonic() - started,
                batch_end=batch_end,
            )
        )

    if processes > 1:
        temporary = None
        handover = store
        if handover is None:  # the checkpoints are how workers hand accounts over
            temporary = tempfile.TemporaryDirectory(prefix="trailwatch-collect-")
            handover = CheckpointStore(Path(temporary.name))
            handover.begin(plan, False, ())
        try:

            def on_batch(batch: BatchDone) -> None:
                advance(len(batch.accounts), batch.calls, batch.errors)

            return collect_in_processes(
                sessions, infos, options, home, collectors, handover, plan, processes, on_batch
            )
        except ProcessesUnavailable as exc:
            log.warning("worker processes unavailable (%s): collecting in this process", exc)
        finally:
            if temporary is not None:
                handover.close()
                temporary.cleanup()

    out: dict[str, AccountInventory] = {}

    def keep(account: AccountInventory) -> None:
        if store is not None:
            write_checkpoint(store, account)
        out[account.account_id] = account.packed()  # held compressed until a check reads it
        advance(1, None, collection_errors(account))

    collect_accounts(sessions, infos, options, home, collectors, keep)
    return out
