"""The Finding: a check's result on one resource, with the context an auditor needs."""

from __future__ import annotations

import hashlib
from datetime import date, datetime
from typing import Any

from pydantic import Field

from scanner.model import CollectionError, Frozen, Resource, Severity, Status


def finding_id(check_id: str, account_id: str, region: str, resource_id: str) -> str:
    """Deterministic: the same check, account, region and resource give the same Id every scan."""
    digest = hashlib.sha256(
        "\x1f".join((check_id, account_id, region, resource_id)).encode()
    ).hexdigest()[:32]
    return f"trailwatch/{account_id}/{region}/{check_id}/{digest}"


class Suppression(Frozen):
    """The trailwatch.yaml `suppressions` entry (accepted risk) that applies to a finding."""

    rule: int
    """Position of the entry in the `suppressions` list (0-based)."""
    check: str
    reason: str
    owner: str
    expires: date


class Finding(Frozen):
    """One row of every report."""

    id: str
    check_id: str
    control_id: str | None = None
    title: str
    description: str = ""
    severity: Severity
    status: Status
    account_id: str
    account_name: str = ""
    ou_path: tuple[str, ...] = ()
    account_tags: dict[str, str] = Field(default_factory=dict)
    region: str
    resource: Resource
    related_resources: tuple[Resource, ...] = ()
    reason: str
    reason_code: str | None = None
    evidence: dict[str, Any] = Field(default_factory=dict)
    errors: tuple[CollectionError, ...] = ()
    remediation: str = ""
    remediation_url: str | None = None
    requirements: tuple[str, ...] = ()
    standards: tuple[str, ...] = ()
    collected_at: datetime
    suppressed_status: Status | None = None
    """The check's verdict when `status` is SUPPRESSED."""
    suppression: Suppression | None = None

    @property
    def is_failure(self) -> bool:
        return self.status is Status.FAIL

    def distinct_resources(self) -> tuple[Resource, ...]:
        """The resource and the related ones, each (type, id) once, blank ids left out (the
        resource list of every export format)."""
        seen: set[tuple[str, str]] = set()
        out: list[Resource] = []
        for res in (self.resource, *self.related_resources):
            key = (res.type, res.id)
            if key not in seen and res.id.strip():
                seen.add(key)
                out.append(res)
        return tuple(out)

    @property
    def verdict(self) -> Status:
        """What the check decided: `status`, or the status a suppression replaced."""
        if self.status is Status.SUPPRESSED and self.suppressed_status is not None:
            return self.suppressed_status
        return self.status
