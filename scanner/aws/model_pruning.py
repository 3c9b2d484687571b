"""Service model documents pruned to some operations: the shapes they reach, their paginators.

A botocore service model describes every operation of its service (EC2: about 750, with their
documentation); a scan calls a few of each. A pruned model keeps, of the loaded document:

* the metadata, and the kept operations as they are (their documentation aside);
* every shape reachable from their input, output and errors (members, list members, map keys
  and values, transitively), and every error shape of the service with what it reaches: an
  error answer is parsed, and raised as the same exception class, as with the whole model;
* of the paginators, those of the kept operations.

Documentation strings are dropped everywhere: botocore reads them only to write docstrings.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

_DOCS = frozenset({"documentation", "documentationUrl"})


def _without_docs(node: Mapping[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in node.items() if k not in _DOCS}


def _shape(shape: Mapping[str, Any]) -> dict[str, Any]:
    """A shape without its documentation, nor its members'."""
    out = _without_docs(shape)
    members = out.get("members")
    if isinstance(members, Mapping):
        out["members"] = {name: _without_docs(ref) for name, ref in members.items()}
    for key in ("member", "key", "value"):
        ref = out.get(key)
        if isinstance(ref, Mapping):
            out[key] = _without_docs(ref)
    return out


def _referenced(shape: Mapping[str, Any]) -> Iterable[str]:
    """The names of the shapes a shape refers to directly."""
    members = shape.get("members")
    if isinstance(members, Mapping):
        yield from (ref["shape"] for ref in members.values())
    for key in ("member", "key", "value"):
        ref = shape.get(key)
        if isinstance(ref, Mapping):
            yield ref["shape"]


def _operation(operation: Mapping[str, Any]) -> dict[str, Any]:
    out = _without_docs(operation)
    for key in ("input", "output"):
        if isinstance(out.get(key), Mapping):
            out[key] = _without_docs(out[key])
    if "errors" in out:
        out["errors"] = [_without_docs(ref) for ref in out["errors"]]
    return out


def _roots(operation: Mapping[str, Any]) -> Iterable[str]:
    for key in ("input", "output"):
        ref = operation.get(key)
        if isinstance(ref, Mapping):
            yield ref["shape"]
    yield from (ref["shape"] for ref in operation.get("errors", ()))


def prune_service(document: Mapping[str, Any], operations: Iterable[str]) -> dict[str, Any]:
    """A `service-2` document with only `operations` (the ones it has) and what they need."""
    all_operations = document["operations"]
    all_shapes = document["shapes"]
    kept = {name: all_operations[name] for name in sorted(set(operations) & set(all_operations))}
    pending = [name for op in kept.values() for name in _roots(op)]
    pending += [name for name, shape in all_shapes.items() if shape.get("exception")]
    reached: set[str] = set()
    while pending:
        name = pending.pop()
        if name not in reached:
            reached.add(name)
            pending.extend(_referenced(all_shapes[name]))
    out = _without_docs(document)
    out["operations"] = {name: _operation(op) for name, op in kept.items()}
    out["shapes"] = {name: _shape(all_shapes[name]) for name in sorted(reached)}
    return out


def prune_paginators(document: Mapping[str, Any], operations: Iterable[str]) -> dict[str, Any]:
    """A `paginators-1` document with the paginators of `operations` only."""
    wanted = set(operations)
    pages = document.get("pagination", {})
    out = dict(document)
    out["pagination"] = {name: config for name, config in pages.items() if name in wanted}
    return out
