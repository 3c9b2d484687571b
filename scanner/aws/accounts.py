"""Whole accounts: open one (AssumeRole, enabled regions), collect it, hand it over, release it."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Sequence

from scanner.aws.calls import start_job
from scanner.aws.collector import Collector
from scanner.aws.engine import (
    PER_ACCOUNT_CALLS,
    AccountTarget,
    collect_target,
    error_from_exception,
    plan_levels,
)
from scanner.aws.options import ScanOptions
from scanner.aws.regions import split_enabled
from scanner.aws.session import AccountSession, Sessions
from scanner.core.inventory import AccountInfo, AccountInventory
from scanner.core.model import CollectionError
from scanner.core.workers import run_each


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


def collect_account(
    sessions: Sessions,
    info: AccountInfo,
    options: ScanOptions,
    home: str,
    levels: list[list[Collector]],
    stop: threading.Event,
) -> AccountInventory:
    """One account, opened and collected; its session is released afterwards.

    An account that cannot be opened is returned with its `access_error` (ERROR findings)."""
    opened = open_account(sessions, info.account_id, options, home)
    if isinstance(opened, CollectionError):
        return AccountInventory(info=info, home_region=home, regions=(), access_error=opened)
    session, regions, skipped_regions = opened
    target = AccountTarget(info.account_id, session, home, regions)
    finished = False
    try:
        collect_target(target, levels, sessions.partition, stop)
        finished = not stop.is_set()
    finally:
        # Its clients serve the next account only when none of its calls can still run.
        session.release_clients(reuse=finished)
        sessions.forget(info.account_id)
    return AccountInventory(
        info=info,
        home_region=home,
        regions=regions,
        skipped_regions=skipped_regions,
        records=dict(target.records),
    )


ACCOUNTS_PER_CAP = 1.5
"""Accounts collected at once: this many per PER_ACCOUNT_CALLS of the in-flight cap. An account
seldom has all its PER_ACCOUNT_CALLS calls in flight (its datasets come in dependency levels,
and some are chains of calls), so with as many accounts as the cap alone allows, most of the
cap sat unused at real latencies; the cap itself (`--max-workers`) still holds, at each send.
Each account in flight holds a client per (Region, service) it calls (about 25 KB each): 2 per
cap kept more accounts than the cap could serve (1,000 x 4 at 50 ms, 128 in flight: 1.5 instead
of 2 lowered the largest worker from 166 to 151 MB with no loss of speed)."""


def collect_accounts(
    sessions: Sessions,
    infos: Iterable[AccountInfo],
    options: ScanOptions,
    home: str,
    collectors: Sequence[Collector],
    on_account: Callable[[AccountInventory], None],
    max_workers: int | None = None,
) -> None:
    """Open and collect every account, a window of accounts at a time (at most `max_workers`
    calls in flight in this process, PER_ACCOUNT_CALLS per account); each finished account is
    handed to `on_account` (one at a time) and then forgotten here, so memory does not grow with
    the number of accounts. An interrupted run hands over no partial account. `infos` is read as
    accounts finish (a worker process reads it from the queue it shares with the others)."""
    levels = plan_levels(collectors)
    workers = max_workers or options.max_workers
    sessions.in_flight.limit(workers)
    window = max(1, int(ACCOUNTS_PER_CAP * workers / PER_ACCOUNT_CALLS))
    stop = threading.Event()
    handover = threading.Lock()

    def one(info: AccountInfo) -> None:
        if stop.is_set():
            return
        account = collect_account(sessions, info, options, home, levels, stop)
        with handover:
            if stop.is_set():
                return
            try:
                on_account(account)
            except BaseException:
                stop.set()  # nothing more is handed over, whichever future is waited on
                raise

    run_each(one, infos, window, stop, thread_name_prefix="account")


def collection_errors(account: AccountInventory) -> int:
    """What failed in a collected account: its datasets that failed, or 1 if it could not be
    opened (the errors a progress tick counts)."""
    if account.access_error is not None:
        return 1
    return sum(1 for r in account.records.values() if r.error is not None)
