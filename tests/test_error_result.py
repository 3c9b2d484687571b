"""The "could not evaluate" result exists once (scanner.core.view.error_result): it names every
failed call, keeps the check's evidence, and no other code builds an ERROR result or finding."""

from __future__ import annotations

import ast
from pathlib import Path

from scanner.core.model import NOT_COLLECTED, CollectionError, Resource, Status
from scanner.core.view import EVIDENCE_CALLS, REASON_CALLS, error_result

ROOT = Path(__file__).resolve().parents[1]
RESOURCE = Resource(type="AwsAccount", id="AWS::::Account:111111111111")


def _error(n: int) -> CollectionError:
    return CollectionError(
        operation=f"Describe{n}", iam_action=f"svc:Describe{n}", code="AccessDenied", message="no"
    )


def test_names_each_failed_call_once_and_keeps_the_evidence() -> None:
    denied, throttled = _error(1), _error(2).model_copy(update={"code": "Throttling"})
    result = error_result(RESOURCE, [denied, throttled, denied], {"api": "svc:Describe"})
    assert result.status is Status.ERROR
    assert result.resource == RESOURCE
    assert result.errors == (denied, throttled)
    assert "Describe1" in result.reason and "Describe2" in result.reason
    assert result.evidence["api"] == "svc:Describe"
    assert result.evidence["failed_calls"] == [denied.model_dump(), throttled.model_dump()]


def test_many_failed_calls_are_all_carried_and_the_reason_and_evidence_bounded() -> None:
    errors = [_error(n) for n in range(EVIDENCE_CALLS + 10)]
    result = error_result(RESOURCE, errors, lead="Could not tell")
    assert result.errors == tuple(errors)
    assert len(result.evidence["failed_calls"]) == EVIDENCE_CALLS
    named = [e.operation for e in errors if f"{e.operation} (" in result.reason]
    assert named == [e.operation for e in errors[:REASON_CALLS]]
    assert result.reason.startswith("Could not tell")


def test_not_collected_names_the_call_that_would_have_read_the_data() -> None:
    error = CollectionError.not_collected(
        "no tags", operation="ListTags", iam_action="cloudtrail:ListTags", region="eu-west-1"
    )
    assert (error.code, error.operation, error.iam_action, error.region) == (
        NOT_COLLECTED,
        "ListTags",
        "cloudtrail:ListTags",
        "eu-west-1",
    )
    unknown = CollectionError.not_collected("not collected")
    assert (unknown.operation, unknown.iam_action) == ("-", "-")


def _sources() -> list[Path]:
    return sorted([*(ROOT / "scanner").rglob("*.py"), *(ROOT / "checks").rglob("*.py")])


def _is_error_status(node: ast.expr) -> bool:
    return isinstance(node, ast.Attribute) and node.attr == "ERROR"


def _is_not_collected(node: ast.expr) -> bool:
    return isinstance(node, ast.Constant) and node.value == NOT_COLLECTED


def test_no_other_code_builds_an_error_result_or_finding() -> None:
    """Result(status=Status.ERROR, ...) or Finding(status=Status.ERROR, ...) outside
    error_result, or a hand-written NOT_COLLECTED code, would be a second version of it."""
    found: list[str] = []
    inside = 0
    for path in _sources():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        spans = [
            range(n.lineno, (n.end_lineno or n.lineno) + 1)
            for n in ast.walk(tree)
            if isinstance(n, ast.FunctionDef) and n.name in ("error_result", "not_collected")
        ]
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            if any(
                (kw.arg == "status" and _is_error_status(kw.value))
                or (kw.arg == "code" and _is_not_collected(kw.value))
                for kw in node.keywords
            ):
                if any(node.lineno in span for span in spans):
                    inside += 1
                else:
                    found.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert found == []
    assert inside == 1  # error_result itself
