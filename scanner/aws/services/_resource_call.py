"""Per-resource sub-calls whose failure is recorded on that resource (field-level provenance)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from scanner.aws.engine import error_from_exception
from scanner.core.model import CollectionError

#: What `resource_call` returns when the call failed (its error is in `errors`).
FAILED: Any = object()


def error_code(exc: BaseException) -> str | None:
    """The AWS error code of a botocore ClientError (None for anything else)."""
    response = getattr(exc, "response", None)
    if isinstance(response, dict):
        code = response.get("Error", {}).get("Code")
        return str(code) if code else None
    return None


def resource_call(
    errors: dict[str, CollectionError],
    fields: tuple[str, ...],
    region: str,
    call: Callable[[], Any],
    absent: tuple[str, ...] = (),
) -> Any:
    """The response; None for an `absent` error code; FAILED otherwise, with the error recorded
    in `errors` against every field the call fills (so no check reads a default in its place)."""
    try:
        return call()
    except Exception as exc:  # one resource's failure is data on that resource
        if error_code(exc) in absent:
            return None
        errors.update(dict.fromkeys(fields, error_from_exception(exc, region)))
        return FAILED
