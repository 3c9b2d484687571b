"""manifest.json: every output file of a scan with its SHA-256 and size; `trailwatch verify`.

Written last and atomically, so a manifest only ever describes complete files. An auditor keeps
the manifest (or its own SHA-256, which `verify` prints) and can later prove that the reports
are the ones the scan wrote.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath
from typing import Any

from scanner.atomic import write_text_atomic
from scanner.errors import UsageError

MANIFEST = "manifest.json"
MANIFEST_VERSION = 1
_CHUNK = 1 << 20


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(_CHUNK), b""):
            digest.update(block)
    return digest.hexdigest()


def _entry(out_dir: Path, path: Path) -> dict[str, Any] | None:
    try:
        rel = path.resolve().relative_to(out_dir.resolve())
    except ValueError:
        return None  # outside the output directory (e.g. --save-inventory elsewhere)
    return {
        "path": rel.as_posix(),
        "sha256": sha256_file(path),
        "size": path.stat().st_size,
    }


def build_manifest(
    out_dir: Path,
    paths: Iterable[Path],
    *,
    scan_id: str,
    tool_version: str,
    created_at: datetime | None = None,
) -> dict[str, Any]:
    """The manifest document for `paths` (files outside `out_dir` are left out)."""
    files: dict[str, dict[str, Any]] = {}
    for path in paths:
        if Path(path).name == MANIFEST:
            continue
        entry = _entry(Path(out_dir), Path(path))
        if entry is not None:
            files[entry["path"]] = entry
    moment = (created_at or datetime.now(UTC)).astimezone(UTC)
    return {
        "manifest_version": MANIFEST_VERSION,
        "tool": "trailwatch",
        "tool_version": tool_version,
        "scan_id": scan_id,
        "created_at": moment.isoformat(timespec="seconds").replace("+00:00", "Z"),
        "algorithm": "sha256",
        "files": [files[name] for name in sorted(files)],
    }


def write_manifest(
    out_dir: Path, paths: Iterable[Path], *, scan_id: str, tool_version: str
) -> Path:
    """Hash `paths` and write out_dir/manifest.json atomically; returns its path."""
    doc = build_manifest(out_dir, paths, scan_id=scan_id, tool_version=tool_version)
    target = Path(out_dir) / MANIFEST
    write_text_atomic(target, json.dumps(doc, indent=1, ensure_ascii=False) + "\n")
    return target


def _safe_relative(name: Any) -> str | None:
    """A manifest path that stays inside the directory (no absolute paths, no `..`)."""
    if not isinstance(name, str) or not name or "\\" in name or "\x00" in name:
        return None
    pure = PurePosixPath(name)
    if pure.is_absolute() or any(part in ("..", "") for part in pure.parts):
        return None
    return pure.as_posix()


def verify_manifest(directory: Path) -> tuple[list[str], list[str]]:
    """Re-check directory/manifest.json: (problems, notes), one line each.

    Problems: a listed file missing, of another size or another SHA-256, or a malformed manifest.
    Notes: files in the directory that the manifest does not list. UsageError when `directory`
    is not a directory or holds no manifest.
    """
    directory = Path(directory)
    if not directory.is_dir():
        raise UsageError(f"verify: no such directory: {directory}")
    manifest = directory / MANIFEST
    if not manifest.is_file():
        raise UsageError(f"verify: {directory} has no {MANIFEST}")
    from scanner import inputs

    try:
        doc = inputs.load_json(manifest, "verify", inputs.MANIFEST_MAX_BYTES)
    except inputs.InputError as exc:
        return [f"{MANIFEST}: unreadable: {exc}"], []
    files = doc.get("files") if isinstance(doc, dict) else None
    if not isinstance(files, list) or doc.get("algorithm", "sha256") != "sha256":
        return [f"{MANIFEST}: not a trailwatch manifest (no `files` list of sha256 entries)"], []
    problems: list[str] = []
    listed: set[str] = set()
    for n, entry in enumerate(files):
        name = _safe_relative(entry.get("path") if isinstance(entry, dict) else None)
        if name is None or not isinstance(entry, dict):
            problems.append(f"{MANIFEST}: entry {n} has no valid relative path")
            continue
        listed.add(name)
        expected = entry.get("sha256")
        size = entry.get("size")
        path = directory / name
        if not path.is_file():
            problems.append(f"missing: {name}")
            continue
        actual_size = path.stat().st_size
        if isinstance(size, int) and size != actual_size:
            problems.append(f"size differs: {name}: manifest {size}, file {actual_size} bytes")
            continue
        if not isinstance(expected, str) or sha256_file(path) != expected.lower():
            problems.append(f"sha256 differs: {name}")
    notes = [
        f"not in {MANIFEST}: {p.relative_to(directory).as_posix()}"
        for p in sorted(directory.rglob("*"))
        if p.is_file()
        and p.name != MANIFEST
        and not p.name.startswith(".")
        and p.relative_to(directory).as_posix() not in listed
    ]
    return problems, notes
