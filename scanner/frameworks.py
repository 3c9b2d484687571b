"""Compliance frameworks as data (checks/frameworks/*.yaml): requirement -> check ids."""

from __future__ import annotations

from dataclasses import dataclass, field
from importlib import resources
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from scanner.check import Check


@dataclass(frozen=True)
class Requirement:
    id: str
    title: str
    checks: tuple[str, ...] = ()
    manual: bool = False


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

    def label(self, req: Requirement) -> str:
        return f"{self.requirement_prefix}{self.separator}{req.id}"


@dataclass
class Frameworks:
    items: tuple[Framework, ...] = ()
    _by_check: dict[str, list[tuple[Framework, Requirement]]] = field(default_factory=dict)

    _members: dict[str, list[Framework]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for fw in self.items:
            for req in fw.requirements:
                for check_ref in req.checks:
                    self._by_check.setdefault(check_ref, []).append((fw, req))
            for check_ref in fw.members:
                self._members.setdefault(check_ref, []).append(fw)

    @classmethod
    def load(cls) -> Frameworks:
        import yaml

        items: list[Framework] = []
        folder = resources.files("checks").joinpath("frameworks")
        for entry in sorted(folder.iterdir(), key=lambda e: e.name):
            if entry.name.endswith((".yaml", ".yml")):
                raw = yaml.safe_load(entry.read_text(encoding="utf-8"))
                items.append(_framework(raw))
        return cls(tuple(items))

    @staticmethod
    def _refs(check: Check) -> list[str]:
        return [check.id] + ([check.control_id] if check.control_id else [])

    def _entries(self, check: Check) -> list[tuple[Framework, Requirement]]:
        out: list[tuple[Framework, Requirement]] = []
        for ref in self._refs(check):
            out.extend(self._by_check.get(ref, []))
        return out

    def requirements_for(self, check: Check) -> tuple[str, ...]:
        return tuple(
            dict.fromkeys(
                fw.label(req) for fw, req in self._entries(check) if fw.related_requirements
            )
        )

    def standards_for(self, check: Check) -> tuple[str, ...]:
        frameworks = [fw for fw, _ in self._entries(check)]
        for ref in self._refs(check):
            frameworks.extend(self._members.get(ref, []))
        return tuple(dict.fromkeys(fw.standards_id for fw in frameworks if fw.standards_id))


def _framework(raw: dict[str, Any]) -> Framework:
    return Framework(
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
