"""S3.5: the bucket policy denies plain-HTTP requests."""

from __future__ import annotations

from typing import Any

from checks.s3_bucket_ssl_requests_only import CHECK
from scanner.core.model import Status
from tests.builders import MGMT, run
from tests.checks.test_s3_lib import EU, Spec, arn, doc, put_s3, world


def tls_deny(name: str, **fields: Any) -> dict[str, Any]:
    s: dict[str, Any] = {
        "Effect": "Deny",
        "Principal": "*",
        "Action": "s3:*",
        "Resource": [arn(name), f"{arn(name)}/*"],
        "Condition": {"Bool": {"aws:SecureTransport": "false"}},
    }
    s.update(fields)
    return s


def finding(spec: Spec) -> Any:
    b = world()
    put_s3(b.account(MGMT), spec)
    (f,) = [f for f in run(CHECK, b) if f.resource.id == arn(spec.name)]
    return f


def test_tls_only_policy_passes() -> None:
    f = finding(Spec("b", policy=doc(tls_deny("b"))))
    assert f.status is Status.PASS
    assert f.evidence["statements"][0]["Effect"] == "Deny"


def test_tls_only_policy_in_another_region_passes_there() -> None:
    f = finding(Spec("b", region=EU, policy=doc(tls_deny("b"))))
    assert (f.region, f.status) == (EU, Status.PASS)


def test_too_narrow_deny_fails() -> None:
    narrow = tls_deny("b", Action="s3:GetObject", Resource=f"{arn('b')}/*")
    f = finding(Spec("b", policy=doc(narrow)))
    assert f.status is Status.FAIL
    objects_only = tls_deny("b", Resource=f"{arn('b')}/*")
    assert finding(Spec("b", policy=doc(objects_only))).status is Status.FAIL


def test_no_policy_fails() -> None:
    assert finding(Spec("b")).status is Status.FAIL


def test_unreadable_or_malformed_policy_is_an_error() -> None:
    assert finding(Spec("b", failed=("policy",))).status is Status.ERROR
    malformed = finding(Spec("b", policy='{"Statement": [{"Effect": "Deny"'))
    assert malformed.status is Status.ERROR
    assert malformed.errors[0].code == "MalformedPolicy"


def test_policy_status_failure_does_not_matter() -> None:
    assert finding(Spec("b", policy=doc(tls_deny("b")), failed=("policy_status",))).status is (
        Status.PASS
    )
