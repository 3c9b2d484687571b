"""Reading a findings file for import (via core.inputs): bounded, checked, manifest-verified."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

from reports.manifest import MANIFEST
from scanner.core import inputs
from scanner.core.errors import UsageError

#: The largest findings file `trailwatch import` reads (512 MiB): larger ones are refused.
MAX_ASFF_BYTES = 512 * 1024 * 1024
#: The largest manifest.json read to check a findings file against it.
MAX_MANIFEST_BYTES = 16 * 1024 * 1024
#: The deepest nesting of arrays and objects accepted (ASFF itself is far shallower).
MAX_DEPTH = 64


def read_bounded(path: Path, limit: int, what: str = "file") -> bytes:
    """The bytes of the regular file `path`; UsageError when missing, not a file or over `limit`."""
    path = Path(path)
    if not path.is_file():
        raise UsageError(f"{path}: no such {what}")
    return inputs.read_bytes(path, "import", limit)  # the size is checked before reading


def parse_json(data: bytes, path: Path) -> Any:
    """Strict JSON from UTF-8 bytes (no NaN/Infinity, at most MAX_DEPTH deep); UsageError if not."""
    return inputs.parse_json(inputs.decode(data, "import", path), "import", path, MAX_DEPTH)


def findings_of(value: Any, path: Path) -> list[dict[str, Any]]:
    """The findings of a parsed file: a JSON array of objects (or a BatchImportFindings request)."""
    if isinstance(value, dict) and isinstance(value.get("Findings"), list):
        value = value["Findings"]  # the BatchImportFindings request shape
    if not isinstance(value, list) or not all(isinstance(d, dict) for d in value):
        raise UsageError(f"{path} is not a JSON array of ASFF findings")
    return value


def check_manifest(path: Path, data: bytes) -> None:
    """UsageError unless the manifest.json beside `path` lists it with this SHA-256 and size."""
    path = Path(path)
    manifest = path.parent / MANIFEST
    hint = "(--no-verify imports it anyway)"
    if not manifest.is_file():
        raise UsageError(f"{path}: no {MANIFEST} beside it to check it against {hint}")
    try:
        doc = parse_json(read_bounded(manifest, MAX_MANIFEST_BYTES, "manifest"), manifest)
    except UsageError as exc:
        raise UsageError(f"{path}: cannot check it against its manifest: {exc}") from None
    files = doc.get("files") if isinstance(doc, dict) else None
    if not isinstance(files, list) or doc.get("algorithm", "sha256") != "sha256":
        raise UsageError(f"{path}: {manifest} is not a trailwatch manifest (no sha256 `files`)")
    entries = [e for e in files if isinstance(e, dict) and e.get("path") == path.name]
    if len(entries) != 1:
        raise UsageError(f"{path}: not listed in {manifest} {hint}")
    entry = entries[0]
    size = entry.get("size")
    if isinstance(size, int) and size != len(data):
        raise UsageError(
            f"{path}: {len(data)} bytes, {manifest} says {size}: the file was changed {hint}"
        )
    expected = entry.get("sha256")
    if not isinstance(expected, str) or hashlib.sha256(data).hexdigest() != expected.lower():
        raise UsageError(f"{path}: SHA-256 differs from {manifest}: the file was changed {hint}")


def load_asff(path: Path, *, verify: bool = False) -> list[dict[str, Any]]:
    """The findings of a findings.asff.json file; UsageError (one line) for anything else.

    At most MAX_ASFF_BYTES are read. With `verify`, the bytes read must be the ones the
    manifest.json beside the file lists (same name, SHA-256 and size)."""
    data = read_bounded(Path(path), MAX_ASFF_BYTES)
    if verify:
        check_manifest(Path(path), data)
    value = parse_json(data, Path(path))
    inputs.expect_kind(value, inputs.ASFF, "import", path)  # "is a findings file (findings.json)"
    return findings_of(value, Path(path))
