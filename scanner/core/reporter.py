"""What a use case tells its caller: progress and result lines, through the caller's callbacks."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from scanner.core.progress import CollectionTick, no_tick


def _nothing(_line: str) -> None:
    return None


@dataclass(frozen=True)
class Reporter:
    """The use cases never print: the CLI passes progress to logging (stderr) and results to
    stdout; the Lambda and the tests pass nothing and get no output."""

    progress: Callable[[str], None] = _nothing
    """What is happening now (the CLI: logging on stderr, hidden by -q)."""
    result: Callable[[str], None] = _nothing
    """What the command produced: the summary table, the files written, the import's lines."""
    tick: Callable[[CollectionTick], None] = no_tick
    """Where collection stands (the CLI: a status line on a terminal, else a line per batch)."""


SILENT = Reporter()
