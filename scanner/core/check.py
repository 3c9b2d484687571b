"""The check contract: metadata plus a pure evaluate(view) -> results."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from scanner.core.dataset import Dataset, Scope
from scanner.core.model import Result, Severity
from scanner.core.view import View


@dataclass(frozen=True)
class Check:
    """One check. `scope` says whether evaluate runs once per account or per account and region."""

    id: str
    title: str
    severity: Severity
    resource_type: str
    scope: Scope
    requires: tuple[Dataset[Any], ...]
    evaluate: Callable[[View], Iterable[Result]]
    control_id: str | None = None
    rationale: str = ""
    remediation: str = ""
    remediation_url: str | None = None

    @property
    def label(self) -> str:
        return self.control_id or self.id
