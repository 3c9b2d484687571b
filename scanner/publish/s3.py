"""Outputs to and from S3: `--upload s3://bucket/prefix/` and `trailwatch merge s3://...`.

Uploads use the caller's own credentials (never a member role) through sessions whose read-only
guard allows exactly one write, s3:PutObject; the scan's collection sessions never allow it.
Objects go under `prefix/<YYYY-MM-DD>/<scan-id>/` (the scan's start date, UTC), so a bucket holds
one folder per scan, partitioned by date for Athena and lifecycle rules. With `--kms-key-id` every
object is written with SSE-KMS under that key (for bucket policies that require a CMK).
"""

from __future__ import annotations

import os
import re
import shutil
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from botocore.exceptions import ClientError

from scanner.aws.session import ClientSettings, Sessions
from scanner.core.errors import TrailwatchError, UsageError

#: Exit code when the reports were written but could not be uploaded.
EXIT_UPLOAD_FAILED = 5
#: The only write the upload sessions allow through the read-only guard.
UPLOAD_WRITE = ("s3", "PutObject")
#: The file whose presence in S3 marks a complete output folder; uploaded last.
MARKER = "findings.json"

_BUCKET = re.compile(r"[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]")
_CONTENT_TYPES = {
    ".json": "application/json",
    ".html": "text/html; charset=utf-8",
    ".xml": "application/xml",
    ".csv": "text/csv; charset=utf-8",
    ".md": "text/markdown; charset=utf-8",
    ".txt": "text/plain; charset=utf-8",
}

Progress = Callable[[str], None]


class UploadError(TrailwatchError):
    """The reports were written locally but could not be uploaded to S3."""

    exit_code = EXIT_UPLOAD_FAILED


@dataclass(frozen=True)
class S3Location:
    """A bucket and a key prefix ('' or ending in '/')."""

    bucket: str
    prefix: str

    def __str__(self) -> str:
        return f"s3://{self.bucket}/{self.prefix}"


def is_s3_url(text: str) -> bool:
    return text.startswith("s3://")


def parse_s3_url(text: str, flag: str = "--upload") -> S3Location:
    """`s3://bucket[/prefix]`; the prefix is normalised to end with '/'."""
    if not is_s3_url(text):
        raise UsageError(f"{flag}: expected s3://bucket/prefix/, got {text!r}")
    bucket, _, prefix = text[len("s3://") :].partition("/")
    if not _BUCKET.fullmatch(bucket) or ".." in bucket:
        raise UsageError(f"{flag}: not a valid S3 bucket name: {bucket!r}")
    prefix = prefix.strip("/")
    if "//" in prefix:
        raise UsageError(f"{flag}: empty path segment in {text!r}")
    return S3Location(bucket, f"{prefix}/" if prefix else "")


def scan_prefix(dest: S3Location, started_at: datetime, scan_id: str) -> str:
    """`prefix/<YYYY-MM-DD>/<scan-id>/` for a scan that started at `started_at` (UTC)."""
    return f"{dest.prefix}{started_at:%Y-%m-%d}/{scan_id}/"


def transfer_region() -> str:
    """The region of the S3 client: the environment's (CodeBuild sets AWS_REGION), else us-east-1.

    A bucket elsewhere still works: botocore follows S3's region redirects.
    """
    return os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION") or "us-east-1"


def upload_sessions(profile: str | None, endpoint_url: str | None) -> Sessions:
    """The caller's credentials, with s3:PutObject (and nothing else) allowed through the guard."""
    return Sessions(
        profile,
        ClientSettings(endpoint_url=endpoint_url, allow_writes=frozenset({UPLOAD_WRITE})),
    )


def _describe(exc: Exception) -> str:

    if isinstance(exc, ClientError):
        err = exc.response.get("Error", {})
        return f"{err.get('Code') or 'ClientError'}: {err.get('Message') or exc}"
    return f"{type(exc).__name__}: {exc}"


def _caller_s3(sessions: Sessions, region: str) -> Any:
    if not sessions.caller_account:
        sessions.identify(region)
    return sessions.caller().client("s3", region)


def upload_files(
    paths: Sequence[Path],
    dest: S3Location,
    *,
    started_at: datetime,
    scan_id: str,
    kms_key_id: str | None,
    sessions: Sessions,
    region: str | None = None,
    progress: Progress = lambda _m: None,
) -> list[str]:
    """PutObject each file under `scan_prefix(...)`; findings.json last. Returns the S3 URLs.

    Raises UploadError (exit 5) with one line naming the object that failed.
    """
    region = region or transfer_region()
    prefix = scan_prefix(dest, started_at, scan_id)
    ordered = sorted(dict.fromkeys(paths), key=lambda p: (p.name == MARKER, p.name))
    try:
        s3 = _caller_s3(sessions, region)
    except TrailwatchError as exc:
        raise UploadError(f"upload to {dest} failed: {exc}") from None
    urls: list[str] = []
    for path in ordered:
        key = prefix + path.name
        extra: dict[str, Any] = {
            "ContentType": _CONTENT_TYPES.get(path.suffix, "application/octet-stream")
        }
        if kms_key_id:
            extra["ServerSideEncryption"] = "aws:kms"
            extra["SSEKMSKeyId"] = kms_key_id
        try:
            with path.open("rb") as body:
                s3.put_object(Bucket=dest.bucket, Key=key, Body=body, **extra)
        except Exception as exc:
            raise UploadError(
                f"upload of {path.name} to s3://{dest.bucket}/{key} failed: {_describe(exc)}"
            ) from None
        urls.append(f"s3://{dest.bucket}/{key}")
    progress(f"uploaded {len(urls)} file(s) to s3://{dest.bucket}/{prefix}")
    return urls


def download_outputs(
    source: S3Location,
    into: Path,
    names: Sequence[str],
    *,
    sessions: Sessions,
    region: str | None = None,
    max_bytes: int | None = None,
) -> list[tuple[str, Path]]:
    """Every output folder under `source` (a folder holding findings.json), copied into `into`.

    Only the files in `names` are fetched; an object larger than `max_bytes` is refused unread.
    Returns (S3 URL of the folder, local copy), in key order.
    Read-only (ListObjectsV2, GetObject). An S3 error is a usage error (exit 2): the input
    cannot be read.
    """
    region = region or transfer_region()
    s3 = _caller_s3(sessions, region)
    folders: list[str] = []
    try:
        for page in s3.get_paginator("list_objects_v2").paginate(
            Bucket=source.bucket, Prefix=source.prefix
        ):
            for obj in page.get("Contents", []):
                key = str(obj["Key"])
                if key.rsplit("/", 1)[-1] == MARKER:
                    folders.append(key[: -len(MARKER)])
    except Exception as exc:
        raise UsageError(f"cannot list {source}: {_describe(exc)}") from None
    if not folders:
        raise UsageError(f"no scan outputs ({MARKER}) under {source}")
    local: list[tuple[str, Path]] = []
    for n, folder in enumerate(sorted(folders), start=1):
        target = into / f"{n:04d}"
        target.mkdir(parents=True, exist_ok=True)
        for name in names:
            key = folder + name
            try:
                response = s3.get_object(Bucket=source.bucket, Key=key)
                size = int(response.get("ContentLength") or 0)
                if max_bytes is not None and size > max_bytes:
                    raise UsageError(
                        f"s3://{source.bucket}/{key}: larger than {max_bytes} bytes (refused)"
                    )
                body = response["Body"]
                with (target / name).open("wb") as out:
                    shutil.copyfileobj(body, out, 1 << 20)
            except UsageError:
                raise
            except Exception as exc:
                raise UsageError(
                    f"cannot read s3://{source.bucket}/{key}: {_describe(exc)}"
                ) from None
        local.append((f"s3://{source.bucket}/{folder}", target))
    return local


def upload_reports(
    paths: Sequence[Path],
    dest: S3Location,
    *,
    started_at: datetime,
    scan_id: str,
    kms_key_id: str | None,
    profile: str | None,
    endpoint_url: str | None,
    progress: Progress = lambda _m: None,
) -> int:
    """`--upload`: every output file to S3; 0, or EXIT_UPLOAD_FAILED after one line on stderr."""

    try:
        urls = upload_files(
            paths,
            dest,
            started_at=started_at,
            scan_id=scan_id,
            kms_key_id=kms_key_id,
            sessions=upload_sessions(profile, endpoint_url),
            progress=progress,
        )
    except TrailwatchError as exc:
        print(f"trailwatch: error: {exc}", file=sys.stderr)
        return EXIT_UPLOAD_FAILED
    for url in urls:
        print(f"uploaded {url}")
    return 0
