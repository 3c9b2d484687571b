"""Every botocore operation the scanner's code names, found in its syntax tree.

A use is a method call named after an operation (`client.describe_trails(...)`), a paginator
(`get_paginator("list_accounts")`, `ctx.paginate("cloudtrail", "list_tags", ...)`), or a string
naming an operation's method (`getattr(client, "list_web_acls")`). Its service is known where
the client comes from `.client("<service>", ...)` in the same function (directly, or through a
name assigned from it); elsewhere any service with that operation may be meant.
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Use:
    """One operation named in the code."""

    where: str
    service: str | None
    method: str
    paginated: bool


def _client_service(node: ast.AST) -> str | None:
    """ "<service>" when `node` is `<anything>.client("<service>", ...)`."""
    if (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr == "client"
        and node.args
        and isinstance(node.args[0], ast.Constant)
        and isinstance(node.args[0].value, str)
    ):
        return node.args[0].value
    return None


def _strings(args: list[ast.expr]) -> list[str]:
    return [a.value for a in args if isinstance(a, ast.Constant) and isinstance(a.value, str)]


def _scope_uses(scope: ast.AST, where: str, methods: frozenset[str]) -> Iterator[Use]:
    clients: dict[str, str] = {}
    for node in ast.walk(scope):
        if isinstance(node, ast.Assign) and len(node.targets) == 1:
            target, service = node.targets[0], _client_service(node.value)
            if isinstance(target, ast.Name) and service is not None:
                clients[target.id] = service
    consumed: set[int] = set()
    for node in ast.walk(scope):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
            continue
        receiver, attr = node.func.value, node.func.attr
        service = _client_service(receiver)
        if service is None and isinstance(receiver, ast.Name):
            service = clients.get(receiver.id)
        line = f"{where}:{node.lineno}"
        strings = _strings(node.args)
        if attr == "get_paginator" and strings:
            consumed.update(id(a) for a in node.args)
            yield Use(line, service, strings[0], True)
        elif attr == "paginate" and len(strings) >= 2 and strings[1] in methods:
            consumed.update(id(a) for a in node.args)
            yield Use(line, strings[0], strings[1], True)
        elif attr in methods:
            yield Use(line, service, attr, False)
    for node in ast.walk(scope):
        if isinstance(node, ast.Constant) and node.value in methods and id(node) not in consumed:
            yield Use(f"{where}:{node.lineno}", None, str(node.value), False)


def uses_in(source: str, where: str, methods: frozenset[str]) -> set[Use]:
    """The operations `source` names, of those whose method names are `methods`."""
    tree = ast.parse(source)
    functions = [
        n for n in ast.walk(tree) if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))
    ]
    found: set[Use] = set()
    for scope in functions:
        found.update(_scope_uses(scope, where, methods))
    # a use at module level (outside every function) is found without a known client
    found.update(_scope_uses(tree, where, methods))
    known = {(u.where, u.method, u.paginated) for u in found if u.service is not None}
    return {
        u for u in found if u.service is not None or (u.where, u.method, u.paginated) not in known
    }


def uses_under(root: Path, methods: frozenset[str], skip: tuple[str, ...] = ()) -> set[Use]:
    """Every use in the .py files under `root` (paths starting with `skip` left out)."""
    found: set[Use] = set()
    for path in sorted(root.rglob("*.py")):
        relative = path.relative_to(root.parent).as_posix()
        if not relative.startswith(skip):
            found.update(uses_in(path.read_text(), relative, methods))
    return found


def unkept(
    uses: set[Use],
    whole: Mapping[str, Mapping[str, str]],
    kept: Mapping[str, frozenset[str]],
    paginators: Mapping[str, frozenset[str]],
    is_read: Callable[[str, str], bool],
) -> list[str]:
    """The uses no pruned model can serve: a read operation its service's model leaves out, or a
    paginator it does not keep. `whole`: service -> method name -> operation, of the whole
    models; `kept`: the pruned services' operations (any other service is loaded whole);
    `paginators`: the pruned services' paginated operations; `is_read(service, operation)`."""
    problems: list[str] = []
    for use in sorted(uses, key=lambda u: (u.where, u.method)):
        services = [use.service] if use.service is not None else sorted(whole)
        candidates = [s for s in services if use.method in whole.get(s, {})]
        served = False
        for service in candidates:
            operation = whole[service][use.method]
            if service not in kept:
                served = True  # loaded whole
            elif use.paginated:
                served = served or operation in paginators.get(service, frozenset())
            else:
                writes = not is_read(service, operation)  # kept as the session allows it
                served = served or writes or operation in kept[service]
        if not served:
            problems.append(f"{use.where}: {use.service or '?'}.{use.method}")
    return problems
