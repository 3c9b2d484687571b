"""Calls a session refuses before they are made: a write it does not allow, an operation its
pruned service models do not have."""

from __future__ import annotations

import functools
from typing import Any

from botocore import xform_name

from scanner.aws.calls import note_call
from scanner.aws.iam import is_read_only
from scanner.aws.model_loader import whole_operations


class MutatingCallBlocked(RuntimeError):
    """Raised before a non-read API call leaves the process during a scan."""


class WriteNotKept(MutatingCallBlocked, AttributeError):
    """A write the session does not allow, asked of a client whose model leaves it out."""


class OperationNotKept(AttributeError):
    """A read operation the scanner's service models leave out (scanner.aws.surface): a call
    the scanner did not declare, refused before anything is sent."""

    def __init__(self, service: str, operation: str) -> None:
        super().__init__(
            f"{service}:{operation} is not among the operations the scanner calls "
            "(scanner.aws.surface)"
        )
        self.service = service
        self.operation = operation


@functools.cache
def _by_method(operations: frozenset[str]) -> dict[str, str]:
    return {xform_name(op): op for op in operations}


def missing_operation(client: Any, event_name: str, **_: Any) -> None:
    """`getattr.<service>.<name>`, which botocore emits for an attribute a client does not have:
    an operation of the whole model that the pruned one left out is refused by name (a write
    as the read-only guard refuses it), as an AttributeError still (`hasattr` is False);
    anything else stays botocore's AttributeError."""
    service = client.meta.service_model.service_name
    operation = _by_method(whole_operations(service)).get(event_name.rsplit(".", 1)[-1])
    if operation is None:
        return
    note_call(service, operation)  # names the call if it fails
    if not is_read_only(service, operation):
        raise WriteNotKept(f"refusing non-read call {service}:{operation} during a scan")
    raise OperationNotKept(service, operation)
