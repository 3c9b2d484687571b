"""Scripts of bench/ and deploy/ (not packages) loaded as modules by the tests."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType


def load_script(path: Path, prefix: str) -> ModuleType:
    """The script at `path` as a module named `{prefix}{stem}` (kept in sys.modules)."""
    spec = importlib.util.spec_from_file_location(f"{prefix}{path.stem}", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module
