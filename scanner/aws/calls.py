"""Which AWS call each thread is making, so that any failure can name its service and IAM action."""

from __future__ import annotations

import threading

_current = threading.local()

UNKNOWN = ("unknown", "Unknown")


def note_call(service: str, operation: str) -> None:
    """Record the call this thread is about to make (botocore service name, operation name)."""
    _current.op = (service, operation)


def start_job() -> None:
    """Forget this thread's last call: a pooled thread's next job starts with none, so that a
    failure before its own first call is never blamed on the previous job's call."""
    _current.op = UNKNOWN


def current_call() -> tuple[str, str]:
    """The (service, operation) this thread called last; UNKNOWN before any call."""
    op: tuple[str, str] = getattr(_current, "op", UNKNOWN)
    return op
