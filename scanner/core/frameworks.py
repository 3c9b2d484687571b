"""Compliance frameworks as data (checks/frameworks/*.yaml): requirement -> check ids."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from importlib import resources
from typing import TYPE_CHECKING, Any

import yaml

from scanner.core.errors import UsageError

if TYPE_CHECKING:
    from scanner.core.check import Check


#: libyaml's safe loader when PyYAML was built with it (about 10x faster), else the pure one.
_LOADER: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def normalize_key(text: str) -> str:
    """A framework key as users may type it: case-insensitive, and `cis-5.0.0` = `cis-5.0` =
    `cis-5` (trailing `.0` version parts are dropped)."""
    key = "".join(text.split()).lower()
    return re.sub(r"(?<=\d)(?:\.0)+$", "", key)


class Scope(StrEnum):
    """How this tool covers a framework requirement."""

    AUTOMATED = "automated"
    """Checks of this tool decide it."""
    MANUAL = "manual"
    """It is in the logging/monitoring area but needs a manual assessment."""
    OUT_OF_SCOPE = "out_of_scope"
    """Outside what this tool assesses (identity, networking, databases, ...)."""


@dataclass(frozen=True)
class Requirement:
    id: str
    title: str
    checks: tuple[str, ...] = ()
    manual: bool = False
    scope: Scope = Scope.AUTOMATED

    @property
    def coverage(self) -> Scope:
        """AUTOMATED when checks decide it, MANUAL when flagged manual, else OUT_OF_SCOPE."""
        if self.scope is Scope.OUT_OF_SCOPE:
            return Scope.OUT_OF_SCOPE
        return Scope.MANUAL if self.manual or not self.checks else Scope.AUTOMATED


@dataclass(frozen=True)
class Framework:
    """One framework: how Security Hub names its requirements, and which checks decide them."""

    key: str
    name: str
    requirement_prefix: str
    separator: str = "/"
    standards_id: str | None = None
    requirements: tuple[Requirement, ...] = ()
    related_requirements: bool = True
    """False where Security Hub writes no RelatedRequirements for the standard (FSBP)."""
    members: tuple[str, ...] = ()
    """Checks in the standard whose requirement number is not known: standards only."""
    out_of_scope: tuple[Requirement, ...] = ()
    """The framework's other requirements: listed, never assessed by this tool."""
    total_requirements: int | None = None
    """How many requirements the framework has in all (None: not stated in the YAML)."""
    scope_note: str = ""
    """One paragraph on what part of the framework this tool assesses."""

    def scope_counts(self) -> dict[Scope, int]:
        """Requirements per scope; OUT_OF_SCOPE counts the unlisted rest when the total is known."""
        counts = {scope: 0 for scope in Scope}
        for req in (*self.requirements, *self.out_of_scope):
            counts[req.coverage] += 1
        if self.total_requirements is not None:
            listed = sum(counts.values())
            counts[Scope.OUT_OF_SCOPE] += max(0, self.total_requirements - listed)
        return counts

    def label(self, req: Requirement) -> str:
        return f"{self.requirement_prefix}{self.separator}{req.id}"

    @property
    def check_refs(self) -> frozenset[str]:
        """Every check id or control id the framework names (requirements and members)."""
        refs = {ref for req in self.requirements for ref in req.checks}
        return frozenset(refs | set(self.members))

    def maps(self, check: Check) -> bool:
        """True when a requirement of the framework (or its member list) names `check`."""
        refs = self.check_refs
        return check.id in refs or (check.control_id is not None and check.control_id in refs)


@dataclass
class Frameworks:
    items: tuple[Framework, ...] = ()
    _by_check: dict[str, list[tuple[Framework, Requirement]]] = field(default_factory=dict)

    _members: dict[str, list[Framework]] = field(default_factory=dict)
    _requirements: dict[tuple[str, str | None], tuple[str, ...]] = field(default_factory=dict)
    _standards: dict[tuple[str, str | None], tuple[str, ...]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for fw in self.items:
            for req in fw.requirements:
                for check_ref in req.checks:
                    self._by_check.setdefault(check_ref, []).append((fw, req))
            for check_ref in fw.members:
                self._members.setdefault(check_ref, []).append(fw)

    @classmethod
    def load(cls) -> Frameworks:

        items: list[Framework] = []
        folder = resources.files("checks").joinpath("frameworks")
        for entry in sorted(folder.iterdir(), key=lambda e: e.name):
            if entry.name.endswith((".yaml", ".yml")):
                raw = yaml.load(entry.read_text(encoding="utf-8"), Loader=_LOADER)  # noqa: S506 - a safe loader
                items.append(_framework(raw))
        return cls(tuple(items))

    def select(self, keys: Iterable[str]) -> tuple[Framework, ...]:
        """The frameworks named by `keys` (see normalize_key); an unknown key is a UsageError."""
        index = {normalize_key(fw.key): fw for fw in self.items}
        chosen: dict[str, Framework] = {}
        unknown: list[str] = []
        for key in keys:
            fw = index.get(normalize_key(key))
            if fw is None:
                unknown.append(key)
            else:
                chosen[fw.key] = fw
        if unknown:
            known = ", ".join(fw.key for fw in self.items)
            raise UsageError(f"unknown framework(s): {', '.join(unknown)} (choose from {known})")
        return tuple(chosen.values())

    @staticmethod
    def checks_of(frameworks: Sequence[Framework], checks: Sequence[Check]) -> list[Check]:
        """The checks (in their order) that at least one of `frameworks` maps."""
        return [c for c in checks if any(fw.maps(c) for fw in frameworks)]

    @staticmethod
    def _refs(check: Check) -> list[str]:
        return [check.id] + ([check.control_id] if check.control_id else [])

    def _entries(self, check: Check) -> list[tuple[Framework, Requirement]]:
        out: list[tuple[Framework, Requirement]] = []
        for ref in self._refs(check):
            out.extend(self._by_check.get(ref, []))
        return out

    def requirements_for(self, check: Check) -> tuple[str, ...]:
        """Security Hub's RelatedRequirements labels of `check` (computed once per check)."""
        key = (check.id, check.control_id)
        cached = self._requirements.get(key)
        if cached is None:
            cached = self._requirements[key] = tuple(
                dict.fromkeys(
                    fw.label(req) for fw, req in self._entries(check) if fw.related_requirements
                )
            )
        return cached

    def standards_for(self, check: Check) -> tuple[str, ...]:
        """The standards ids that include `check` (computed once per check)."""
        key = (check.id, check.control_id)
        cached = self._standards.get(key)
        if cached is None:
            frameworks = [fw for fw, _ in self._entries(check)]
            for ref in self._refs(check):
                frameworks.extend(self._members.get(ref, []))
            cached = self._standards[key] = tuple(
                dict.fromkeys(fw.standards_id for fw in frameworks if fw.standards_id)
            )
        return cached


def _out_of_scope(raw: dict[str, Any]) -> tuple[Requirement, ...]:
    """`scope.out_of_scope`: groups of requirement ids under one section title."""
    out: list[Requirement] = []
    for group in (raw.get("scope") or {}).get("out_of_scope", ()):
        for req_id in group.get("ids", ()):
            out.append(Requirement(str(req_id), str(group["section"]), scope=Scope.OUT_OF_SCOPE))
    return tuple(out)


def _framework(raw: dict[str, Any]) -> Framework:
    scope = raw.get("scope") or {}
    total = scope.get("total_requirements")
    return Framework(
        out_of_scope=_out_of_scope(raw),
        total_requirements=int(total) if total is not None else None,
        scope_note=" ".join(str(scope.get("note", "")).split()),
        key=str(raw["key"]),
        name=str(raw["name"]),
        requirement_prefix=str(raw["requirement_prefix"]),
        separator=str(raw.get("separator", "/")),
        standards_id=raw.get("standards_id"),
        related_requirements=bool(raw.get("related_requirements", True)),
        members=tuple(raw.get("members", ())),
        requirements=tuple(
            Requirement(
                id=str(r["id"]),
                title=str(r.get("title", "")),
                checks=tuple(r.get("checks", ())),
                manual=bool(r.get("manual", False)),
            )
            for r in raw.get("requirements", ())
        ),
    )
