"""Field-level error provenance: a field whose call failed cannot be read, by any check."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from pydantic import ValidationError

from scanner.core.check import Check
from scanner.core.dataset import Dataset, Scope
from scanner.core.datasets.kms import KmsKey
from scanner.core.datasets.s3 import BucketPolicy, BucketVersioning
from scanner.core.model import (
    CollectionError,
    DataUnavailable,
    FieldUnavailable,
    Resource,
    Result,
    Severity,
    Status,
    peek,
)
from scanner.core.view import View
from tests.builders import MGMT, InventoryBuilder, run

DENIED = CollectionError(
    operation="GetBucketPolicyStatus",
    iam_action="s3:GetBucketPolicyStatus",
    code="AccessDenied",
    message="denied",
    region="us-east-1",
)


def test_reading_a_failed_field_raises_and_names_the_call() -> None:
    bp = BucketPolicy(policy="{}", errors={"is_public": DENIED})
    assert bp.policy == "{}"  # fed by another call: readable
    with pytest.raises(FieldUnavailable) as info:
        _ = bp.is_public
    assert isinstance(info.value, DataUnavailable)
    assert info.value.errors == (DENIED,)
    assert info.value.field == "is_public"
    assert peek(bp, "is_public", "n/a") == "n/a"
    assert peek(bp, "policy") == "{}"


def test_failed_fields_survive_a_save_and_load() -> None:
    bp = BucketPolicy(policy="{}", errors={"is_public": DENIED})
    again = BucketPolicy.model_validate_json(bp.model_dump_json())
    assert again == bp
    with pytest.raises(FieldUnavailable):
        _ = again.is_public


def test_a_copy_that_records_a_failure_is_guarded_too() -> None:
    key = KmsKey(key_id="k", arn="arn:aws:kms:us-east-1:111111111111:key/k", key_state="Enabled")
    assert key.key_state == "Enabled"
    failed = key.model_copy(update={"errors": KmsKey.failed(DENIED, "rotation_enabled")})
    assert failed.key_state == "Enabled"
    with pytest.raises(FieldUnavailable):
        _ = failed.rotation_enabled
    assert isinstance(failed, KmsKey)


def test_errors_must_name_fields() -> None:
    with pytest.raises(ValidationError):
        BucketPolicy(errors={"no_such_field": DENIED})
    with pytest.raises(ValidationError):
        BucketPolicy(errors={"errors": DENIED})


def test_call_named_keys_of_older_inventories_become_fields() -> None:
    ver = BucketVersioning.model_validate({"errors": {"object_lock": DENIED.model_dump()}})
    assert set(ver.errors) == {"object_lock_enabled"}
    assert ver.status is None  # versioning itself was read
    old_key = KmsKey.model_validate(
        {"key_id": "k", "arn": "arn:aws:kms:us-east-1:1:key/k", "rotation_error": DENIED}
    )
    assert set(old_key.errors) == {"rotation_enabled", "rotation_period_in_days"}
    assert old_key.key_id == "k"
    with pytest.raises(FieldUnavailable):
        _ = old_key.rotation_enabled


PAIRS: Dataset[list[BucketPolicy]] = Dataset("test.pairs", Scope.ACCOUNT, list[BucketPolicy])


def _careless(view: View) -> Iterator[Result]:
    """A check that forgets the error provenance entirely."""
    pairs: list[BucketPolicy] = view.get(PAIRS)
    for i, bp in enumerate(pairs):
        public = bool(bp.is_public)
        yield Result(
            status=Status.FAIL if public else Status.PASS,
            resource=Resource(type="AwsS3Bucket", id=f"b{i}"),
            reason="-",
        )


def _per_resource(view: View) -> Iterator[Result]:
    """The same check, with each resource judged inside View.judge."""
    pairs: list[BucketPolicy] = view.get(PAIRS)
    for i, bp in enumerate(pairs):
        resource = Resource(type="AwsS3Bucket", id=f"b{i}")

        def decide(bp: BucketPolicy = bp, resource: Resource = resource) -> Result:
            status = Status.FAIL if bp.is_public else Status.PASS
            return Result(status=status, resource=resource, reason="-")

        result = view.judge(resource, decide)
        assert result is not None
        yield result


def _check(evaluate: object) -> Check:
    return Check(
        id="test",
        title="t",
        severity=Severity.LOW,
        resource_type="AwsS3Bucket",
        scope=Scope.ACCOUNT,
        requires=(PAIRS,),
        evaluate=evaluate,  # type: ignore[arg-type]
    )


def _world() -> InventoryBuilder:
    b = InventoryBuilder()
    b.account(MGMT).put(
        PAIRS,
        [BucketPolicy(policy="{}", is_public=False), BucketPolicy(errors={"is_public": DENIED})],
    )
    return b


def test_the_engine_never_lets_a_check_verdict_on_a_failed_field() -> None:
    findings = run(_check(_careless), _world())
    assert [f.status for f in findings] == [Status.ERROR]  # the whole check, naming the call
    assert [e.operation for e in findings[0].errors] == ["GetBucketPolicyStatus"]


def test_view_judge_makes_only_the_affected_resource_error() -> None:
    findings = {f.resource.id: f for f in run(_check(_per_resource), _world())}
    assert findings["b0"].status is Status.PASS
    assert findings["b1"].status is Status.ERROR
    assert [e.code for e in findings["b1"].errors] == ["AccessDenied"]
