"""CallLog: every call counted once, repeats found, from many threads without a lock."""

from __future__ import annotations

import threading
from collections import Counter

from scanner.aws.session import CallLog


def test_calls_from_many_threads_are_all_counted() -> None:
    log = CallLog()

    def make(thread: int) -> None:
        for n in range(2000):
            log.sign(f"acct\x1fr\x1fs\x1fOp\x1f{thread}-{n}")
            log.add(("acct", "r", "s", f"Op{n % 3}"), 1 + (n % 2))

    threads = [threading.Thread(target=make, args=(t,)) for t in range(8)]
    for t in threads:
        t.start()
    _ = log.total  # folding while threads still append loses nothing
    for t in threads:
        t.join()
    assert log.total == 16000
    assert log.calls == Counter(
        {
            ("acct", "r", "s", "Op0"): 5336,
            ("acct", "r", "s", "Op1"): 5336,
            ("acct", "r", "s", "Op2"): 5328,
        }
    )
    assert log.retries == 8000
    assert log.repeated == 0 and log.repeats == []


def test_a_repeated_call_is_counted_and_named_once() -> None:
    log = CallLog()
    for _ in range(3):
        log.sign("a\x1fr\x1fs\x1fOp\x1f{}")
    log.sign('a\x1fr\x1fs\x1fOp\x1f{"x": 1}')
    assert log.repeated == 2
    assert log.repeats == ["a\x1fr\x1fs\x1fOp\x1f{}"]
    assert len(log.signatures) == 2


def test_a_workers_calls_are_absorbed() -> None:
    log = CallLog()
    log.add(("a", "r", "s", "Op"), 2)
    log.absorb(Counter({("b", "r", "s", "Op"): 5}), retries=3, repeated=1)
    assert log.total == 6 and log.retries == 4 and log.repeated == 1
