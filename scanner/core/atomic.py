"""Atomic file writes: a temporary file in the same directory, fsync, then rename."""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO


@contextmanager
def atomic_writer(path: Path, mode: str = "w") -> Iterator[IO[str]]:
    """Yield a text handle; the target appears only when the block completes without error."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        os.fchmod(fd, 0o666 & ~_umask())  # mkstemp makes 0600; reports are shared evidence
        with os.fdopen(fd, mode, encoding="utf-8", newline="\n") as handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def write_text_atomic(path: Path, text: str) -> None:
    with atomic_writer(path) as handle:
        handle.write(text)


def write_chunks_atomic(path: Path, chunks: Iterable[str]) -> None:
    """Write `chunks` one after the other as they come (never joined in memory), atomically."""
    with atomic_writer(path) as handle:
        for chunk in chunks:
            handle.write(chunk)


def write_json_lines_atomic(
    path: Path, lines: Iterable[str], head: str | Iterable[str] = "", tail: str = ""
) -> None:
    """Stream a JSON array (optionally inside `head` ... `tail`) item by item, atomically.
    `head` may come in pieces (written as they come).

    Each of `lines` is one item's compact JSON text (one line), written as it comes: memory does
    not grow with the number of items (scanner.core.compact_json makes such text).
    """
    with atomic_writer(path) as handle:
        for piece in (head,) if isinstance(head, str) else head:
            handle.write(piece)
        handle.write("[")
        for n, line in enumerate(lines):
            handle.write(",\n" if n else "\n")
            handle.write(line)
        handle.write("\n]" + tail + "\n")
