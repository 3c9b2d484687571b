"""--upload s3://bucket/prefix/ (--kms-key-id): every output under prefix/<date>/<scan-id>/."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from scanner.app.cli import main
from scanner.aws.session import ClientSettings, MutatingCallBlocked, Sessions
from scanner.core.errors import UsageError
from scanner.publish.s3 import (
    EXIT_UPLOAD_FAILED,
    UPLOAD_WRITE,
    UploadError,
    parse_s3_url,
    upload_files,
    upload_sessions,
)
from tests.integration.helpers import good_trail

BUCKET = "trailwatch-reports"


@pytest.fixture
def target(
    account_client: Callable[..., Any], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> str:
    """An output bucket and a KMS key; an account with one trail to scan. Returns the key ARN."""
    monkeypatch.chdir(tmp_path)
    account_client("s3").create_bucket(Bucket=BUCKET)
    good_trail(account_client)
    arn: str = account_client("kms").create_key()["KeyMetadata"]["Arn"]
    return arn


def _scan(endpoint: str, out: Path, *extra: str) -> int:
    scan = ["-q", "scan", "--regions", "us-east-1", "--checks", "CloudTrail.1,CloudTrail.4"]
    return main([*scan, "--endpoint-url", endpoint, "--output-dir", str(out), *extra])


def _keys(s3: Any, prefix: str) -> list[str]:
    listed = s3.list_objects_v2(Bucket=BUCKET, Prefix=prefix).get("Contents", [])
    return sorted(o["Key"] for o in listed)


def test_every_output_is_uploaded_with_sse_kms(
    moto_endpoint: str,
    target: str,
    account_client: Callable[..., Any],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    out = tmp_path / "out"
    code = _scan(
        moto_endpoint,
        out,
        "--format",
        "json,asff,html,junit",
        "--upload",
        f"s3://{BUCKET}/trailwatch/prod",
        "--kms-key-id",
        target,
    )
    assert code in (0, 1, 3)
    scan = json.loads((out / "findings.json").read_text())["scan"]
    prefix = f"trailwatch/prod/{scan['started_at'][:10]}/{scan['scan_id']}/"
    s3 = account_client("s3")
    local = sorted(p.name for p in out.iterdir())
    assert {"findings.json", "findings.junit.xml", "report.html"} <= set(local)
    assert _keys(s3, "trailwatch/") == [prefix + name for name in local]
    for name in local:
        obj = s3.get_object(Bucket=BUCKET, Key=prefix + name)
        assert obj["ServerSideEncryption"] == "aws:kms"
        assert obj["SSEKMSKeyId"] == target
        assert obj["Body"].read() == (out / name).read_bytes()
    assert s3.head_object(Bucket=BUCKET, Key=prefix + "report.html")["ContentType"].startswith(
        "text/html"
    )
    printed = capsys.readouterr().out
    assert f"uploaded s3://{BUCKET}/{prefix}findings.json" in printed


def test_the_upload_sends_the_sse_kms_headers_and_only_put_object(
    moto_endpoint: str, target: str, tmp_path: Path
) -> None:
    files = []
    for name in ("findings.json", "report.html", "inventory.json"):
        (tmp_path / name).write_text("{}")
        files.append(tmp_path / name)
    sent: list[tuple[str, dict[str, str]]] = []

    def hook(client: Any, service: str, region: str, account_id: str) -> None:
        def before_send(request: Any, **_: Any) -> None:
            headers = {
                k.lower(): v.decode() if isinstance(v, bytes) else str(v)
                for k, v in request.headers.items()
            }
            sent.append((request.method, headers))

        client.meta.events.register("before-send.s3.*", before_send)

    sessions = Sessions(
        None,
        ClientSettings(
            endpoint_url=moto_endpoint, allow_writes=frozenset({UPLOAD_WRITE}), client_hook=hook
        ),
    )
    when = datetime(2026, 3, 4, 5, 6, 7, tzinfo=UTC)
    urls = upload_files(
        files,
        parse_s3_url(f"s3://{BUCKET}/x/"),
        started_at=when,
        scan_id="scan-1",
        kms_key_id=target,
        sessions=sessions,
    )
    # findings.json, the marker of a complete folder, goes last
    assert urls == [
        f"s3://{BUCKET}/x/2026-03-04/scan-1/inventory.json",
        f"s3://{BUCKET}/x/2026-03-04/scan-1/report.html",
        f"s3://{BUCKET}/x/2026-03-04/scan-1/findings.json",
    ]
    assert [method for method, _ in sent] == ["PUT"] * 3
    for _, headers in sent:
        assert headers["x-amz-server-side-encryption"] == "aws:kms"
        assert headers["x-amz-server-side-encryption-aws-kms-key-id"] == target


def test_upload_sessions_allow_put_object_and_no_other_write(moto_endpoint: str) -> None:
    sessions = upload_sessions(None, moto_endpoint)
    assert sessions.settings.allow_writes == frozenset({("s3", "PutObject")})
    sessions.identify("us-east-1")
    s3 = sessions.caller().client("s3", "us-east-1")
    with pytest.raises(MutatingCallBlocked):
        s3.delete_object(Bucket=BUCKET, Key="anything")
    with pytest.raises(MutatingCallBlocked):
        s3.create_multipart_upload(Bucket=BUCKET, Key="anything")


def test_a_scan_never_writes_during_collection(moto_endpoint: str, target: str) -> None:
    """The scan's own sessions (collection) have no write allowed, even with --upload."""
    s3 = Sessions(None, ClientSettings(endpoint_url=moto_endpoint))
    s3.identify("us-east-1")
    with pytest.raises(MutatingCallBlocked):
        s3.caller().client("s3", "us-east-1").put_object(Bucket=BUCKET, Key="k", Body=b"x")


def test_upload_failure_is_one_line_and_exit_5(
    moto_endpoint: str, target: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out"
    code = _scan(moto_endpoint, out, "--format", "json", "--upload", "s3://no-such-bucket-here/p/")
    assert code == EXIT_UPLOAD_FAILED == 5
    err = [line for line in capsys.readouterr().err.splitlines() if line.strip()]
    assert len(err) == 1 and err[0].startswith("trailwatch: error:")
    assert "NoSuchBucket" in err[0]
    assert (out / "findings.json").is_file()  # the reports were written before the upload


def test_upload_error_from_the_api(moto_endpoint: str, tmp_path: Path) -> None:
    (tmp_path / "findings.json").write_text("{}")
    with pytest.raises(UploadError) as err:
        upload_files(
            [tmp_path / "findings.json"],
            parse_s3_url("s3://missing-bucket/"),
            started_at=datetime(2026, 1, 1, tzinfo=UTC),
            scan_id="s",
            kms_key_id=None,
            sessions=upload_sessions(None, moto_endpoint),
        )
    assert err.value.exit_code == 5 and "\n" not in str(err.value)


@pytest.mark.parametrize(
    "url",
    ["bucket/prefix", "s3://", "s3://UPPER/x", "s3://a/x", "s3://bucket/a//b", "https://b/x"],
)
def test_bad_upload_urls_are_usage_errors(url: str) -> None:
    with pytest.raises(UsageError):
        parse_s3_url(url)


def test_good_upload_urls() -> None:
    assert str(parse_s3_url("s3://my-bucket")) == "s3://my-bucket/"
    assert str(parse_s3_url("s3://my-bucket/a/b")) == "s3://my-bucket/a/b/"
    assert str(parse_s3_url("s3://my.bucket/a/b/")) == "s3://my.bucket/a/b/"


def test_merge_from_an_s3_prefix_without_shards_is_a_usage_error(
    moto_endpoint: str, target: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    merge = ["-q", "merge", f"s3://{BUCKET}/shards/none/", "--endpoint-url", moto_endpoint]
    code = main([*merge, "--output-dir", str(tmp_path / "merged")])
    err = [line for line in capsys.readouterr().err.splitlines() if line.strip()]
    assert code == 2
    assert len(err) == 1 and "no scan outputs" in err[0]
