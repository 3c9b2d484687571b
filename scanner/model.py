"""Core value types shared by the engine, the checks and the reports."""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field


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
        return list(Severity).index(self)

    @classmethod
    def parse(cls, text: str) -> Severity:
        try:
            return cls(text.upper())
        except ValueError:
            names = ", ".join(s.value.lower() for s in cls)
            raise ValueError(f"unknown severity {text!r} (expected one of: {names})") from None


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
