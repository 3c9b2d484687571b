"""`--history s3://bucket/key`: the history file kept in S3 (a scheduled CodeBuild scan's home).

Before the scan the object is copied to a temporary file (a missing object starts a new history);
after the reports are written the scan's summary is appended to that copy and the copy is put
back (SSE-KMS with `--kms-key-id`), with the caller's own credentials through the same guarded
sessions as `--upload` (s3:GetObject to read, s3:PutObject the only write). Two scans that write
the same object at the same time keep only the last one's copy: schedule one writer per history.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

from botocore.exceptions import ClientError

from reports.history import HistoryError
from scanner.core.errors import TrailwatchError
from scanner.publish.s3 import (
    S3Location,
    _caller_s3,
    _describe,
    parse_s3_url,
    transfer_region,
    upload_sessions,
)


def parse_history_url(text: str) -> S3Location:
    """`s3://bucket/key` (the key of the history object itself, not a folder)."""

    loc = parse_s3_url(text, flag="--history")
    key = loc.prefix.rstrip("/")
    if not key:
        raise HistoryError(f"--history: name the object, e.g. s3://{loc.bucket}/history/h.sqlite")
    return S3Location(loc.bucket, key)


class RemoteHistory:
    """One history object in S3 and its local working copy."""

    def __init__(
        self, location: S3Location, local: Path, profile: str | None, endpoint_url: str | None
    ) -> None:
        self.location = location
        self.local = local
        self._profile = profile
        self._endpoint = endpoint_url
        self._s3: Any = None

    def __str__(self) -> str:
        return f"s3://{self.location.bucket}/{self.location.prefix}"

    def _client(self) -> Any:
        if self._s3 is None:
            try:
                self._s3 = _caller_s3(
                    upload_sessions(self._profile, self._endpoint), transfer_region()
                )
            except TrailwatchError as exc:
                raise HistoryError(f"history {self}: {exc}") from None
        return self._s3

    def fetch(self) -> bool:
        """Copy the object to `local`; False when there is none yet (a new history)."""

        try:
            body = self._client().get_object(Bucket=self.location.bucket, Key=self.location.prefix)[
                "Body"
            ]
            with self.local.open("wb") as out:
                shutil.copyfileobj(body, out, 1 << 20)
        except ClientError as exc:
            code = exc.response.get("Error", {}).get("Code")
            if code in ("NoSuchKey", "404"):
                return False
            raise HistoryError(f"history: cannot read {self}: {_describe(exc)}") from None
        except Exception as exc:
            raise HistoryError(f"history: cannot read {self}: {_describe(exc)}") from None
        return True

    def store(self, kms_key_id: str | None) -> None:
        """Put the local copy back."""
        extra: dict[str, Any] = {"ContentType": "application/vnd.sqlite3"}
        if kms_key_id:
            extra["ServerSideEncryption"] = "aws:kms"
            extra["SSEKMSKeyId"] = kms_key_id
        try:
            with self.local.open("rb") as body:
                self._client().put_object(
                    Bucket=self.location.bucket, Key=self.location.prefix, Body=body, **extra
                )
        except HistoryError:
            raise
        except Exception as exc:
            raise HistoryError(f"history: cannot write {self}: {_describe(exc)}") from None
