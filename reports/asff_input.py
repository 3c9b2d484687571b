"""Reading a findings file for import: bounded, checked against its manifest, parsed defensively."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from reports.manifest import MANIFEST
from scanner.errors import UsageError

#: The largest findings file `trailwatch import` reads (512 MiB): larger ones are refused.
MAX_ASFF_BYTES = 512 * 1024 * 1024
#: The largest manifest.json read to check a findings file against it.
MAX_MANIFEST_BYTES = 16 * 1024 * 1024
#: The deepest nesting of arrays and objects accepted (ASFF itself is far shallower).
MAX_DEPTH = 64


def read_bounded(path: Path, limit: int, what: str = "file") -> bytes:
    """The bytes of the regular file `path`; UsageError when missing, not a file or over `limit`."""
    path = Path(path)
    try:
        if not path.is_file():
            raise UsageError(f"{path}: no such {what}")
        size = path.stat().st_size
        if size > limit:
            raise UsageError(f"{path}: {size} bytes, larger than the {limit}-byte limit")
        with path.open("rb") as handle:
            data = handle.read(limit + 1)
    except OSError as exc:
        raise UsageError(f"cannot read {path}: {exc.strerror or exc}") from None
    if len(data) > limit:  # grew while being read
        raise UsageError(f"{path}: larger than the {limit}-byte limit")
    return data


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")


def parse_json(data: bytes, path: Path) -> Any:
    """Strict JSON from UTF-8 bytes (no NaN/Infinity, at most MAX_DEPTH deep); UsageError if not."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise UsageError(f"{path}: not UTF-8 text (byte {exc.start})") from None
    if "\x00" in text:
        raise UsageError(f"{path}: binary data, not JSON")
    try:
        value = json.loads(text, parse_constant=_reject_constant)
    except RecursionError:
        raise UsageError(f"{path}: JSON nested deeper than {MAX_DEPTH} levels") from None
    except ValueError as exc:
        raise UsageError(f"{path} is not JSON: {exc}") from None
    if _depth(value) > MAX_DEPTH:
        raise UsageError(f"{path}: JSON nested deeper than {MAX_DEPTH} levels")
    return value


def _depth(value: Any) -> int:
    """Nesting depth of arrays and objects, without recursion."""
    deepest = 0
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        item, level = stack.pop()
        if isinstance(item, dict):
            children: Any = item.values()
        elif isinstance(item, list):
            children = item
        else:
            continue
        deepest = max(deepest, level)
        if deepest > MAX_DEPTH:
            return deepest
        stack.extend((child, level + 1) for child in children)
    return deepest


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
    return findings_of(parse_json(data, Path(path)), Path(path))
