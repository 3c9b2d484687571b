"""Equal values shared between findings: same value, same types at every level, one object."""

from __future__ import annotations

from collections.abc import Iterator
from enum import StrEnum

import pytest

from scanner.core import interning
from scanner.core.check import Check
from scanner.core.dataset import Scope
from scanner.core.evaluate import evaluate
from scanner.core.interning import Interner
from scanner.core.model import Resource, Result, Severity, Status
from scanner.core.view import View
from tests.builders import MEMBER, MGMT, InventoryBuilder


class Colour(StrEnum):
    RED = "red"


def _evidence() -> dict[str, object]:
    return {
        "trail": {"arn": "arn:aws:cloudtrail:us-east-1:1:trail/t", "logging": True},
        "regions": ["us-east-1", "eu-west-1"],
        "pair": ("a", 1),
        "count": 1000,
        "colour": Colour.RED,
        "ratio": 0.5,
        "none": None,
    }


def test_equal_values_become_one_object_of_the_same_value_and_types() -> None:
    shared = Interner()
    first, second = shared.value(_evidence()), shared.value(_evidence())
    assert first == _evidence() and second == _evidence()
    assert first is second
    assert list(first) == list(_evidence())  # key order kept
    assert type(first["regions"]) is list and type(first["pair"]) is tuple
    assert type(first["colour"]) is Colour  # an enum is never made a plain string


def test_values_that_differ_in_type_or_order_are_not_merged() -> None:
    shared = Interner()
    as_list, as_tuple = shared.value(["a", "b"]), shared.value(("a", "b"))
    assert type(as_list) is list and type(as_tuple) is tuple
    ab, ba = shared.value({"a": 1, "b": 2}), shared.value({"b": 2, "a": 1})
    assert list(ab) == ["a", "b"] and list(ba) == ["b", "a"]
    assert shared.value([1]) is not shared.value([True])
    assert shared.value(["red"]) is not shared.value([Colour.RED])
    assert type(shared.value([Colour.RED])[0]) is Colour


def test_the_original_value_is_never_handed_out_nor_changed() -> None:
    shared = Interner()
    original = {"names": ["x"]}
    out = shared.value(original)
    assert out is not original and out["names"] is not original["names"]
    original["names"].append("y")  # a check changing its own value later changes no finding
    assert shared.value({"names": ["x"]}) == {"names": ["x"]}


def test_resources_are_shared_only_when_every_field_and_the_given_fields_match() -> None:
    shared = Interner()
    a = Resource(type="AwsS3Bucket", id="arn:aws:s3:::b", region="us-east-1")
    assert shared.resource(a) is shared.resource(a.model_copy())
    implicit = Resource(type="AwsAccount", id="x")
    explicit = Resource(type="AwsAccount", id="x", region=None)
    assert shared.resource(implicit) is not shared.resource(explicit)
    pair = shared.resources((a, a))
    assert pair == (a, a) and shared.resources((a, a)) is pair


def _check() -> Check:
    def run(view: View) -> Iterator[Result]:
        yield Result(
            status=Status.FAIL,
            resource=Resource(type="AwsCloudTrailTrail", id="arn:trail"),
            related_resources=(Resource(type="AwsS3Bucket", id="arn:aws:s3:::logs"),),
            reason="stopped",
            evidence=_evidence(),
        )

    return Check(
        id="test_shared",
        title="t",
        severity=Severity.LOW,
        resource_type="AwsCloudTrailTrail",
        scope=Scope.REGION,
        requires=(),
        evaluate=run,
    )


def test_findings_of_an_evaluation_share_their_equal_values() -> None:
    b = InventoryBuilder(regions=("us-east-1", "eu-west-1"))
    b.account(MGMT)
    b.account(MEMBER)
    findings = list(evaluate(b.build(), [_check()]))
    assert len(findings) == 4
    first, *rest = findings
    for f in rest:
        assert f.evidence["trail"] is first.evidence["trail"]
        assert f.related_resources[0] is first.related_resources[0]
        assert f.evidence == {**_evidence(), "collected_at": first.evidence["collected_at"]}
    assert all(f.status is Status.FAIL for f in findings)
    assert len({f.id for f in findings}) == 4


def test_a_digest_collision_never_shares_unequal_values(monkeypatch: pytest.MonkeyPatch) -> None:
    class Same:
        def __init__(self, *_: object, **__: object) -> None:
            pass

        def digest(self) -> bytes:
            return b"same"  # every value gets one digest

    monkeypatch.setattr(interning, "blake2b", Same)
    shared = Interner()
    values: list[object] = [[1], [True], ["1"], [1.0], {"a": 1}, {"a": True}, [[1]], [1]]
    out = [shared.value(v) for v in values]
    for value, got in zip(values, out, strict=True):
        assert got == value and type(got) is type(value)
        assert [type(x) for x in got] == [type(x) for x in value]  # type: ignore[attr-defined]
    assert type(out[1][0]) is bool and type(out[0][0]) is int


def test_evidence_parts_are_shared_but_the_evidence_itself_is_not_remembered() -> None:
    shared = Interner()
    first = shared.parts_of({"id": 1, "trail": {"name": "t"}})
    second = shared.parts_of({"id": 2, "trail": {"name": "t"}})
    assert first["trail"] is second["trail"]
    assert shared.parts_of({"id": 1, "trail": {"name": "t"}}) == first
