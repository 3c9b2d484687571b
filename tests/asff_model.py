"""ASFF checks that botocore's ParamValidator leaves out (enums, non-blank strings, maxima)."""

from __future__ import annotations

from typing import Any

import botocore.session


def batch_import_shape() -> Any:
    """The input shape of securityhub.BatchImportFindings."""
    model = botocore.session.get_session().get_service_model("securityhub")
    return model.operation_model("BatchImportFindings").input_shape


def model_problems(value: Any, shape: Any, path: str = "") -> list[str]:
    """Every enum, `.*\\S.*` pattern, string length and list length the model violates."""
    problems: list[str] = []
    _walk(value, shape, path, problems)
    return problems


def _walk(value: Any, shape: Any, path: str, problems: list[str]) -> None:
    meta = shape.metadata
    if shape.type_name == "string":
        if "enum" in meta and value not in meta["enum"]:
            problems.append(f"{path}: {value!r} not in enum")
        if meta.get("pattern") == ".*\\S.*" and not value.strip():
            problems.append(f"{path}: blank")
        if "max" in meta and len(value) > meta["max"]:
            problems.append(f"{path}: longer than {meta['max']}")
    elif shape.type_name == "structure":
        for key, item in value.items():
            _walk(item, shape.members[key], f"{path}.{key}", problems)
    elif shape.type_name == "list":
        if "max" in meta and len(value) > meta["max"]:
            problems.append(f"{path}: more than {meta['max']} items")
        for i, item in enumerate(value):
            _walk(item, shape.member, f"{path}[{i}]", problems)
    elif shape.type_name == "map":
        for key, item in value.items():
            _walk(key, shape.key, f"{path} key", problems)
            _walk(item, shape.value, f"{path}[{key}]", problems)
