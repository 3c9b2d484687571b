"""The collection engine: (account x region x dataset) on a bounded pool; errors become data."""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterable, Sequence
from concurrent.futures import Future
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, TypeVar

from botocore.exceptions import (
    ClientError,
    ConnectionError,
    EndpointConnectionError,
    ReadTimeoutError,
)

from scanner.aws.calls import current_call, note_call, start_job
from scanner.aws.collector import Collector, Missing
from scanner.aws.iam import iam_action
from scanner.aws.refusals import MutatingCallBlocked, OperationNotKept
from scanner.aws.session import AccountSession
from scanner.core.dataset import Dataset, Scope
from scanner.core.inventory import DatasetRecord, record_key
from scanner.core.model import CollectionError, DataUnavailable
from scanner.core.workers import DaemonPool, run_each

log = logging.getLogger(__name__)
T = TypeVar("T")


@dataclass
class AccountTarget:
    """One account to collect: its session and regions."""

    account_id: str
    session: AccountSession
    home_region: str
    regions: tuple[str, ...]
    records: dict[str, DatasetRecord] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)


class CollectContext:
    """What a collector sees: clients for its account, its region, and its dependencies."""

    def __init__(self, target: AccountTarget, region: str, partition: str) -> None:
        self._target = target
        self.account_id = target.account_id
        self.region = region
        self.regions = target.regions
        self.home_region = target.home_region
        self.partition = partition

    def client(self, service: str, region: str | None = None) -> Any:
        client = self._target.session.client(service, region or self.region)
        return _Tracked(client, service)

    def paginate(
        self, service: str, operation: str, key: str, region: str | None = None, **kwargs: Any
    ) -> list[Any]:
        """All items under `key` across every page of a paginated operation."""
        client = self.client(service, region)
        items: list[Any] = []
        for page in client.get_paginator(operation).paginate(**kwargs):
            items.extend(page.get(key, []))
        return items

    def regional(self, dataset: Dataset[T]) -> dict[str, T]:
        """A regional dependency, per region, for the regions where it was collected."""
        out: dict[str, T] = {}
        for region in self.regions:
            rec = self._target.records.get(record_key(dataset.name, region))
            if rec is not None and rec.error is None:
                out[region] = dataset.load(rec.data)
        return out

    def account(self, dataset: Dataset[T]) -> T:
        """An account-level dependency; raises Missing when it failed."""
        rec = self._target.records.get(record_key(dataset.name, None))
        if rec is None or rec.error is not None:
            raise Missing(dataset.name)
        return dataset.load(rec.data)


class _Tracked:
    """Wraps a client so that a failing call can be named even when botocore does not say."""

    def __init__(self, client: Any, service: str) -> None:
        self._client = client
        self._service = service

    def __getattr__(self, name: str) -> Any:
        attr = getattr(self._client, name)
        if name.startswith("_") or not callable(attr):
            return attr
        if name == "get_paginator":

            def paginator(op: str) -> Any:
                note_call(self._service, _camel(op))
                return attr(op)

            return paginator

        def call(*args: Any, **kwargs: Any) -> Any:
            note_call(self._service, _camel(name))
            return attr(*args, **kwargs)

        return call


def _camel(snake: str) -> str:
    return "".join(part[:1].upper() + part[1:] for part in snake.split("_"))


def error_from_exception(exc: BaseException, region: str | None) -> CollectionError:
    """Turn any failure of an AWS call into a recorded CollectionError.

    The one place that names a failed call for every part of a scan (collectors, AssumeRole,
    Organizations discovery): the operation from botocore's error, the service from the call
    this thread made (every client notes its calls, see scanner.aws.session), and the IAM action
    from both (scanner.aws.iam).
    """

    if isinstance(exc, DataUnavailable) and exc.errors:  # a failed field read by a collector
        return exc.errors[0]
    service, op = current_call()
    if isinstance(exc, ClientError):
        err = exc.response.get("Error", {})
        op = exc.operation_name or op
        code = str(err.get("Code") or "ClientError")
        message = str(err.get("Message") or exc)
    elif isinstance(exc, ReadTimeoutError):
        code, message = "Timeout", str(exc)
    elif isinstance(exc, (EndpointConnectionError, ConnectionError)):
        code, message = "ConnectionError", str(exc)
    elif isinstance(exc, MutatingCallBlocked):
        code, message = "BlockedWrite", str(exc)
    elif isinstance(exc, OperationNotKept):
        service, op, code, message = exc.service, exc.operation, "OperationNotKept", str(exc)
    elif isinstance(exc, Missing):
        code, message = "DependencyUnavailable", f"required dataset {exc} was not collected"
        op = "-"
    else:
        code, message = type(exc).__name__, str(exc)
    return CollectionError(
        operation=op,
        iam_action=iam_action(service, op) if op != "-" else "-",
        code=code,
        message=message[:500],
        region=region,
    )


def plan_levels(collectors: Iterable[Collector]) -> list[list[Collector]]:
    """Group collectors into dependency levels (each level depends only on earlier ones)."""
    pending = {c.dataset.name: c for c in collectors}
    done: set[str] = set()
    levels: list[list[Collector]] = []
    while pending:
        ready = [c for c in pending.values() if all(d.name in done for d in c.dataset.depends_on)]
        if not ready:
            raise RuntimeError(f"dependency cycle or missing collector among {sorted(pending)}")
        levels.append(sorted(ready, key=lambda c: c.dataset.name))
        for c in ready:
            done.add(c.dataset.name)
            del pending[c.dataset.name]
    return levels


PER_ACCOUNT_CALLS = 8
"""At most this many collection jobs (so API calls) in flight per account."""


def collect(
    targets: Sequence[AccountTarget],
    collectors: Sequence[Collector],
    partition: str,
    max_workers: int,
) -> None:
    """Run every collector for every target; results land in each target's `records` (the
    real-time watcher's few accounts; a scan collects whole accounts, scanner.aws.accounts).

    Accounts are collected a few at a time (max_workers / PER_ACCOUNT_CALLS of them), each with
    at most PER_ACCOUNT_CALLS jobs in flight; an account's clients are released when it is done.
    """
    levels = plan_levels(collectors)
    per_account = max(1, min(PER_ACCOUNT_CALLS, max_workers))
    window = max(1, max_workers // per_account)
    stop = threading.Event()

    def one_account(target: AccountTarget) -> None:
        if stop.is_set():
            return
        _collect_account(target, levels, partition, per_account, stop)
        target.session.release_clients(reuse=not stop.is_set())

    # Daemon workers: on SIGINT/SIGTERM (KeyboardInterrupt here) the queued work is cancelled
    # and the calls in flight are abandoned, not waited for (scanner.core.workers).
    run_each(one_account, targets, window, stop, thread_name_prefix="account")


def collect_target(
    target: AccountTarget,
    levels: list[list[Collector]],
    partition: str,
    stop: threading.Event,
    per_account: int = PER_ACCOUNT_CALLS,
) -> None:
    """Every collector for one account, level by level, at most `per_account` jobs in flight;
    results land in `target.records`. When `stop` is set, no new job starts (the records are
    then incomplete: the caller must not keep them)."""
    _collect_account(target, levels, partition, per_account, stop)


def _collect_account(
    target: AccountTarget,
    levels: list[list[Collector]],
    partition: str,
    per_account: int,
    stop: threading.Event,
) -> None:
    with DaemonPool(max_workers=per_account, thread_name_prefix="collect") as pool:
        for level in levels:
            jobs = [
                (collector, region)
                for collector in level
                for region in (
                    target.regions if collector.dataset.scope is Scope.REGION else (None,)
                )
            ]
            futures: list[Future[None]] = [
                pool.submit(_run_one, target, collector, region, partition, stop)
                for collector, region in jobs
                if not stop.is_set()
            ]
            for fut in futures:
                fut.result()


def _run_one(
    target: AccountTarget,
    collector: Collector,
    region: str | None,
    partition: str,
    stop: threading.Event,
) -> None:
    if stop.is_set():  # interrupted: start no new call
        return
    ds = collector.dataset
    ctx = CollectContext(target, region or target.home_region, partition)
    start_job()
    try:
        data = ds.dump(collector.fetch(ctx))
        record = DatasetRecord(
            dataset=ds.name, region=region, data=data, collected_at=datetime.now(UTC)
        )
    except Exception as exc:  # errors are data: record and carry on
        error = error_from_exception(exc, region or target.home_region)
        log.debug("collect %s %s %s: %s", target.account_id, region, ds.name, error.describe())
        record = DatasetRecord(
            dataset=ds.name, region=region, error=error, collected_at=datetime.now(UTC)
        )
    with target.lock:
        target.records[record_key(ds.name, region)] = record
