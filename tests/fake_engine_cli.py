"""`trailwatch` with a stand-in collection engine that reports ticks (run as a subprocess by
tests/test_progress_cli.py): argv is TOTAL then the command line; the inventory comes from
--from-inventory, the ticks from here, one per account, with a log line half-way."""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable
from typing import Any

from scanner.app import scan
from scanner.app.cli import main
from scanner.core.progress import CollectionTick, is_batch_end
from scanner.core.reporter import Reporter

HALF_WAY = "half-way: a log line among the ticks"


def fake_engine(total: int, real: Callable[..., Any]) -> Callable[..., Any]:
    """scan.collect_or_load that first ticks `total` accounts through the scan's Reporter."""

    def collect_or_load(*args: Any, **kwargs: Any) -> Any:
        reporter = next(a for a in (*args, *kwargs.values()) if isinstance(a, Reporter))
        for done in range(1, total + 1):
            batch_end = is_batch_end(done, total)
            reporter.tick(CollectionTick(done, total, 0, done * 7, done // 10, done / 2, batch_end))
            if done == total // 2:
                logging.getLogger("trailwatch").info(HALF_WAY)
        return real(*args, **kwargs)

    return collect_or_load


if __name__ == "__main__":
    scan.collect_or_load = fake_engine(int(sys.argv[1]), scan.collect_or_load)
    sys.exit(main(sys.argv[2:]))
