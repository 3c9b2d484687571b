"""Core value types shared by the engine, the checks and the reports."""

from __future__ import annotations

import functools
from collections.abc import Mapping
from enum import StrEnum
from typing import Any, ClassVar, Self

from pydantic import BaseModel, ConfigDict, Field, model_validator


class Frozen(BaseModel):
    """Base for immutable models."""

    model_config = ConfigDict(frozen=True, extra="forbid")


class Status(StrEnum):
    """Outcome of a check on one resource."""

    PASS = "PASS"  # noqa: S105 - a status, not a password
    FAIL = "FAIL"
    WARNING = "WARNING"
    ERROR = "ERROR"
    SUPPRESSED = "SUPPRESSED"  # an accepted risk (trailwatch.yaml); verdict: Finding.verdict

    @property
    def asff(self) -> str:
        return _ASFF_STATUS[self]


_ASFF_STATUS = {
    Status.PASS: "PASSED",
    Status.FAIL: "FAILED",
    Status.WARNING: "WARNING",
    Status.ERROR: "NOT_AVAILABLE",
    # Never the ASFF status of a finding: a suppressed finding keeps its underlying verdict in
    # Compliance.Status (Finding.verdict). Mapped only so that the property is total.
    Status.SUPPRESSED: "NOT_AVAILABLE",
}


class Severity(StrEnum):
    """Security Hub severity labels, ordered."""

    INFORMATIONAL = "INFORMATIONAL"
    LOW = "LOW"
    MEDIUM = "MEDIUM"
    HIGH = "HIGH"
    CRITICAL = "CRITICAL"

    @property
    def rank(self) -> int:
        return _SEVERITY_RANKS[self]

    @classmethod
    def parse(cls, text: str) -> Severity:
        try:
            return cls(text.upper())
        except ValueError:
            names = ", ".join(s.value.lower() for s in cls)
            raise ValueError(f"unknown severity {text!r} (expected one of: {names})") from None


#: Each severity's position in the order (Severity.rank).
_SEVERITY_RANKS = {severity: n for n, severity in enumerate(Severity)}


#: The error code of data that is missing from the inventory without a failed call.
NOT_COLLECTED = "NotCollected"


class CollectionError(Frozen):
    """A failed AWS call, recorded as data instead of a verdict."""

    operation: str
    iam_action: str
    code: str
    message: str
    region: str | None = None

    def describe(self) -> str:
        where = f" in {self.region}" if self.region else ""
        return f"{self.operation} ({self.iam_action}){where} failed: {self.code}: {self.message}"

    @classmethod
    def not_collected(
        cls,
        message: str,
        *,
        operation: str = "-",
        iam_action: str = "-",
        region: str | None = None,
    ) -> CollectionError:
        """Data a check needs that the inventory does not hold (no call failed, or none is
        known): code NOT_COLLECTED, naming the call that would have read it when there is one."""
        return cls(
            operation=operation,
            iam_action=iam_action,
            code=NOT_COLLECTED,
            message=message,
            region=region,
        )


class DataUnavailable(Exception):
    """A check asked for data the scan could not collect."""

    def __init__(self, errors: tuple[CollectionError, ...]) -> None:
        super().__init__("; ".join(e.describe() for e in errors))
        self.errors = errors


class FieldUnavailable(DataUnavailable):
    """A check read a field of a collected value whose call failed."""

    def __init__(self, owner: str, field: str, error: CollectionError) -> None:
        super().__init__((error,))
        self.owner = owner
        self.field = field


_getattr = object.__getattribute__


class Collected(Frozen):
    """A value whose fields come from several calls: field-level error provenance.

    `errors` maps each field whose call failed to that call's error. Reading such a field raises
    FieldUnavailable, which the engine turns into an ERROR naming the call: a check never sees a
    field whose collection failed, and never needs to know which call fed which field.
    `LEGACY_ERROR_KEYS` translates the call-named keys of older inventories into field names.
    """

    LEGACY_ERROR_KEYS: ClassVar[dict[str, tuple[str, ...]]] = {}

    errors: dict[str, CollectionError] = Field(default_factory=dict)

    @model_validator(mode="before")
    @classmethod
    def _legacy_keys(cls, data: Any) -> Any:
        errors = data.get("errors") if isinstance(data, dict) else None
        if not isinstance(errors, dict) or not any(k in cls.LEGACY_ERROR_KEYS for k in errors):
            return data
        fields: dict[str, Any] = {}
        for key, error in errors.items():
            for name in cls.LEGACY_ERROR_KEYS.get(key, (key,)):
                fields.setdefault(name, error)
        return {**data, "errors": fields}

    @model_validator(mode="after")
    def _known_fields(self) -> Collected:
        errors = self.__dict__["errors"]
        unknown = sorted(k for k in errors if k not in type(self).model_fields or k == "errors")
        if unknown:
            raise ValueError(f"errors name unknown field(s): {', '.join(unknown)}")
        _guard(self)
        return self

    def model_copy(self, *, update: Mapping[str, Any] | None = None, deep: bool = False) -> Self:
        """A copy; one whose update sets `errors` is guarded like a validated value."""
        copied = super().model_copy(update=update, deep=deep)
        _guard(copied)
        return copied

    @staticmethod
    def failed(error: CollectionError, *fields: str) -> dict[str, CollectionError]:
        """`errors` entries for the fields that one failed call would have filled."""
        return dict.fromkeys(fields, error)


class _Guarded:
    """Mixed into a Collected class for the instances with errors (the others pay nothing):
    reading a field whose call failed raises FieldUnavailable."""

    __slots__ = ()

    def __getattribute__(self, name: str) -> Any:
        errors = _getattr(self, "__dict__")["errors"]
        if name in errors:
            raise FieldUnavailable(type(self).__name__, name, errors[name])
        return _getattr(self, name)


@functools.cache
def _guarded_class(cls: type[Collected]) -> type[Collected]:
    guarded: type[Collected] = type(
        cls.__name__,
        (_Guarded, cls),
        {"__module__": cls.__module__, "__qualname__": cls.__qualname__, "__slots__": ()},
    )
    return guarded


def _guard(value: Collected) -> None:
    """Give `value` the guarded class when some of its fields failed."""
    if value.__dict__["errors"] and not isinstance(value, _Guarded):
        object.__setattr__(value, "__class__", _guarded_class(type(value)))


def peek(value: Any, field: str, default: Any = None) -> Any:
    """A field for evidence or display: `default` when its collection failed (never a verdict)."""
    try:
        return getattr(value, field)
    except FieldUnavailable:
        return default


class Resource(Frozen):
    """A resource as Security Hub names it (ASFF type and id)."""

    type: str
    id: str
    region: str | None = None
    account_id: str | None = None


class Result(Frozen):
    """What a check says about one resource; the engine turns it into a Finding."""

    status: Status
    resource: Resource
    reason: str
    evidence: dict[str, Any] = Field(default_factory=dict)
    reason_code: str | None = None
    severity: Severity | None = None
    related_resources: tuple[Resource, ...] = ()
    errors: tuple[CollectionError, ...] = ()
