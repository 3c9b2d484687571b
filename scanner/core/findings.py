"""The Finding: a check's result on one resource, with the context an auditor needs."""

from __future__ import annotations

import hashlib
import re
import string
from datetime import date, datetime
from typing import Any, NamedTuple

from pydantic import Field

from scanner.core.model import CollectionError, Frozen, Resource, Severity, Status
from scanner.core.slim import share_keys

#: Every trailwatch finding Id starts with this (Security Hub filters and routes by it).
ID_PREFIX = "trailwatch/"
#: The one definition of the finding Id's shape (`str.format` fields; the HTML report's script
#: fills in the same fields from this string, embedded in the page).
ID_FORMAT = ID_PREFIX + "{account}/{region}/{check}/{digest}"
#: What each field of ID_FORMAT matches when an Id is read back (a check id may hold a `/`).
_ID_FIELD_PATTERNS = {"account": "[^/]*", "region": "[^/]*", "check": ".+", "digest": "[^/]+"}


def _id_pattern() -> re.Pattern[str]:
    pattern = ""
    for literal, name, _, _ in string.Formatter().parse(ID_FORMAT):
        pattern += re.escape(literal)
        if name:
            pattern += f"(?P<{name}>{_ID_FIELD_PATTERNS[name]})"
    return re.compile(pattern, re.DOTALL)


_ID_PATTERN = _id_pattern()


class FindingIdParts(NamedTuple):
    """The fields of a trailwatch finding Id."""

    account: str
    region: str
    check: str
    digest: str


def finding_id(check_id: str, account_id: str, region: str, resource_id: str) -> str:
    """Deterministic: the same check, account, region and resource give the same Id every scan."""
    digest = hashlib.sha256(
        "\x1f".join((check_id, account_id, region, resource_id)).encode()
    ).hexdigest()[:32]
    return ID_FORMAT.format(account=account_id, region=region, check=check_id, digest=digest)


def parse_finding_id(value: str) -> FindingIdParts | None:
    """The fields of an Id of ID_FORMAT's shape, else None (another product's Id)."""
    match = _ID_PATTERN.fullmatch(value)
    if match is None:
        return None
    return FindingIdParts(**match.groupdict())


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


share_keys(Finding)  # before any finding is made (scanner.core.slim)
