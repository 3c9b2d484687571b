"""scanner.aws.sigv4 signs exactly as botocore's SigV4Auth: same Authorization, byte for byte."""

from __future__ import annotations

import datetime

import pytest
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from scanner.aws import sigv4

WHEN = "20261203T101112Z"
CASES = [
    ("POST", "https://logs.us-east-1.amazonaws.com/", {"X-Amz-Target": "Logs_20140328.X"}, b"{}"),
    ("GET", "https://apigateway.eu-west-1.amazonaws.com/apis?limit=5&position=a%2Fb", {}, None),
    ("GET", "https://route53.amazonaws.com/2013-04-01/hostedzone/Z1%20X/x?b=2&a=1&a=0", {}, None),
    ("POST", "https://ec2.us-east-1.amazonaws.com/", {}, "Action=DescribeVpcs&Version=2016"),
    ("GET", "http://127.0.0.1:5000/v1/functions?x=%C3%A9", {"Accept": "application/json"}, b""),
    ("GET", "https://example.com:443/a/./b/../c//d", {"X-Custom": "  two   spaces  "}, None),
    ("POST", "http://[::1]:8080/", {"Content-Type": "application/x-amz-json-1.1"}, b"\x00\xff"),
    ("GET", "https://eks.us-east-1.amazonaws.com/clusters/%E2%9C%93", {"User-Agent": "ua/1"}, None),
]


@pytest.mark.parametrize("token", ["session-token", None])
@pytest.mark.parametrize(("method", "url", "headers", "body"), CASES)
def test_same_signature_as_botocore(
    method: str,
    url: str,
    headers: dict[str, str],
    body: bytes | str | None,
    token: str | None,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    stamp = datetime.datetime.strptime(WHEN, sigv4.TIMESTAMP_FORMAT)
    monkeypatch.setattr("botocore.auth.get_current_datetime", lambda: stamp)
    creds = Credentials("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", token)
    theirs = AWSRequest(method=method, url=url, headers=dict(headers), data=body)
    SigV4Auth(creds, "logs", "eu-west-1").add_auth(theirs)

    ours = dict(headers)
    payload = body.encode() if isinstance(body, str) else body
    sigv4.sign(
        method, url, ours, payload, (creds.access_key, creds.secret_key, token), "eu-west-1",
        "logs", WHEN,
    )  # fmt: skip

    assert ours["Authorization"] == theirs.headers["Authorization"]
    assert ours["X-Amz-Date"] == theirs.headers["X-Amz-Date"]
    assert ours.get("X-Amz-Security-Token") == theirs.headers.get("X-Amz-Security-Token")


def test_signing_key_is_derived_once_per_scope() -> None:
    first = sigv4.signing_key("secret", "20261203", "us-east-1", "logs")
    assert sigv4.signing_key("secret", "20261203", "us-east-1", "logs") is first
    assert sigv4.signing_key("secret", "20261204", "us-east-1", "logs") != first
    assert sigv4.signing_key("other", "20261203", "us-east-1", "logs") != first
