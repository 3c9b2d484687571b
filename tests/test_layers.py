"""The layers import one way: every import of every module (function-level ones included) obeys."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

# layer -> the layers it may import (its own included). The order of the prefixes matters: the
# most specific first (scanner.core before scanner).
ALLOWED: dict[str, set[str]] = {
    "scanner.core": {"scanner.core"},
    "checks": {"scanner.core", "checks"},
    "reports": {"scanner.core", "reports"},
    "templates": set(),
    "scanner.aws": {"scanner.core", "scanner.aws"},
    "scanner.publish": {"scanner.core", "scanner.aws", "reports", "scanner.publish"},
    "scanner.realtime": {
        "scanner.core",
        "scanner.aws",
        "scanner.publish",
        "reports",
        "checks",
        "scanner.realtime",
    },
    "scanner.demo": {"scanner.core", "scanner.demo"},
    "scanner.app": {
        "scanner.core",
        "scanner.aws",
        "scanner.publish",
        "scanner.realtime",
        "scanner.demo",
        "reports",
        "checks",
        "scanner.app",
    },
}
LAYERS = sorted(ALLOWED, key=len, reverse=True)
# The `scanner` package itself holds only the version; every layer may read it.
SHARED = {"scanner"}
# Only these layers talk to AWS (the demo seeds its moto server with boto3).
BOTO_LAYERS = {"scanner.aws", "scanner.publish", "scanner.realtime", "scanner.app", "scanner.demo"}
PACKAGES = ("scanner", "checks", "reports", "templates")


def layer_of(module: str) -> str | None:
    """The layer a dotted module name belongs to (None: not one of ours)."""
    for layer in LAYERS:
        if module == layer or module.startswith(layer + "."):
            return layer
    return None


def module_name(path: Path, root: Path) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imported(tree: ast.AST, module: str, is_package: bool) -> list[tuple[int, list[str]]]:
    """Each import statement anywhere in `tree` (functions included): its line, modules named."""
    out: list[tuple[int, list[str]]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out.extend((node.lineno, [alias.name]) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = module.split(".")
                base = base[: len(base) - node.level + (1 if is_package else 0)]
                target = ".".join([*base, node.module] if node.module else base)
            else:
                target = node.module or ""
            # `from scanner import core` names a module, not an attribute
            out.append((node.lineno, [target, *(f"{target}.{a.name}" for a in node.names)]))
    return out


def _breaks(layer: str, target: str) -> bool:
    top = target.split(".")[0]
    if top in {"boto3", "botocore"}:
        return layer not in BOTO_LAYERS
    if top not in PACKAGES or target in SHARED:
        return False
    wanted = layer_of(target)
    # None: an attribute of the `scanner` package itself (its version)
    return wanted is not None and wanted not in ALLOWED[layer]


def violations(path: Path, root: Path) -> list[str]:
    """The import statements in the module at `path` that break the layer rule."""
    module = module_name(path, root)
    layer = layer_of(module)
    if layer is None:
        return []
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    return [
        f"{path.relative_to(root)}:{lineno}: {layer} imports {', '.join(bad)}"
        for lineno, targets in imported(tree, module, path.name == "__init__.py")
        if (bad := [t for t in targets if _breaks(layer, t)])
    ]


# The only imports that may stay inside functions: (module, imported prefixes) -> why.
LAZY: dict[tuple[str, tuple[str, ...]], str] = {
    (
        "scanner.app.cli",
        ("scanner.aws", "scanner.publish", "scanner.realtime", "scanner.app"),
    ): "--help, usage errors and `checks` answer without loading boto3",
    ("scanner.demo.server", ("moto",)): "moto is the optional demo extra; without it, one line",
    ("scanner.publish.signing", ("cryptography",)): "heavy; only `verify --public-key` needs it",
}


def function_level_imports(path: Path, root: Path) -> list[str]:
    """The imports inside functions of the module at `path` that LAZY does not allow."""
    module = module_name(path, root)
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    allowed = [prefixes for (where, prefixes) in LAZY if where == module]
    out: list[str] = []
    for fn in ast.walk(tree):
        if not isinstance(fn, ast.FunctionDef | ast.AsyncFunctionDef):
            continue
        for node in ast.walk(fn):
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                names = ["." * node.level + (node.module or "")]
            else:
                continue
            for name in names:
                if not any(name == p or name.startswith(p + ".") for ps in allowed for p in ps):
                    out.append(f"{path.relative_to(root)}:{node.lineno}: {name}")
    return out


def all_modules(root: Path) -> list[Path]:
    return sorted(p for pkg in PACKAGES for p in (root / pkg).rglob("*.py"))


def test_every_module_belongs_to_a_layer() -> None:
    loose = [
        module_name(p, ROOT)
        for p in all_modules(ROOT)
        if layer_of(module_name(p, ROOT)) is None and module_name(p, ROOT) not in SHARED
    ]
    assert loose == []


def test_the_layers_import_one_way() -> None:
    problems = [v for path in all_modules(ROOT) for v in violations(path, ROOT)]
    assert problems == []


def test_imports_stay_at_module_level_but_the_listed_lazy_ones() -> None:
    found = [v for path in all_modules(ROOT) for v in function_level_imports(path, ROOT)]
    assert found == []


def test_a_function_level_import_is_flagged(tmp_path: Path) -> None:
    path = tmp_path / "scanner" / "core" / "lazy.py"
    path.parent.mkdir(parents=True)
    path.write_text("def f():\n    import json\n    return json\n", encoding="utf-8")
    assert len(function_level_imports(path, tmp_path)) == 1
    cli = tmp_path / "scanner" / "app" / "cli.py"
    cli.parent.mkdir(parents=True)
    cli.write_text("def f():\n    from scanner.app.scan import run_scan\n", encoding="utf-8")
    assert function_level_imports(cli, tmp_path) == []


@pytest.mark.parametrize(
    ("where", "source"),
    [
        ("scanner/core/bad.py", "from scanner.aws.session import Sessions\n"),
        ("scanner/core/bad.py", "def f():\n    from scanner.app import cli\n"),
        ("scanner/core/bad.py", "import scanner.publish.s3\n"),
        ("scanner/core/bad.py", "from scanner import aws\n"),
        ("scanner/core/datasets/bad.py", "from ...aws import engine\n"),
        ("reports/bad.py", "def f():\n    import boto3\n"),
        ("reports/bad.py", "from scanner.publish.securityhub import import_findings\n"),
        ("checks/bad.py", "from reports.asff import to_asff\n"),
        ("scanner/aws/bad.py", "from reports import html\n"),
        ("scanner/realtime/bad.py", "from scanner.app.scan import run_scan\n"),
        ("scanner/demo/bad.py", "from scanner.app.demo import run_demo\n"),
    ],
)
def test_the_checker_flags_a_bad_import(tmp_path: Path, where: str, source: str) -> None:
    path = tmp_path / where
    path.parent.mkdir(parents=True)
    path.write_text(source, encoding="utf-8")
    assert len(violations(path, tmp_path)) == 1


@pytest.mark.parametrize(
    ("where", "source"),
    [
        (
            "scanner/core/ok.py",
            "from scanner.core.model import Status\nfrom scanner import __version__\n",
        ),
        (
            "reports/ok.py",
            "from scanner.core.findings import Finding\nfrom reports.asff import x\n",
        ),
        ("scanner/app/ok.py", "from scanner.publish import s3\nfrom reports import html\n"),
        ("scanner/aws/ok.py", "import boto3\nfrom scanner.core import errors\n"),
    ],
)
def test_the_checker_passes_allowed_imports(tmp_path: Path, where: str, source: str) -> None:
    path = tmp_path / where
    path.parent.mkdir(parents=True)
    path.write_text(source, encoding="utf-8")
    assert violations(path, tmp_path) == []
