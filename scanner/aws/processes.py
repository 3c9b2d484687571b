"""Collection in worker processes: batches of accounts, one Python process per CPU.

One process spends most of a scan's CPU time in botocore (building requests, signing, parsing)
and holds the GIL while doing it, so a large Organization is bound by one core. Here the accounts
are split into small batches taken by `processes` collectors: the scan process itself (threads,
its own sessions) and `processes - 1` worker processes (spawned: no thread is forked). A worker
was a whole Python process with botocore and its models loaded, mostly idle in the parent
beside it: with the scan process collecting too, a 2-core scan runs one worker, not two. Each
worker builds its own sessions from the same profile and settings (the caller's identity is
passed in, not asked again), opens and collects each account of a batch, and writes it as a
checkpoint (scanner.core.checkpoint); the scan process writes its own accounts' checkpoints the
same way and reads every checkpoint back, verified, and merges the workers' call counts. A
worker that dies (killed, out of memory) loses only the accounts it had not written: they become
ERROR findings naming the failure, never a verdict.
"""

from __future__ import annotations

import contextlib
import gc
import logging
import math
import multiprocessing
import os
import queue
import signal
import threading
import traceback
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from scanner.aws.accounts import collect_accounts, collection_errors
from scanner.aws.collector import Collector
from scanner.aws.options import ScanOptions
from scanner.aws.registry import all_collectors, botocore_services
from scanner.aws.session import ClientSettings, Sessions
from scanner.core.checkpoint import CheckpointStore
from scanner.core.errors import OutputError
from scanner.core.inventory import AccountInfo, AccountInventory
from scanner.core.model import CollectionError

log = logging.getLogger(__name__)

MIN_ACCOUNTS_PER_PROCESS = 25
"""With `processes` 0 (auto), a worker process is started only per this many accounts: below,
starting Python and botocore in another process costs more than it saves."""
BATCH = 4
"""Accounts a worker takes from the shared queue at a time (small: the processes finish
together); it starts each as it has room for one more."""
_STOP_WAIT = 5.0


def plan_processes(options: ScanOptions, accounts: int, sessions: Sessions) -> int:
    """How many worker processes collect `accounts` accounts (1: none, threads in this one)."""
    if sessions.settings.client_hook is not None:  # a test's hook lives in this process only
        return 1
    if options.processes > 0:
        return max(1, min(options.processes, accounts))
    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return max(1, min(cpus or 1, accounts // MIN_ACCOUNTS_PER_PROCESS))


class ProcessesUnavailable(RuntimeError):
    """This system cannot run worker processes (collection then stays in this process)."""


@dataclass(frozen=True)
class WorkerSpec:
    """What a worker process needs to collect like the parent (all picklable)."""

    profile: str | None
    settings: ClientSettings
    caller_account: str
    caller_arn: str
    partition: str
    options: ScanOptions
    home: str
    datasets: tuple[str, ...]
    checkpoints: Path
    plan: str
    max_workers: int


@dataclass(frozen=True)
class BatchDone:
    """A worker's message: these accounts are written as checkpoints (with the calls and
    errors counted since its previous message)."""

    accounts: tuple[str, ...]
    calls: int
    errors: int


def collect_in_processes(
    sessions: Sessions,
    infos: Sequence[AccountInfo],
    options: ScanOptions,
    home: str,
    collectors: Sequence[Collector],
    store: CheckpointStore,
    plan: str,
    processes: int,
    on_batch: Callable[[BatchDone], None],
) -> dict[str, AccountInventory]:
    """Collect `infos` with `processes` collectors (this process and `processes - 1` worker
    processes); every account, read back from its checkpoint (or with the error that lost it)."""
    spec = WorkerSpec(
        profile=options.profile,
        settings=sessions.settings,
        caller_account=sessions.caller_account,
        caller_arn=sessions.caller_arn,
        partition=sessions.partition,
        options=options,
        home=home,
        datasets=tuple(c.dataset.name for c in collectors),
        checkpoints=store.directory,
        plan=plan,
        max_workers=max(1, math.ceil(options.max_workers / processes)),
    )
    batches = [tuple(infos[i : i + BATCH]) for i in range(0, len(infos), BATCH)]
    ctx = multiprocessing.get_context("spawn")
    try:
        tasks: Any = ctx.Queue()
        results: Any = ctx.Queue()
    except OSError as exc:  # no POSIX semaphores here (AWS Lambda, some containers)
        raise ProcessesUnavailable(str(exc)) from None
    for batch in batches:
        tasks.put(batch)
    workers = [
        ctx.Process(target=_worker, args=(spec, tasks, results), name=f"collect-{n}", daemon=True)
        for n in range(processes - 1)
    ]
    for _ in range(processes):  # an end mark per collector, this process's own too
        tasks.put(None)
    here = _Here(sessions, spec, collectors, store, tasks, results)
    out: dict[str, AccountInventory] = {}
    finished: set[int] = set()
    exited: set[int] = set()
    deaths: list[str] = []
    counts: list[Any] = []  # the workers' call counts, merged once every collector is done
    try:
        for worker in workers:
            worker.start()
        here.start()
        while len(finished) < len(workers) + 1:
            try:
                kind, pid, body = results.get(timeout=0.5)
            except queue.Empty:
                # A worker that exited without its last message (killed, out of memory): after
                # a second empty wait (its last messages, if any, had time to arrive), it is
                # counted out; the accounts no worker delivered are lost (below).
                for worker in workers:
                    wpid = worker.pid or 0
                    if wpid in finished or worker.exitcode is None:
                        continue
                    if wpid in exited:
                        finished.add(wpid)
                        deaths.append(f"process {wpid} exit code {worker.exitcode}")
                    exited.add(wpid)
                continue
            if kind == "done":
                # read back at once: this process is idle while the workers collect
                for account_id in body.accounts:
                    out[account_id] = store.read(account_id)
                on_batch(body)
            elif kind == "calls":  # a collector is done (a worker's call counts with it)
                if pid != HERE:
                    counts.append(body)
                finished.add(pid)
            elif kind == "output":  # a worker could not write a checkpoint (disk full, ...)
                _stop(workers)
                raise OutputError(body)
            elif kind == "failed" and pid == HERE:  # its own exception, as without workers
                _stop(workers)
                raise here.error or RuntimeError(f"collection in the scan process failed: {body}")
            else:  # "failed": a bug in the worker, reported like one in this process
                _stop(workers)
                raise RuntimeError(f"collection worker {pid} failed: {body}")
    except BaseException:
        here.stop.set()
        _stop(workers)
        raise
    here.join(timeout=_STOP_WAIT)
    for worker in workers:
        worker.join(timeout=_STOP_WAIT)
    for calls, retries, repeated in counts:
        sessions.calls.absorb(calls, retries, repeated)
    reason = "the collection process died (" + "; ".join(deaths or ["no exit code"]) + ")"
    return {
        info.account_id: out.get(info.account_id) or _lost_account(info, home, reason)
        for info in infos
    }


HERE = 0
"""The `pid` of the scan process's own collector in the results queue (no process has it)."""


def write_checkpoint(store: CheckpointStore, account: AccountInventory) -> None:
    """Write `account`'s checkpoint; a file that cannot be written is the scan's OutputError
    (one line, exit 2)."""
    try:
        store.write(account)
    except OSError as exc:
        raise OutputError(
            f"cannot write the checkpoint of account {account.account_id}: {exc.strerror or exc}"
        ) from None


class _Handover:
    """A collector's `on_account`: each account written as a checkpoint, then announced on the
    results queue with the calls counted since the previous one (one account at a time:
    collect_accounts hands over under a lock)."""

    def __init__(
        self, sessions: Sessions, store: CheckpointStore, results: Any, pid: int, counted: int
    ) -> None:
        self.sessions, self.store, self.results, self.pid = sessions, store, results, pid
        self.counted = counted

    def __call__(self, account: AccountInventory) -> None:
        write_checkpoint(self.store, account)
        total = self.sessions.calls.total
        done = BatchDone(
            accounts=(account.account_id,),
            calls=total - self.counted,
            errors=collection_errors(account),
        )
        self.counted = total
        self.results.put(("done", self.pid, done))


class _Stopped(Exception):
    """The scan process stopped collecting (an interrupt, a worker's failure)."""


class _Here(threading.Thread):
    """The scan process's own collector: accounts from the shared queue, collected by threads
    with the scan's sessions, written as checkpoints and reported like a worker's."""

    def __init__(
        self,
        sessions: Sessions,
        spec: WorkerSpec,
        collectors: Sequence[Collector],
        store: CheckpointStore,
        tasks: Any,
        results: Any,
    ) -> None:
        super().__init__(name="collect-here", daemon=True)
        self.sessions, self.spec, self.collectors = sessions, spec, collectors
        self.store, self.tasks, self.results = store, tasks, results
        self.stop = threading.Event()
        self.error: BaseException | None = None
        """What ended this collection early (raised again by the scan's main thread)."""

    def run(self) -> None:
        try:
            self._collect()
            self.results.put(("calls", HERE, None))
        except _Stopped:
            pass
        except BaseException as exc:
            self.error = exc
            self.results.put(("failed", HERE, f"{type(exc).__name__}: {exc}"))

    def _collect(self) -> None:
        sessions, spec = self.sessions, self.spec  # its models are loaded (collection.py)
        options = replace(spec.options, max_workers=spec.max_workers)
        # Until every collector is done, the call log here counts this process's calls only
        # (the workers' counts are merged at the end): the progress of each account is its own.
        handover = _Handover(sessions, self.store, self.results, HERE, sessions.calls.total)

        def keep(account: AccountInventory) -> None:
            if self.stop.is_set():
                raise _Stopped
            handover(account)

        def queued() -> Iterator[AccountInfo]:
            for info in _queued(self.tasks):
                if self.stop.is_set():
                    return
                yield info

        collect_accounts(sessions, queued(), options, spec.home, self.collectors, keep)
        # The clients lent from account to account (about 25 KB each, a hundred per account in
        # flight) are not needed after collection: freed, their memory holds the findings.
        sessions.pool.clear()
        gc.collect()


def _lost_account(info: AccountInfo, home: str, reason: str) -> AccountInventory:
    """An account no worker delivered: ERROR findings name the failure, never a verdict."""
    return AccountInventory(
        info=info,
        home_region=home,
        regions=(),
        access_error=CollectionError(
            operation="-", iam_action="-", code="CollectionProcessDied", message=reason[:500]
        ),
    )


def _stop(workers: Sequence[Any]) -> None:
    for worker in workers:
        if worker.is_alive():
            worker.terminate()
    for worker in workers:
        worker.join(timeout=_STOP_WAIT)


def _queued(tasks: Any) -> Iterator[AccountInfo]:
    """The accounts of the batches in `tasks`, up to its end mark (None)."""
    while (batch := tasks.get()) is not None:
        yield from batch


def _worker(spec: WorkerSpec, tasks: Any, results: Any) -> None:
    """A worker process: batches from `tasks` until None; messages to `results`."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent stops the workers
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    pid = os.getpid()
    try:
        sessions = Sessions(spec.profile, spec.settings)
        sessions.adopt_identity(spec.caller_account, spec.caller_arn, spec.partition)
        wanted = set(spec.datasets)
        collectors = [c for c in all_collectors() if c.dataset.name in wanted]
        sessions.warm(["ec2", "sts", *botocore_services(collectors)])
        store = CheckpointStore(spec.checkpoints)
        store.attach(spec.plan)
        options = replace(spec.options, max_workers=spec.max_workers)
        keep = _Handover(sessions, store, results, pid, 0)

        # Accounts are taken from the shared queue as this process has room for one more, so
        # no account waits for the slowest of a batch and the processes finish together.
        collect_accounts(sessions, _queued(tasks), options, spec.home, collectors, keep)
        calls = sessions.calls
        results.put(("calls", pid, (Counter(calls.calls), calls.retries, calls.repeated)))
    except OutputError as exc:  # a checkpoint it cannot write: the scan's one line, exit 2
        with contextlib.suppress(Exception):
            results.put(("output", pid, str(exc)))
    except BaseException as exc:
        with contextlib.suppress(Exception):
            results.put(("failed", pid, f"{type(exc).__name__}: {exc}"))
        log.error("collection worker failed:\n%s", traceback.format_exc())
    finally:
        results.close()
        results.join_thread()
