"""Suppressions (accepted risks) from trailwatch.yaml: the schema, matching, expiry, and outcomes.

A suppression names a check (check id or Security Hub control id) and optionally narrows it to
accounts, regions and a resource-id glob. It must say why (`reason`), who accepted the risk
(`owner`) and until when (`expires`, a date; the entry applies through that day, UTC).

Applied after evaluation: a FAIL, WARNING or ERROR finding that an entry in force matches becomes
SUPPRESSED (its verdict kept in `suppressed_status`), stays in every report and no longer counts
toward the exit code. PASS findings are never suppressed. An expired entry applies to nothing and
is warned about ("fails open"), and so is an entry that matches nothing.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from datetime import date, datetime
from enum import StrEnum
from fnmatch import fnmatchcase
from typing import Any

from pydantic import BaseModel, ConfigDict, field_validator

from scanner.core.errors import ConfigError
from scanner.core.findings import Finding, Suppression
from scanner.core.model import Frozen, Status

#: Verdicts a suppression can accept; a PASS needs no accepting.
SUPPRESSIBLE = frozenset({Status.FAIL, Status.WARNING, Status.ERROR})
#: Findings of this check mean "the account could not be scanned" (scanner.core.evaluate).
ACCOUNT_ACCESS_CHECK = "account_access"


class SuppressionRule(BaseModel):
    """One entry of `suppressions` in trailwatch.yaml (unknown keys are errors)."""

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)

    check: str
    accounts: tuple[str, ...] | None = None
    regions: tuple[str, ...] | None = None
    resource: str | None = None
    reason: str
    owner: str
    expires: date

    @field_validator("check", "reason", "owner", mode="before")
    @classmethod
    def _text(cls, value: Any) -> Any:
        if isinstance(value, str) and not value.strip():
            raise ValueError("must not be empty")
        return value.strip() if isinstance(value, str) else value

    @field_validator("resource", mode="before")
    @classmethod
    def _glob(cls, value: Any) -> Any:
        if isinstance(value, str) and not value.strip():
            raise ValueError("must not be empty (leave the key out to match every resource)")
        return value

    @field_validator("accounts", mode="before")
    @classmethod
    def _accounts(cls, value: Any) -> Any:
        if value is None:
            return None
        if not isinstance(value, list | tuple) or not value:
            raise ValueError("expected a non-empty list of 12-digit account ids")
        for item in value:
            if not (isinstance(item, str) and item.isdigit() and len(item) == 12):
                raise ValueError(
                    f"{item!r} is not a 12-digit account id in quotes (YAML reads unquoted "
                    "numbers as integers)"
                )
        return tuple(value)

    @field_validator("regions", mode="before")
    @classmethod
    def _regions(cls, value: Any) -> Any:
        if value is None:
            return None
        if not isinstance(value, list | tuple) or not value:
            raise ValueError("expected a non-empty list of region names")
        for item in value:
            if not (isinstance(item, str) and item.strip()):
                raise ValueError(f"{item!r} is not a region name")
        return tuple(item.strip() for item in value)

    @field_validator("expires", mode="before")
    @classmethod
    def _date(cls, value: Any) -> Any:
        if isinstance(value, datetime):
            return value.date()
        if isinstance(value, date):
            return value
        if isinstance(value, str):
            try:
                return date.fromisoformat(value.strip())
            except ValueError:
                pass
        raise ValueError("expected a date such as 2027-01-31")

    def targets(self, check_id: str, control_id: str | None) -> bool:
        ref = self.check.lower()
        return ref == check_id.lower() or (control_id is not None and ref == control_id.lower())

    def matches(self, finding: Finding) -> bool:
        """Same check, and inside the optional account, region and resource scope."""
        if not self.targets(finding.check_id, finding.control_id):
            return False
        if self.accounts is not None and finding.account_id not in self.accounts:
            return False
        if self.regions is not None and finding.region not in self.regions:
            return False
        return self.resource is None or fnmatchcase(finding.resource.id, self.resource)

    def in_force(self, today: date) -> bool:
        return today <= self.expires


class RuleState(StrEnum):
    """What an entry did in one scan."""

    ACTIVE = "active"
    """It suppressed at least one finding."""
    EXPIRED = "expired"
    """Past its `expires` date: it applied to nothing (warned)."""
    UNMATCHED = "unmatched"
    """Its check ran, but no finding is in its scope (warned)."""
    PASSING = "passing"
    """Everything in its scope passes: the accepted risk is gone (warned)."""
    SHADOWED = "shadowed"
    """What it matches, earlier entries already suppress: it is redundant (warned)."""
    NOT_IN_SCAN = "not_in_scan"
    """Its check was not part of this scan, so it could not match."""


WARNED = frozenset({RuleState.EXPIRED, RuleState.UNMATCHED, RuleState.PASSING, RuleState.SHADOWED})


class RuleOutcome(Frozen):
    """One entry and what it did."""

    index: int
    check: str
    accounts: tuple[str, ...] | None = None
    regions: tuple[str, ...] | None = None
    resource: str | None = None
    reason: str
    owner: str
    expires: date
    state: RuleState
    suppressed: int = 0
    """Findings it suppressed."""
    matched: int = 0
    """FAIL, WARNING and ERROR findings in its scope (for an expired entry: the ones that count
    again)."""

    @property
    def label(self) -> str:
        return f"suppressions[{self.index}]"

    @property
    def warning(self) -> str | None:
        where = f"{self.label} ({self.check}, owner {self.owner})"
        if self.state is RuleState.EXPIRED:
            again = f"; {self.matched} finding(s) it matched count again" if self.matched else ""
            return f"{where} expired on {self.expires.isoformat()} and no longer applies{again}"
        if self.state is RuleState.UNMATCHED:
            return f"{where} matches no finding of this scan: remove it or correct its scope"
        if self.state is RuleState.PASSING:
            return f"{where} matches only passing findings: the accepted risk is gone, remove it"
        if self.state is RuleState.SHADOWED:
            return f"{where} is redundant: earlier entries suppress everything it matches"
        return None


class SuppressionReport(Frozen):
    """Every entry of `suppressions` with its outcome, for the reports."""

    evaluated_on: date
    rules: tuple[RuleOutcome, ...] = ()

    @property
    def warnings(self) -> list[str]:
        return [r.warning for r in self.rules if r.warning]

    @property
    def suppressed(self) -> int:
        return sum(r.suppressed for r in self.rules)


def validate_rules(rules: Sequence[SuppressionRule], known: Iterable[str]) -> None:
    """Every entry must name a real check or control id (a typo must not suppress nothing)."""
    names = {k.lower() for k in known} | {ACCOUNT_ACCESS_CHECK}
    for index, rule in enumerate(rules):
        if rule.check.lower() not in names:
            raise ConfigError(
                f"suppressions[{index}].check: unknown check or control id {rule.check!r} "
                "(run `trailwatch checks` for the list)"
            )


def apply_suppressions(
    findings: Sequence[Finding],
    rules: Sequence[SuppressionRule],
    *,
    today: date,
    checks_in_scan: Collection[tuple[str, str | None]],
) -> tuple[list[Finding], SuppressionReport]:
    """Suppress what the entries in force match (first matching entry wins).

    `checks_in_scan` holds (check id, control id) of the checks this scan evaluated.
    """
    suppressed = [0] * len(rules)
    matched = [0] * len(rules)
    passing = [0] * len(rules)
    live = [rule.in_force(today) for rule in rules]
    out: list[Finding] = []
    for finding in findings:
        winner: int | None = None
        for index, rule in enumerate(rules):
            if not rule.matches(finding):
                continue
            if finding.status not in SUPPRESSIBLE:
                passing[index] += 1
                continue
            matched[index] += 1
            if winner is None and live[index] and finding.status in SUPPRESSIBLE:
                winner = index
        if winner is None:
            out.append(finding)
            continue
        suppressed[winner] += 1
        rule = rules[winner]
        out.append(
            finding.model_copy(
                update={
                    "status": Status.SUPPRESSED,
                    "suppressed_status": finding.status,
                    "suppression": Suppression(
                        rule=winner,
                        check=rule.check,
                        reason=rule.reason,
                        owner=rule.owner,
                        expires=rule.expires,
                    ),
                }
            )
        )
    outcomes: list[RuleOutcome] = []
    for index, rule in enumerate(rules):
        in_scan = rule.check.lower() == ACCOUNT_ACCESS_CHECK or any(
            rule.targets(cid, ctl) for cid, ctl in checks_in_scan
        )
        if not live[index]:
            state = RuleState.EXPIRED
        elif suppressed[index]:
            state = RuleState.ACTIVE
        elif matched[index]:
            state = RuleState.SHADOWED
        elif passing[index]:
            state = RuleState.PASSING
        elif in_scan:
            state = RuleState.UNMATCHED
        else:
            state = RuleState.NOT_IN_SCAN
        outcomes.append(
            RuleOutcome(
                index=index,
                check=rule.check,
                accounts=rule.accounts,
                regions=rule.regions,
                resource=rule.resource,
                reason=rule.reason,
                owner=rule.owner,
                expires=rule.expires,
                state=state,
                suppressed=suppressed[index],
                matched=matched[index],
            )
        )
    return out, SuppressionReport(evaluated_on=today, rules=tuple(outcomes))
