"""Discovery: checks and datasets are found by walking their packages (no import side effects).

The `checks` package is a plug-in folder: its modules are found by name at run time, as the
frameworks' YAML files next to them are (core never imports a check module itself).
"""

from __future__ import annotations

import importlib
import pkgutil
import re
from collections.abc import Iterable, Sequence
from typing import Any

from scanner.core.check import Check
from scanner.core.dataset import Dataset
from scanner.core.errors import UsageError


def modules(package: str) -> list[Any]:
    """The public modules of `package`, by name (sub-packages and _private ones left out)."""
    pkg = importlib.import_module(package)
    out = []
    for info in sorted(pkgutil.iter_modules(pkg.__path__), key=lambda i: i.name):
        if info.name.startswith("_") or info.ispkg:
            continue
        out.append(importlib.import_module(f"{package}.{info.name}"))
    return out


def all_checks() -> list[Check]:
    checks: list[Check] = []
    for mod in modules("checks"):
        if isinstance(getattr(mod, "CHECK", None), Check):
            checks.append(mod.CHECK)
        for check in getattr(mod, "CHECKS", ()):
            if isinstance(check, Check):
                checks.append(check)
    ids = [c.id for c in checks]
    dupes = {i for i in ids if ids.count(i) > 1}
    if dupes:
        raise RuntimeError(f"duplicate check ids: {sorted(dupes)}")
    return sorted(checks, key=_order)


def _order(check: Check) -> tuple[Any, ...]:
    """Security Hub controls first, in natural order (S3.3 before S3.22), then our own checks."""
    if not check.control_id:
        return (1, (), check.id)
    parts = tuple(int(p) if p.isdigit() else p for p in re.split(r"(\d+)", check.control_id))
    return (0, parts, check.id)


def select_checks(checks: Sequence[Check], wanted: Iterable[str] | None) -> list[Check]:
    """Checks by id or Security Hub control id (case-insensitive); unknown ids are a usage error."""
    if not wanted:
        return list(checks)
    index: dict[str, list[Check]] = {}
    for check in checks:
        index.setdefault(check.id.lower(), []).append(check)
        if check.control_id:
            index.setdefault(check.control_id.lower(), []).append(check)
    chosen: dict[str, Check] = {}
    unknown: list[str] = []
    for ref in wanted:
        matches = index.get(ref.strip().lower())
        if not matches:
            unknown.append(ref)
            continue
        for check in matches:
            chosen[check.id] = check
    if unknown:
        raise UsageError(
            f"unknown check id(s): {', '.join(unknown)} (run `trailwatch checks` for the list)"
        )
    return [c for c in checks if c.id in chosen]


def all_datasets() -> list[Dataset[Any]]:
    """Every dataset descriptor of scanner.core.datasets, by name."""
    found: dict[str, Dataset[Any]] = {}
    for mod in modules("scanner.core.datasets"):
        for value in vars(mod).values():
            if isinstance(value, Dataset):
                found.setdefault(value.name, value)
    return [found[name] for name in sorted(found)]
