"""Lean calls (scanner.aws.lean) against botocore's own path, on the demo Organization in moto:
the same requests, signed as botocore signs them, the same answers and findings; and a plan
that follows the handlers registered after it."""

from __future__ import annotations

import datetime
import re
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest, AWSResponse
from botocore.credentials import Credentials
from botocore.exceptions import ClientError

from scanner.app.scan import ScanRequest, run_scan
from scanner.aws import lean
from scanner.aws.collection import ScanOptions
from scanner.aws.session import AccountSession, CallLog, ClientSettings, Sessions
from scanner.demo.world import REGIONS

from .conftest import Demo

#: Headers that differ between two requests by design: the clock, the credentials of each
#: AssumeRole, the invocation id, and the user agent's per-call feature list.
VOLATILE = {
    "x-amz-date",
    "x-amz-security-token",
    "authorization",
    "amz-sdk-invocation-id",
    "user-agent",
}


class Sent:
    """Every request the scan's clients send, with the credentials it was signed with."""

    def __init__(self) -> None:
        self.requests: list[dict[str, Any]] = []

    def hook(self, client: Any, service: str, region: str, account_id: str) -> None:
        def capture(request: Any, event_name: str, **_: Any) -> None:
            creds = client._request_signer._credentials.get_frozen_credentials()
            headers = {
                k.lower(): v.decode() if isinstance(v, bytes) else v
                for k, v in request.headers.items()
            }
            body = request.body.encode() if isinstance(request.body, str) else request.body
            self.requests.append(
                {
                    "service": service,
                    "operation": event_name.rsplit(".", 1)[-1],
                    "method": request.method,
                    "url": request.url,
                    "headers": headers,
                    "body": body or b"",
                    "credentials": creds,
                    "lean": lean.enabled(client),
                }
            )

        client.meta.events.register_first("before-send", capture)

    def comparable(self) -> Counter[tuple[Any, ...]]:
        out: Counter[tuple[Any, ...]] = Counter()
        for r in self.requests:
            headers = r["headers"]
            auth = headers.get("authorization", "")
            signed = re.search(r"SignedHeaders=([^,]+)", auth)
            stable = tuple(sorted((k, v) for k, v in headers.items() if k not in VOLATILE))
            out[
                (
                    r["service"],
                    r["operation"],
                    r["method"],
                    r["url"],
                    r["body"],
                    stable,
                    signed.group(1) if signed else None,
                    headers.get("user-agent", "").split(" m/")[0],
                )
            ] += 1
        return out


def _scan(demo: Demo, out: Path, lean_calls: bool) -> tuple[Sent, set[tuple[str, str, str]]]:
    sent = Sent()
    settings = ClientSettings(
        endpoint_url=demo.endpoint, max_attempts=8, client_hook=sent.hook, lean_calls=lean_calls
    )
    outcome = run_scan(
        ScanRequest(
            options=ScanOptions(org=True, regions=REGIONS, endpoint_url=demo.endpoint),
            output_dir=out,
            formats=("json",),
        ),
        sessions=Sessions(None, settings),
    )
    findings = {(f.id, f.status.value, f.reason) for f in outcome.findings}
    return sent, findings


@pytest.fixture(scope="module")
def both(demo: Demo, tmp_path_factory: pytest.TempPathFactory) -> tuple[Any, ...]:
    lean_sent, lean_findings = _scan(demo, tmp_path_factory.mktemp("lean"), True)
    plain_sent, plain_findings = _scan(demo, tmp_path_factory.mktemp("plain"), False)
    return lean_sent, lean_findings, plain_sent, plain_findings


def test_lean_scan_sends_the_same_requests_and_finds_the_same(both: tuple[Any, ...]) -> None:
    lean_sent, lean_findings, plain_sent, plain_findings = both
    lean_services = {r["service"] for r in lean_sent.requests if r["lean"]}
    assert {"cloudtrail", "logs", "ec2", "apigateway", "route53", "sns"} <= lean_services
    assert not any(r["lean"] for r in plain_sent.requests)
    assert lean_findings == plain_findings
    assert len(lean_findings) > 100
    lean_requests, plain_requests = lean_sent.comparable(), plain_sent.comparable()
    assert lean_requests - plain_requests == Counter()
    assert plain_requests - lean_requests == Counter()


def test_every_lean_request_is_signed_as_botocore_signs_it(
    both: tuple[Any, ...], monkeypatch: pytest.MonkeyPatch
) -> None:
    lean_sent = both[0]
    checked = 0
    for r in lean_sent.requests:
        auth = r["headers"]["authorization"]
        scope = re.search(r"Credential=[^/]+/\d{8}/([^/]+)/([^/]+)/aws4_request", auth)
        signed = re.search(r"SignedHeaders=([^,]+)", auth)
        assert scope and signed
        region, service = scope.groups()
        names = set(signed.group(1).split(";")) - {"host"}
        request = AWSRequest(
            method=r["method"],
            url=r["url"],
            headers={k: v for k, v in r["headers"].items() if k in names},
            data=r["body"],
        )
        stamp = datetime.datetime.strptime(r["headers"]["x-amz-date"], "%Y%m%dT%H%M%SZ")
        monkeypatch.setattr("botocore.auth.get_current_datetime", lambda stamp=stamp: stamp)
        creds = r["credentials"]
        SigV4Auth(
            Credentials(creds.access_key, creds.secret_key, creds.token), service, region
        ).add_auth(request)
        assert request.headers["Authorization"] == auth, (r["service"], r["operation"])
        checked += 1
    assert checked > 500


def _session(endpoint: str, hook: Callable[..., None] | None = None) -> AccountSession:
    sessions = Sessions(None, ClientSettings(endpoint_url=endpoint, max_attempts=3))
    settings = ClientSettings(endpoint_url=endpoint, max_attempts=3, client_hook=hook)
    return AccountSession("123456789012", sessions._base, settings, CallLog())


def test_errors_raise_as_botocore_raises_them(moto_endpoint: str) -> None:
    acct = _session(moto_endpoint)
    trails = acct.client("cloudtrail", "us-east-1")
    assert lean.enabled(trails)
    with pytest.raises(ClientError) as caught:
        trails.get_trail_status(Name="missing")
    assert type(caught.value).__name__ == "TrailNotFoundException"
    assert caught.value.response["Error"]["Code"] == "TrailNotFoundException"
    assert caught.value.operation_name == "GetTrailStatus"
    assert caught.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400


def test_throttled_calls_are_retried_and_counted(moto_endpoint: str) -> None:
    throttled: list[int] = []

    def hook(client: Any, service: str, region: str, account_id: str) -> None:
        def before_send(request: Any, **_: Any) -> Any:
            if len(throttled) >= 2:
                return None
            throttled.append(1)
            body = b'{"__type":"ThrottlingException","message":"Rate exceeded"}'
            return AWSResponse(request.url, 400, {}, _Raw(body))

        client.meta.events.register_first("before-send", before_send)

    acct = _session(moto_endpoint, hook)
    logs = acct.client("logs", "us-east-1")
    answer = logs.describe_log_groups()
    assert answer["ResponseMetadata"]["RetryAttempts"] == 2
    assert acct._calls.retries == 2
    assert acct._calls.total == 1


def test_a_plan_follows_handlers_registered_after_it(moto_endpoint: str) -> None:
    acct = _session(moto_endpoint)
    logs = acct.client("logs", "us-east-1")
    logs.describe_log_groups()
    seen: list[str] = []
    logs.meta.events.register(
        "before-call.cloudwatch-logs.DescribeLogGroups",
        lambda model, **_: seen.append(model.name),
    )
    logs.describe_log_groups()
    assert seen == ["DescribeLogGroups"]


def test_botocore_keeps_what_a_plan_does_not_cover(moto_endpoint: str) -> None:
    acct = _session(moto_endpoint)
    s3 = acct.client("s3", "us-east-1")
    assert lean.plan(s3, "ListBuckets") is lean.UNPLANNED
    logs = acct.client("logs", "us-east-1")
    assert isinstance(lean.plan(logs, "DescribeLogGroups"), lean.Plan)
    logs.meta.events.register("request-created.cloudwatch-logs", lambda **_: None)
    assert lean.plan(logs, "DescribeLogGroups") is lean.UNPLANNED
    assert logs.describe_log_groups()["logGroups"] == []  # botocore's own path still answers


class _Raw:
    """The raw stream an AWSResponse reads its body from."""

    def __init__(self, body: bytes) -> None:
        self._body = body

    def stream(self, **_: Any) -> Any:
        yield self._body


def test_a_request_carrying_a_signing_header_is_signed_by_botocore(
    moto_endpoint: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    sent: list[Any] = []
    fallbacks: list[str] = []
    botocore_signed = lean._botocore_signed

    def spy(client: Any, plan: Any, request_dict: Any) -> Any:
        fallbacks.append(plan.operation.name)
        return botocore_signed(client, plan, request_dict)

    monkeypatch.setattr(lean, "_botocore_signed", spy)

    def hook(client: Any, service: str, region: str, account_id: str) -> None:
        def before_call(params: Any, **_: Any) -> None:
            params["headers"]["X-Amz-Date"] = "19990101T000000Z"  # replaced when signed

        client.meta.events.register("before-call", before_call)
        client.meta.events.register_first("before-send", lambda request, **_: sent.append(request))

    acct = _session(moto_endpoint, hook)
    logs = acct.client("logs", "us-east-1")
    assert isinstance(lean.plan(logs, "DescribeLogGroups"), lean.Plan)
    assert logs.describe_log_groups()["logGroups"] == []
    assert fallbacks == ["DescribeLogGroups"]
    (request,) = sent
    dates = [v for k, v in request.headers.items() if k.lower() == "x-amz-date"]
    assert len(dates) == 1 and dates[0] != b"19990101T000000Z"
    assert b"SignedHeaders=" in request.headers["Authorization"]
