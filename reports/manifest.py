"""manifest.json: every output file of a scan with its SHA-256 and size; `trailwatch verify`.

The trust chain: the SHA-256 of manifest.json (printed by `scan`, kept in `manifest.sha256`, and
optionally signed into `manifest.sig`) covers manifest.json, which lists every other file of the
set with its size and SHA-256 (report.html included). report.html shows the SHA-256 of the
findings.json it was rendered with. An auditor who keeps the manifest's SHA-256 out of band (or
checks the signature) can later prove that every file is the one the scan wrote.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import stat
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath
from typing import Any

from scanner.core import inputs
from scanner.core.atomic import write_text_atomic
from scanner.core.errors import UsageError

MANIFEST = "manifest.json"
#: `sha256sum` format: the manifest's own SHA-256 (a convenience copy; trust the out-of-band one).
MANIFEST_SHA256 = "manifest.sha256"
#: The optional KMS signature of the manifest's SHA-256 (`scan --sign-key`).
SIGNATURE = "manifest.sig"
#: Files beside the manifest that it cannot list (they are derived from it).
COMPANIONS = frozenset({MANIFEST, MANIFEST_SHA256, SIGNATURE})
MANIFEST_VERSION = 1
#: Bounds on what `verify` and `merge` read: a larger manifest is refused unread.
MAX_MANIFEST_BYTES = 16 << 20
MAX_MANIFEST_ENTRIES = 10_000
_CHUNK = 1 << 20
_HEX64 = re.compile(r"[0-9a-f]{64}")


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(_CHUNK), b""):
            digest.update(block)
    return digest.hexdigest()


def _sha256_nofollow(path: Path) -> str:
    """SHA-256 of a regular file, opened without following a symlink (raises OSError)."""
    fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW)
    with os.fdopen(fd, "rb") as handle:
        if not stat.S_ISREG(os.fstat(handle.fileno()).st_mode):
            raise OSError(f"{path.name}: not a regular file")
        digest = hashlib.sha256()
        for block in iter(lambda: handle.read(_CHUNK), b""):
            digest.update(block)
    return digest.hexdigest()


def parse_sha256(text: str) -> str:
    """A SHA-256 given by a user (64 hex digits, any case); a usage error otherwise."""
    value = text.strip().lower()
    if not _HEX64.fullmatch(value):
        raise UsageError(f"--expect: not a SHA-256 (64 hex digits): {text!r}")
    return value


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
        if Path(path).name in COMPANIONS:
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
    """Hash `paths`, write out_dir/manifest.json and out_dir/manifest.sha256; returns the first."""
    doc = build_manifest(out_dir, paths, scan_id=scan_id, tool_version=tool_version)
    target = Path(out_dir) / MANIFEST
    write_text_atomic(target, json.dumps(doc, indent=1, ensure_ascii=False) + "\n")
    write_text_atomic(Path(out_dir) / MANIFEST_SHA256, f"{sha256_file(target)}  {MANIFEST}\n")
    return target


def _safe_relative(name: Any) -> str | None:
    """A manifest path that stays inside the directory (no absolute paths, no `..`)."""
    if not isinstance(name, str) or not name or "\\" in name or "\x00" in name:
        return None
    pure = PurePosixPath(name)
    if pure.is_absolute() or any(part in ("..", "", ".") for part in pure.parts):
        return None
    if name != pure.as_posix():
        return None
    return pure.as_posix()


def _symlink_on_path(directory: Path, name: str) -> bool:
    """Is the listed file, or a folder between it and `directory`, a symbolic link?"""
    current = directory
    for part in PurePosixPath(name).parts:
        current = current / part
        if current.is_symlink():
            return True
    return False


def read_manifest(directory: Path) -> dict[str, Any]:
    """directory/manifest.json, bounded in size, never through a symlink; UsageError otherwise."""
    directory = Path(directory)
    if not directory.is_dir():
        raise UsageError(f"verify: no such directory: {directory}")
    manifest = directory / MANIFEST
    if manifest.is_symlink():
        raise UsageError(f"{directory}: {MANIFEST} is a symbolic link (refused)")
    if not manifest.is_file():
        raise UsageError(f"verify: {directory} has no {MANIFEST}")
    if manifest.stat().st_size > MAX_MANIFEST_BYTES:
        raise UsageError(f"{manifest}: larger than {MAX_MANIFEST_BYTES} bytes (refused unread)")

    try:
        fd = os.open(manifest, os.O_RDONLY | os.O_NOFOLLOW)
        with os.fdopen(fd, "rb") as handle:
            data = handle.read(MAX_MANIFEST_BYTES + 1)
        doc = inputs.parse_json(inputs.decode(data, "verify", manifest), "verify", manifest)
    except OSError as exc:
        raise UsageError(f"{manifest}: unreadable: {exc}") from None
    except inputs.InputError as exc:  # not UTF-8, not JSON, nested too deep (scanner.core.inputs)
        raise UsageError(f"{manifest}: unreadable: {exc}") from None
    if not isinstance(doc, dict):
        raise UsageError(f"{manifest}: not a trailwatch manifest (not a JSON object)")
    files = doc.get("files")
    if (
        not isinstance(files, list)
        or doc.get("algorithm", "sha256") != "sha256"
        or len(files) > MAX_MANIFEST_ENTRIES
    ):
        raise UsageError(f"{manifest}: not a trailwatch manifest (no `files` list of sha256s)")
    return doc


def listed_files(directory: Path) -> dict[str, str]:
    """name -> SHA-256 of every file directory/manifest.json lists (UsageError if malformed)."""
    out: dict[str, str] = {}
    for entry in read_manifest(directory)["files"]:
        name = _safe_relative(entry.get("path") if isinstance(entry, dict) else None)
        digest = entry.get("sha256") if isinstance(entry, dict) else None
        if name is not None and isinstance(digest, str):
            out[name] = digest.lower()
    return out


def check_listed(directory: Path, names: Iterable[str]) -> str | None:
    """None when every one of `names` is listed in directory/manifest.json and matches it;
    otherwise one line that says which file does not (a malformed manifest is a UsageError)."""
    listed = listed_files(directory)
    for name in names:
        expected = listed.get(name)
        if expected is None:
            return f"{name} is not listed in {MANIFEST}"
        if _symlink_on_path(directory, name):
            return f"{name} is a symbolic link (refused)"
        path = directory / name
        try:
            actual = _sha256_nofollow(path)
        except OSError:
            return f"{name} is missing or unreadable"
        if actual != expected:
            return f"{name} does not match {MANIFEST} (sha256 differs)"
    return None


def verify_manifest(directory: Path, expect: str | None = None) -> tuple[list[str], list[str]]:
    """Re-check directory/manifest.json: (problems, notes), one line each.

    Problems: a listed file missing, a symbolic link, of another size or another SHA-256; a
    malformed manifest; a manifest whose SHA-256 differs from `expect` or from manifest.sha256.
    Notes: files in the directory that the manifest does not list. UsageError when `directory`
    is not a directory, holds no manifest, or its manifest is a symbolic link or too large.
    """
    directory = Path(directory)
    try:
        doc = read_manifest(directory)
    except UsageError as exc:
        if os.path.lexists(directory / MANIFEST):  # there, but not a manifest we can trust
            return [str(exc)], []
        raise
    problems: list[str] = []
    digest = _sha256_nofollow(directory / MANIFEST)
    if expect is not None and digest != expect:
        problems.append(f"{MANIFEST}: sha256 {digest} is not the expected {expect}")
    problems.extend(_check_sha256_file(directory, digest))
    listed: set[str] = set()
    for n, entry in enumerate(doc["files"]):
        name = _safe_relative(entry.get("path") if isinstance(entry, dict) else None)
        if name is None or not isinstance(entry, dict):
            problems.append(f"{MANIFEST}: entry {n} has no valid relative path")
            continue
        listed.add(name)
        expected = entry.get("sha256")
        size = entry.get("size")
        if _symlink_on_path(directory, name):
            problems.append(f"symbolic link (refused): {name}")
            continue
        path = directory / name
        if not path.is_file():
            problems.append(f"missing: {name}")
            continue
        actual_size = path.stat().st_size
        if isinstance(size, int) and size != actual_size:
            problems.append(f"size differs: {name}: manifest {size}, file {actual_size} bytes")
            continue
        try:
            actual = _sha256_nofollow(path)
        except OSError:
            problems.append(f"unreadable: {name}")
            continue
        if not isinstance(expected, str) or actual != expected.lower():
            problems.append(f"sha256 differs: {name}")
    notes = [
        f"not in {MANIFEST}: {p.relative_to(directory).as_posix()}"
        for p in sorted(directory.rglob("*"))
        if (p.is_file() or p.is_symlink())
        and p.name not in COMPANIONS
        and not p.name.startswith(".")
        and p.relative_to(directory).as_posix() not in listed
    ]
    return problems, notes


def _check_sha256_file(directory: Path, digest: str) -> list[str]:
    """manifest.sha256, when present, must name manifest.json with its actual SHA-256."""
    path = directory / MANIFEST_SHA256
    if not os.path.lexists(path):
        return []
    if path.is_symlink() or not path.is_file() or path.stat().st_size > 1024:
        return [f"{MANIFEST_SHA256}: not a small regular file"]
    recorded = path.read_text(encoding="utf-8", errors="replace").split()
    if recorded[:2] != [digest, MANIFEST]:
        return [f"{MANIFEST_SHA256} does not match {MANIFEST}"]
    return []
