"""The botocore internals scanner.aws.cheap_clients replaces: still shaped as it expects, replaced
by equivalents, and never shared where an account's own state lives (credentials, signer, retry
and rate-limit state, event handlers)."""

from __future__ import annotations

import contextlib
import copy
import functools
import itertools
import random
import re
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import botocore
import botocore.hooks
import botocore.regions
import botocore.session
import pytest
from botocore.client import BaseClient, ClientCreator
from botocore.endpoint import EndpointCreator
from botocore.hooks import BaseEventHooks, EventAliaser, _PrefixTrie

from scanner.aws import cheap_clients
from scanner.aws.session import AccountSession, CallLog, ClientSettings, Sessions

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(autouse=True)
def _installed() -> None:
    cheap_clients.install()


_LOADER = botocore.session.Session().get_component("data_loader")


def _account(account_id: str, **settings: Any) -> AccountSession:
    """An account's session as Sessions.assume makes it: its own credentials, the scan's loader."""
    session = botocore.session.Session()
    session.register_component("data_loader", _LOADER)
    session.set_credentials(f"AKIA{account_id}", "secret")
    settings.setdefault("endpoint_url", "http://127.0.0.1:9")
    return AccountSession(account_id, session, ClientSettings(**settings), CallLog())


def test_botocore_is_the_pinned_version() -> None:
    """The replacements are proven against this botocore only (deploy/requirements.lock)."""
    lock = (ROOT / "deploy" / "requirements.lock").read_text(encoding="utf-8")
    pinned = re.search(r"^botocore==(\S+)", lock, re.MULTILINE)
    assert pinned is not None
    assert botocore.__version__ == pinned.group(1)


def test_each_replaced_internal_is_where_and_as_botocore_calls_it() -> None:
    # the names botocore looks up at call time, which the replacements rebind
    assert "accepts_kwargs" in BaseEventHooks._verify_accept_kwargs.__code__.co_names
    assert botocore.hooks.accepts_kwargs is cheap_clients.accepts_kwargs
    init = botocore.regions.EndpointRulesetResolver.__init__
    assert "EndpointProvider" in init.__code__.co_names
    assert botocore.regions.EndpointProvider is cheap_clients.shared_endpoint_provider
    original = EndpointCreator.create_endpoint.original
    assert "http_session_cls" in original.__code__.co_varnames
    assert "_get_proxies" in original.__code__.co_names
    assert ClientCreator._create_client_class.original is not None
    # the paginator class botocore makes per call, and what it builds each paginator from
    paginator_code = BaseClient.get_paginator.original.__code__
    assert "type" in paginator_code.co_names and "_PY_TO_OP_NAME" in paginator_code.co_names
    assert "ServiceModel" in ClientCreator._load_service_model.original.__code__.co_names
    assert "_load_service_model" in ClientCreator.create_client.__code__.co_names
    # the alias cache botocore reads on every register and emit
    assert "_alias_name_cache" in EventAliaser._alias_event_name.__code__.co_names
    # the handler trie: {"_root": node}, a node being exactly chunk, children and values
    emitter = botocore.session.Session().get_component("event_emitter")
    trie = emitter._emitter._handlers
    assert {"_root"} <= set(vars(trie)) <= {"_root", "_owner"}
    nodes = [trie._root]
    while nodes:
        node = nodes.pop()
        assert (
            {"chunk", "children", "values"} <= set(node) <= {"chunk", "children", "values", "owner"}
        )
        nodes.extend(node["children"].values())


def _handlers() -> list[Any]:
    """Every handler botocore registers on a session and on a client, and ours."""
    account = _account("111111111111")
    client = account.client("s3", "us-east-1")
    found: list[Any] = []
    for emitter in (client.meta.events, botocore.session.Session().get_component("event_emitter")):
        nodes = [emitter._emitter._handlers._root]
        while nodes:
            node = nodes.pop()
            if node["values"] is not None:
                found.extend([*node["values"].first, *node["values"].middle, *node["values"].last])
            nodes.extend(node["children"].values())
    return found


class _Callable:
    def __call__(self, **kwargs: Any) -> None:
        pass


def _plain(a: int, **kwargs: Any) -> None:
    pass


def _no_kwargs(a: int, b: int = 2) -> None:
    pass


def test_the_handler_check_agrees_with_botocores_own_on_every_kind_of_handler() -> None:
    original = cheap_clients._ORIGINAL_ACCEPTS_KWARGS
    with_signature = functools.wraps(_no_kwargs)(lambda **kw: None)
    candidates: list[Callable[..., Any]] = [
        _plain,
        _no_kwargs,
        lambda **kw: None,
        lambda a: None,
        functools.partial(_plain, 1),
        functools.partial(functools.partial(_no_kwargs, 1), b=3),
        _Callable(),
        _Callable().__call__,
        with_signature,
        print,
        *_handlers(),
    ]
    assert len(candidates) > 50
    for handler in candidates:
        assert cheap_clients.accepts_kwargs(handler) == bool(original(handler)), handler


def test_a_copied_handler_trie_behaves_as_botocores_deep_copy() -> None:
    """Random registrations and removals on a trie and its copies, then every lookup: the
    copy-on-write tries answer as tries deep-copied by botocore's own code."""
    rng = random.Random(7)
    keys = [
        ".".join(parts)
        for parts in itertools.product(("before-send", "after-call", "*"), ("s3", "ec2", "*"))
    ] + ["before-send", "after-call.s3.ListBuckets", "before-send.ec2.DescribeVpcs"]
    handlers = [functools.partial(_plain, n) for n in range(40)]
    botocore_append = _PrefixTrie.append_item.original
    botocore_remove = _PrefixTrie.remove_item.original

    def deep_copy(trie: Any) -> Any:
        new = _PrefixTrie.__new__(_PrefixTrie)
        plain = _strip(trie._root)
        new.__dict__ = _PrefixTrie._recursive_copy(trie, {"_root": plain})
        return new

    def mutate(ours: Any, theirs: Any) -> None:
        for _ in range(15):
            key, handler = rng.choice(keys), rng.choice(handlers)
            if rng.random() < 0.7:
                section = rng.choice((0, 1, 2))
                ours.append_item(key, handler, section)
                botocore_append(theirs, key, handler, section)
            else:
                with contextlib.suppress(ValueError):
                    ours.remove_item(key, handler)
                with contextlib.suppress(ValueError):
                    botocore_remove(theirs, key, handler)

    def lookups(trie: Any) -> list[list[Any]]:
        probes = [k.replace("*", "X") for k in keys] + keys + ["before-send.s3.GetObject"]
        return [list(trie.prefix_search(k)) for k in probes]

    ours, theirs = _PrefixTrie(), _PrefixTrie()
    mutate(ours, theirs)
    pairs = [(ours, theirs)]
    for _ in range(6):  # copies of copies, each changed after the copy, the source too
        source_ours, source_theirs = rng.choice(pairs)
        pair = (copy.copy(source_ours), deep_copy(source_theirs))
        pairs.append(pair)
        mutate(*pair)
        mutate(source_ours, source_theirs)
    for ours, theirs in pairs:
        assert lookups(ours) == lookups(theirs)
    assert sum(len(x) for x in lookups(pairs[-1][0])) > 10


def _strip(node: dict[str, Any]) -> dict[str, Any]:
    """A node without the copy-on-write owner mark (the three keys botocore knows)."""
    return {
        "chunk": node["chunk"],
        "children": {k: _strip(v) for k, v in node["children"].items()},
        "values": node["values"],
    }


def test_clients_share_http_pools_and_rule_sets_but_nothing_of_an_account() -> None:
    first, second = _account("111111111111"), _account("222222222222")
    a, b = first.client("cloudtrail", "us-east-1"), second.client("cloudtrail", "us-east-1")
    assert a._endpoint.http_session is b._endpoint.http_session
    assert a._ruleset_resolver._provider is b._ruleset_resolver._provider
    assert a._request_signer is not b._request_signer
    assert a._request_signer._credentials.access_key == "AKIA111111111111"
    assert b._request_signer._credentials.access_key == "AKIA222222222222"
    assert a.meta.events is not b.meta.events
    assert a.meta.events._emitter._handlers._root is not b.meta.events._emitter._handlers._root
    # a handler registered on one client is not seen by the other
    seen: list[str] = []
    a.meta.events.register("before-send.cloudtrail.*", lambda **kw: seen.append("a"))
    assert (
        b.meta.events._emitter._handlers.prefix_search("before-send.cloudtrail.X").count(
            seen.append
        )
        == 0
    )
    assert len(a.meta.events._emitter._handlers.prefix_search("before-send.cloudtrail.X")) == (
        len(b.meta.events._emitter._handlers.prefix_search("before-send.cloudtrail.X")) + 1
    )
    # another connection set-up, another pool
    slow = _account("333333333333", read_timeout=99.0).client("cloudtrail", "us-east-1")
    assert slow._endpoint.http_session is not a._endpoint.http_session


def test_clients_of_a_service_share_one_service_model_equal_to_botocores() -> None:
    from botocore.model import ServiceModel

    a = _account("111111111111").client("rds", "us-east-1")
    b = _account("222222222222").client("rds", "eu-west-1")
    assert a.meta.service_model is b.meta.service_model
    other = _account("3" * 12).client("ec2", "us-east-1")
    assert a.meta.service_model is not other.meta.service_model
    fresh = ServiceModel(_LOADER.load_service_model("rds", "service-2"), service_name="rds")
    shared = a.meta.service_model
    assert shared.operation_names == fresh.operation_names
    assert shared.api_version == fresh.api_version
    for code in ("DBInstanceNotFound", "DBClusterNotFoundFault", "NoSuchCode"):
        found, expected = shared.shape_for_error_code(code), fresh.shape_for_error_code(code)
        assert (found and found.name) == (expected and expected.name)
    # the error-code table, derived once, is the shared model's own: every client reuses it
    assert "_error_code_cache" in vars(b.meta.service_model)


def test_proxies_from_the_environment_still_apply(monkeypatch: pytest.MonkeyPatch) -> None:
    url = "https://cloudtrail.us-east-1.amazonaws.com"
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    monkeypatch.setenv("HTTPS_PROXY", "http://proxy.invalid:3128")
    assert cheap_clients.environ_proxies(url)["https"] == "http://proxy.invalid:3128"
    monkeypatch.setenv("NO_PROXY", "amazonaws.com")
    assert "https" not in cheap_clients.environ_proxies(url)
    monkeypatch.delenv("HTTPS_PROXY")
    monkeypatch.delenv("NO_PROXY")
    monkeypatch.delenv("https_proxy", raising=False)
    assert "https" not in cheap_clients.environ_proxies(url)


def _handler_table(emitter: Any) -> Counter[tuple[str, int, str]]:
    """Every (event path, section, handler name) registered in an emitter's trie."""
    table: Counter[tuple[str, int, str]] = Counter()
    nodes = [("", emitter._handlers._root)]
    while nodes:
        path, node = nodes.pop()
        values = node["values"]
        if values is not None:
            for section, handlers in enumerate((values.first, values.middle, values.last)):
                for handler in handlers:
                    target = getattr(handler, "func", handler)
                    name = getattr(target, "__qualname__", type(target).__name__)
                    table[(path, section, name)] += 1
        for part, child in node["children"].items():
            nodes.append((f"{path}.{part}" if path else part, child))
    return table


def test_member_sessions_start_with_botocore_builtin_handlers_of_their_own() -> None:
    sessions = Sessions(None, ClientSettings(endpoint_url="http://127.0.0.1:9"))
    fresh = botocore.session.Session()
    first, second = sessions._member_session(), sessions._member_session()
    expected = _handler_table(fresh._original_handler)
    assert len(expected) > 100
    expected[("getattr", 1, "missing_operation")] += 1  # the scanner's, for pruned models
    assert _handler_table(first._original_handler) == expected

    first.register("before-call.cloudwatch-logs", lambda **_: None)
    assert _handler_table(second._original_handler) == expected
    assert _handler_table(sessions._member_session()._original_handler) == expected

    factory = first._get_internal_component("exceptions_factory")
    assert second._get_internal_component("exceptions_factory") is factory
    assert first.get_component("data_loader") is second.get_component("data_loader")


def test_paginators_share_a_class_but_each_is_its_own_clients() -> None:
    a = _account("111111111111").client("logs", "us-east-1")
    b = _account("222222222222").client("logs", "eu-west-1")
    first, second = a.get_paginator("describe_log_groups"), b.get_paginator("describe_log_groups")
    fresh = BaseClient.get_paginator.original(a, "describe_log_groups")
    assert type(first) is type(second)
    assert (
        type(first).__name__ == type(fresh).__name__ == "CloudWatchLogs.Paginator.DescribeLogGroups"
    )
    assert first is not second
    assert first._method.__self__ is a and second._method.__self__ is b
    assert first._model is fresh._model and first._input_token == fresh._input_token
    assert first._output_token == fresh._output_token
    assert first._limit_key == fresh._limit_key and first._result_keys == fresh._result_keys
    with pytest.raises(botocore.exceptions.OperationNotPageableError):
        a.get_paginator("put_retention_policy")
