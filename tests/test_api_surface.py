"""The pruned service models serve every operation the code names, keep them exactly as the whole
models describe them, and leave clients no write but the ones a session allows."""

from __future__ import annotations

import functools
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import botocore.session
import pytest
from botocore import xform_name
from botocore.model import ServiceModel

from scanner.aws.iam import botocore_services, is_read_only, operations_of
from scanner.aws.model_loader import PrunedLoader
from scanner.aws.model_pruning import prune_paginators, prune_service
from scanner.aws.permissions import DISCOVERY_ACTIONS
from scanner.aws.refusals import MutatingCallBlocked, OperationNotKept
from scanner.aws.registry import all_collectors
from scanner.aws.session import ClientSettings, Sessions
from scanner.aws.surface import OTHER_READS, WHOLE, kept_operations, read_operations
from scanner.publish.s3 import UPLOAD_WRITE
from scanner.publish.securityhub import IMPORT_WRITE
from tests.api_calls import Use, unkept, uses_in, uses_under

ROOT = Path(__file__).resolve().parents[1]
_LOADER = botocore.session.Session().get_component("data_loader")


@functools.cache
def _whole(service: str) -> Any:
    return _LOADER.load_service_model(service, "service-2")


def _methods(service: str) -> dict[str, str]:
    return {xform_name(op): op for op in _whole(service)["operations"]}


@functools.cache
def _tables() -> tuple[dict[str, dict[str, str]], Mapping[str, frozenset[str]], dict[str, Any]]:
    kept = read_operations()
    whole = {s: _methods(s) for s in sorted({*kept, *WHOLE})}
    loader = PrunedLoader(_LOADER, kept)
    paginators = {
        s: frozenset(loader.load_service_model(s, "paginators-1")["pagination"])
        for s in kept
        if s in _LOADER.list_available_services("paginators-1")
    }
    return whole, kept, paginators


def _problems(uses: set[Use]) -> list[str]:
    whole, kept, paginators = _tables()
    return unkept(uses, whole, kept, paginators, is_read_only)


def _all_methods() -> frozenset[str]:
    return frozenset(m for methods in _tables()[0].values() for m in methods)


def test_every_operation_the_code_names_is_kept() -> None:
    uses = uses_under(ROOT / "scanner", _all_methods(), skip=("scanner/demo/",))
    assert _problems(uses) == []
    named = {(u.service, u.method, u.paginated) for u in uses}
    # the survey sees each way the code names an operation
    assert ("cloudtrail", "describe_trails", False) in named
    assert ("cloudtrail", "list_tags", True) in named  # ctx.paginate
    assert (None, "list_accounts", True) in named  # get_paginator on a client passed in
    assert (None, "list_web_acls", False) in named  # a method name in a string (getattr)
    assert (None, "batch_import_findings", False) in named
    assert ("secretsmanager", "get_secret_value", False) in named


def test_the_survey_fails_on_a_call_left_out() -> None:
    source = """
def fetch(ctx):
    ec2 = ctx.client("ec2")
    ec2.describe_vpcs()
    ec2.describe_instances()
    ctx.client("rds").describe_db_snapshots()
    ctx.paginate("ec2", "describe_vpcs", "Vpcs")
    ctx.paginate("kms", "list_keys", "Keys")
    ctx.paginate("ec2", "describe_flow_logs", "FlowLogs")
    ctx.client("kms").create_key()  # a write: kept only where a session allows it
    unknown.get_bucket_acl()
    unknown.describe_db_snapshots()
    getattr(unknown, "list_users")  # MQ's ListUsers, not kept
    getattr(unknown, "list_nothing_at_all")
"""
    problems = _problems(uses_in(source, "x.py", _all_methods()))
    assert sorted(p.split(": ", 1)[1] for p in problems) == [
        "?.describe_db_snapshots",
        "?.list_users",
        "ec2.describe_instances",
        "rds.describe_db_snapshots",
    ]


def test_every_declared_call_names_an_operation_of_its_service() -> None:
    actions = set(DISCOVERY_ACTIONS)
    for collector in all_collectors():
        actions.update(collector.iam_actions)
    for action in sorted(actions):
        found = [
            op
            for service in botocore_services(action)
            for op in operations_of(service, action)
            if op in _whole(service)["operations"]
        ]
        assert found, action
    for service, operation in OTHER_READS:
        assert operation in _whole(service)["operations"], (service, operation)
        assert is_read_only(service, operation)


def test_kept_reads_are_reads_and_writes_only_those_allowed() -> None:
    reads = read_operations()
    assert not set(reads) & WHOLE
    assert all(is_read_only(s, op) for s, ops in reads.items() for op in ops)
    kept = kept_operations({IMPORT_WRITE, ("sts", "AssumeRole")})
    assert kept["securityhub"] == reads["securityhub"] | {"BatchImportFindings"}
    assert "sts" not in kept


def _settings(**kwargs: Any) -> ClientSettings:
    return ClientSettings(endpoint_url="http://127.0.0.1:9", **kwargs)


def _client(sessions: Sessions, service: str) -> Any:
    return sessions._base.create_client(
        service, region_name="us-east-1", aws_access_key_id="AKIA", aws_secret_access_key="s"
    )


def test_a_scans_clients_have_no_write_operation() -> None:
    sessions = Sessions(None, _settings())
    for service in read_operations():
        operations = _client(sessions, service).meta.service_model.operation_names
        assert operations, service
        assert all(is_read_only(service, op) for op in operations), service
    s3, ec2 = _client(sessions, "s3"), _client(sessions, "ec2")
    with pytest.raises(MutatingCallBlocked):
        s3.put_object(Bucket="b", Key="k", Body=b"")
    with pytest.raises(OperationNotKept) as refused:
        ec2.describe_instances()
    assert (refused.value.service, refused.value.operation) == ("ec2", "DescribeInstances")
    with pytest.raises(AttributeError):
        ec2.not_an_operation()
    assert not hasattr(s3, "delete_bucket")
    sts = _client(sessions, "sts")  # loaded whole: botocore's credential providers call it
    assert "AssumeRoleWithWebIdentity" in sts.meta.service_model.operation_names


def test_a_session_allowed_a_write_has_that_one() -> None:
    sessions = Sessions(None, _settings(allow_writes=frozenset({UPLOAD_WRITE})))
    operations = set(_client(sessions, "s3").meta.service_model.operation_names)
    assert "PutObject" in operations
    assert {op for op in operations if not is_read_only("s3", op)} == {"PutObject"}
    whole = Sessions(None, _settings(whole_models=True))
    assert "DeleteBucket" in _client(whole, "s3").meta.service_model.operation_names


def _no_docs(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _no_docs(v) for k, v in value.items() if k not in _DOCS}
    if isinstance(value, list):
        return [_no_docs(v) for v in value]
    return value


_DOCS = ("documentation", "documentationUrl")


def _described(shape: Any, seen: frozenset[str] = frozenset()) -> Any:
    """Everything botocore reads of a shape, its members' included (recursion cut by name)."""
    if shape is None:
        return None
    if shape.name in seen:
        return ("recursive", shape.name)
    seen = seen | {shape.name}
    refs = ("members", "member", "key", "value")
    own = {k: v for k, v in shape._shape_model.items() if k not in _DOCS and k not in refs}
    parts: dict[str, Any] = {"name": shape.name, "model": own, "ser": shape.serialization}
    if shape.type_name == "structure":
        parts["members"] = {n: _described(m, seen) for n, m in shape.members.items()}
    elif shape.type_name == "list":
        parts["member"] = _described(shape.member, seen)
    elif shape.type_name == "map":
        parts["kv"] = (_described(shape.key, seen), _described(shape.value, seen))
    return parts


@pytest.mark.parametrize("service", sorted(read_operations()))
def test_a_pruned_model_describes_its_operations_as_the_whole_one(service: str) -> None:
    document = _whole(service)
    kept = read_operations()[service]
    whole = ServiceModel(document, service)
    pruned = ServiceModel(prune_service(document, kept), service)
    assert set(pruned.operation_names) == kept & set(document["operations"])
    assert pruned.metadata == whole.metadata
    for name in pruned.operation_names:
        a, b = whole.operation_model(name), pruned.operation_model(name)
        assert _described(a.input_shape) == _described(b.input_shape), name
        assert _described(a.output_shape) == _described(b.output_shape), name
        assert [_described(e) for e in a.error_shapes] == [_described(e) for e in b.error_shapes]
        assert _no_docs(a._operation_model) == _no_docs(b._operation_model), name
    # every error class, as the whole model's
    assert [_described(e) for e in pruned.error_shapes] == [
        _described(e) for e in whole.error_shapes
    ]
    assert len(pruned.shape_names) < len(whole.shape_names) or len(kept) > 10


def test_pruning_keeps_what_the_operations_reach_and_drops_documentation() -> None:
    document = {
        "metadata": {"protocol": "json"},
        "documentation": "the service",
        "operations": {
            "Get": {
                "name": "Get",
                "input": {"shape": "In", "documentation": "x"},
                "output": {"shape": "Out"},
                "errors": [{"shape": "Boom"}],
                "documentation": "get",
            },
            "Put": {"name": "Put", "input": {"shape": "PutIn"}},
        },
        "shapes": {
            "In": {"type": "structure", "members": {"Ids": {"shape": "Ids", "documentation": "d"}}},
            "Ids": {"type": "list", "member": {"shape": "Id"}},
            "Id": {"type": "string", "documentation": "an id"},
            "Out": {"type": "map", "key": {"shape": "Id"}, "value": {"shape": "Deep"}},
            "Deep": {"type": "structure", "members": {"Next": {"shape": "Deep"}}},
            "Boom": {"type": "structure", "members": {}, "exception": True},
            "Other": {
                "type": "structure",
                "members": {"M": {"shape": "OtherMsg"}},
                "exception": True,
            },
            "OtherMsg": {"type": "string"},
            "PutIn": {"type": "structure", "members": {"Body": {"shape": "Blob"}}},
            "Blob": {"type": "blob"},
        },
    }
    pruned = prune_service(document, ["Get", "Missing"])
    assert list(pruned["operations"]) == ["Get"]
    assert set(pruned["shapes"]) == {"In", "Ids", "Id", "Out", "Deep", "Boom", "Other", "OtherMsg"}
    assert "documentation" not in str(pruned)
    assert pruned["metadata"] == document["metadata"]
    pages = prune_paginators({"pagination": {"Get": {"a": 1}, "Put": {"b": 2}}}, ["Get"])
    assert pages == {"pagination": {"Get": {"a": 1}}}


def test_the_loader_keeps_only_the_pruned_document() -> None:
    loader = botocore.session.Session().get_component("data_loader")
    pruned = PrunedLoader(loader, {"ec2": frozenset({"DescribeVpcs"})})
    document = pruned.load_service_model("ec2", "service-2")
    assert list(document["operations"]) == ["DescribeVpcs"]
    assert pruned.load_service_model("ec2", "service-2", document["metadata"]["apiVersion"]) is (
        document
    )
    assert not any(key[0] in ("load_service_model", "load_data") for key in loader._cache)
    whole = pruned.load_service_model("sts", "service-2")  # not in its table: botocore's own
    assert whole is loader.load_service_model("sts", "service-2")
