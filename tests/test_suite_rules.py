"""Rules of the test suite itself: test modules share builders through conftest fixtures and
helper modules, never through each other; `make unit` (so `make test`, which CI runs) runs the
slow tests too (the wheel and the deployment bundle)."""

from __future__ import annotations

import ast
import re
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _imported_modules(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    names: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.extend(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = "." * node.level + (node.module or "")
            names.append(base)
            names.extend(f"{base}.{alias.name}" for alias in node.names)
    return names


def _is_test_module(name: str) -> bool:
    return any(part.startswith("test_") for part in name.split("."))


def test_no_module_imports_a_test_module() -> None:
    offenders = {
        f"{path.relative_to(ROOT)}: {name}"
        for folder in ("tests", "bench")
        for path in sorted((ROOT / folder).rglob("*.py"))
        for name in _imported_modules(path)
        if _is_test_module(name)
    }
    assert not offenders, sorted(offenders)


def test_the_rule_sees_every_form_of_import(tmp_path: Path) -> None:
    module = tmp_path / "m.py"
    for source in (
        "from tests.checks.test_s3_lib import world",
        "import tests.test_events",
        "from tests.checks import test_kms_key_rotation",
        "def f() -> None:\n    from .test_x import y\n",
    ):
        module.write_text(source + "\n")
        assert any(_is_test_module(n) for n in _imported_modules(module)), source
    module.write_text("from tests.checks.trails import trail\nimport pytest\n")
    assert not any(_is_test_module(n) for n in _imported_modules(module))


def test_make_unit_deselects_no_test() -> None:
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    recipe = makefile.split("\nunit:", 1)[1].split("\n\n", 1)[0]
    assert "pytest" in recipe
    assert not re.search(r"(^|\s)(-m|-k|--deselect|--ignore)(\s|=)", recipe), recipe
    options = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    addopts = options["tool"]["pytest"]["ini_options"]["addopts"]
    assert not re.search(r"(^|\s)(-m|-k|--deselect|--ignore)(\s|=)", addopts), addopts
    test_recipe = makefile.split("\ntest:", 1)[1].split("\n", 1)[0]
    assert "unit" in test_recipe.split()
