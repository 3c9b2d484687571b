"""Cheap botocore clients: what botocore recomputes for every client, computed once per process.

An Organization scan builds one client per (account, region, service): about 130 per account
for about 170 calls, so building a client cost more CPU than the calls it makes. Each function
here replaces one botocore internal by an equivalent that reuses work; none of them shares
credentials, signers, retry state or event handlers between clients. botocore is pinned
(deploy/requirements.lock) and tests/test_cheap_clients.py fails when an internal these rely on
changes shape.
"""

from __future__ import annotations

import copy
import functools
import inspect
import os
import threading
import types
from collections.abc import Callable, Mapping
from typing import Any

import botocore.hooks
import botocore.regions
from botocore.client import BaseClient, ClientCreator
from botocore.endpoint import EndpointCreator
from botocore.endpoint_provider import EndpointProvider
from botocore.hooks import _MIDDLE, EventAliaser, NodeList, _PrefixTrie
from botocore.httpsession import URLLib3Session
from botocore.utils import EVENT_ALIASES, get_environ_proxies

from scanner.aws.pools import lean_pool_manager

_LOCK = threading.Lock()
_INSTALLED: list[str] = []


def install() -> None:
    """Install every patch once per process (idempotent, thread-safe)."""
    with _LOCK:
        if _INSTALLED:
            return
        _cache_client_classes()
        _shared_service_models()
        _fast_accepts_kwargs()
        _shared_alias_names()
        _copy_on_write_trie()
        _shared_http_sessions()
        _shared_endpoint_providers()
        _cache_paginator_classes()
        _INSTALLED.append("all")


# --- client classes -----------------------------------------------------------------------------

_CLASS_CACHE: dict[tuple[str, int], tuple[Any, Any]] = {}
_CLASS_LOCK = threading.Lock()


def _cache_client_classes() -> None:
    """Build each service model's client class once per process instead of once per client.

    botocore generates a fresh class (a method and docstring per API operation: ~700 for EC2)
    for every client. The class depends only on the service model (one per document: see
    `_shared_service_models`; a pruned model has fewer methods than the whole one) and the
    handlers of the `creating-client-class` event, the same for every session this process
    makes. The model is kept with its class so that its id stays its own.
    """
    original = ClientCreator._create_client_class

    def cached(self: Any, service_name: str, service_model: Any) -> Any:
        key = (service_name, id(service_model))
        with _CLASS_LOCK:
            entry = _CLASS_CACHE.get(key)
            if entry is None or entry[0] is not service_model:
                entry = (service_model, original(self, service_name, service_model))
                _CLASS_CACHE[key] = entry
        return entry[1]

    cached.original = original  # type: ignore[attr-defined]
    ClientCreator._create_client_class = cached


_PAGINATOR_CLASSES: dict[tuple[type, str], type] = {}


def _cache_paginator_classes() -> None:
    """Build each operation's paginator class once per client class instead of once per call.

    botocore's get_paginator makes a new class (with a docstring object) for every paginator;
    a scan asks for one per paginated call. The class depends only on the client's class (one
    per service: `_cache_client_classes`) and the operation; each paginator is still a new
    instance bound to the asking client's method, configuration and operation model.
    """
    original = BaseClient.get_paginator

    def get_paginator(self: Any, operation_name: str) -> Any:
        key = (type(self), operation_name)
        cls = _PAGINATOR_CLASSES.get(key)
        if cls is None or not self.can_paginate(operation_name):
            paginator = original(self, operation_name)
            _PAGINATOR_CLASSES[key] = type(paginator)
            return paginator
        name = self._PY_TO_OP_NAME[operation_name]
        return cls(
            getattr(self, operation_name),
            self._cache["page_config"][name],
            self._service_model.operation_model(name),
        )

    get_paginator.original = original  # type: ignore[attr-defined]
    BaseClient.get_paginator = get_paginator


# --- service models -----------------------------------------------------------------------------

_MODELS: dict[tuple[str, int], tuple[Any, Any]] = {}


def _shared_service_models() -> None:
    """One ServiceModel per service model document, shared by every client of the service.

    botocore wraps the loaded document in a new ServiceModel for every client, and a
    ServiceModel caches what it derives (operation models, shapes, the error-code table: for
    RDS, hundreds of error shapes resolved at the first error answer) on itself, so each client
    derived them again. A ServiceModel is read-only after it is built; it holds nothing of an
    account. The document object (the loader's, cached) is kept with it so its id stays its own.
    """
    original = ClientCreator._load_service_model

    def load(self: Any, service_name: str, api_version: str | None = None) -> Any:
        document = self._loader.load_service_model(
            service_name, "service-2", api_version=api_version
        )
        key = (service_name, id(document))
        with _CLASS_LOCK:
            entry = _MODELS.get(key)
            if entry is None or entry[0] is not document:
                entry = _MODELS[key] = (document, original(self, service_name, api_version))
        return entry[1]

    load.original = original  # type: ignore[attr-defined]
    ClientCreator._load_service_model = load


# --- handler registration -----------------------------------------------------------------------


def accepts_kwargs(func: Any) -> bool:
    """botocore's check that an event handler takes **kwargs, without inspect.getfullargspec.

    botocore checks every handler it registers (~12 per client) with getfullargspec, which
    builds a full Signature. For a plain function, a bound method or a functools.partial of
    either, the answer is one flag of the code object; anything else goes to botocore's own.
    """
    target = func
    while isinstance(target, functools.partial):
        target = target.func
    if isinstance(target, types.MethodType):
        target = target.__func__
    if type(target) is types.FunctionType and "__signature__" not in target.__dict__:
        return bool(target.__code__.co_flags & inspect.CO_VARKEYWORDS)
    return bool(_ORIGINAL_ACCEPTS_KWARGS(func))


_ORIGINAL_ACCEPTS_KWARGS: Callable[[Any], Any] = botocore.hooks.accepts_kwargs


def _fast_accepts_kwargs() -> None:
    botocore.hooks.accepts_kwargs = accepts_kwargs


_ALIAS_NAMES: dict[str, str] = {}


def _shared_alias_names() -> None:
    """Every client's emitter starts with the alias-name cache of all clients before it.

    botocore rewrites each event name through its alias table on every register and emit, and
    caches the result per emitter; each client gets a new emitter, so each client re-derived
    the same ~30 names. The result depends only on the alias table, which is botocore's own
    EVENT_ALIASES unless a caller passed another: only then is the cache kept per emitter.
    """

    def copy_aliaser(self: Any) -> Any:
        new = type(self)(copy.copy(self._emitter), copy.copy(self._event_aliases))
        if self._event_aliases == EVENT_ALIASES:
            new._alias_name_cache = _ALIAS_NAMES
        return new

    EventAliaser.__copy__ = copy_aliaser


def _token(trie: Any) -> object:
    """The mark of the nodes `trie` may change in place (any other node is shared)."""
    token: object = trie.__dict__.setdefault("_owner", object())
    return token


def _own(node: dict[str, Any], token: object) -> dict[str, Any]:
    """`node` if the trie owns it, else its copy (children shared, handler lists copied)."""
    if node.get("owner") is token:
        return node
    values = node["values"]
    return {
        "chunk": node["chunk"],
        "children": dict(node["children"]),
        "values": None
        if values is None
        else NodeList(values.first[:], values.middle[:], values.last[:]),
        "owner": token,
    }


def _owned_path(trie: Any, key: str) -> dict[str, Any]:
    """Make the root and the existing nodes along `key` the trie's own, top down; the root."""
    token = _token(trie)
    root = current = trie._root = _own(trie._root, token)
    for part in key.split("."):
        child = current["children"].get(part)
        if child is None:
            break
        owned = _own(child, token)
        current["children"][part] = owned
        current = owned
    return root


def _copy_on_write_trie() -> None:
    """Copy an event emitter's handler trie in O(1): share its nodes until one is changed.

    botocore copies the session's whole handler trie (~190 nodes, ~130 handlers) for every
    client, then adds ~12 handlers to the copy. Here the copy shares the nodes, and both
    tries copy a node (and the path to it) before they change it: a copy still never sees
    the handlers added to the other after the copy, as botocore's deep copy guaranteed.
    """
    remove_item = _PrefixTrie.remove_item

    def copy_trie(self: Any) -> Any:
        new = self.__class__.__new__(self.__class__)
        new.__dict__ = {"_root": self._root, "_owner": object()}
        self._owner = object()  # every node is shared from now on
        return new

    def append_item(self: Any, key: str, value: Any, section: int = _MIDDLE) -> None:
        token = _token(self)
        current = _owned_path(self, key)
        for part in key.split("."):
            child = current["children"].get(part)
            if child is None:
                child = {"chunk": part, "values": None, "children": {}, "owner": token}
                current["children"][part] = child
            current = child  # owned: _owned_path made the existing ones the trie's own
        if current["values"] is None:
            current["values"] = NodeList([], [], [])
        current["values"][section].append(value)

    def remove(self: Any, key: str, value: Any) -> None:
        _owned_path(self, key)
        remove_item(self, key, value)

    copy_trie.original = _PrefixTrie.__copy__  # type: ignore[attr-defined]
    append_item.original = _PrefixTrie.append_item  # type: ignore[attr-defined]
    remove.original = remove_item  # type: ignore[attr-defined]
    _PrefixTrie.__copy__ = copy_trie
    _PrefixTrie.append_item = append_item
    _PrefixTrie.remove_item = remove


# --- HTTP sessions ------------------------------------------------------------------------------

_HTTP_SESSIONS: dict[Any, URLLib3Session] = {}
_PROXIES: dict[tuple[str, tuple[str | None, ...]], dict[str, str]] = {}
#: The environment variables get_environ_proxies reads for an http(s) endpoint.
_PROXY_VARIABLES = (
    "http_proxy",
    "HTTP_PROXY",
    "https_proxy",
    "HTTPS_PROXY",
    "no_proxy",
    "NO_PROXY",
    "REQUEST_METHOD",
)


def _frozen(value: Any) -> Any:
    if isinstance(value, Mapping):
        return tuple(sorted((k, _frozen(v)) for k, v in value.items()))
    if isinstance(value, (list, tuple)):
        return tuple(_frozen(v) for v in value)
    if isinstance(value, (set, frozenset)):
        return tuple(sorted(value))
    return value


def shared_http_session(**kwargs: Any) -> URLLib3Session:
    """One URLLib3Session (SSL context, connection pools) per distinct configuration.

    botocore builds a session per client; shared, an endpoint host keeps its pooled (TLS)
    connections across the clients of every account. A session holds no credentials: each
    request is signed by its own client before it is sent.
    """
    key = _frozen(kwargs)
    with _LOCK:
        session = _HTTP_SESSIONS.get(key)
        if session is None:
            session = _HTTP_SESSIONS[key] = URLLib3Session(**kwargs)
            lean_pool_manager(session)
    return session


def environ_proxies(url: str) -> dict[str, str]:
    """botocore's get_environ_proxies, computed once per (url, proxy variables)."""
    key = (url, tuple(os.environ.get(name) for name in _PROXY_VARIABLES))
    found = _PROXIES.get(key)
    if found is None:
        found = _PROXIES[key] = dict(get_environ_proxies(url))
    return dict(found)


def _shared_http_sessions() -> None:
    original = EndpointCreator.create_endpoint

    def create_endpoint(self: Any, *args: Any, **kwargs: Any) -> Any:
        kwargs.setdefault("http_session_cls", shared_http_session)
        return original(self, *args, **kwargs)

    def get_proxies(self: Any, url: str) -> dict[str, str]:
        return environ_proxies(url)

    create_endpoint.original = original  # type: ignore[attr-defined]
    EndpointCreator.create_endpoint = create_endpoint
    EndpointCreator._get_proxies = get_proxies


# --- endpoint rule sets -------------------------------------------------------------------------

_PROVIDERS: dict[tuple[int, int, Any], tuple[Any, Any, EndpointProvider]] = {}


def shared_endpoint_provider(
    ruleset_data: Any, partition_data: Any, excluded_params: Any = None
) -> EndpointProvider:
    """One EndpointProvider (the parsed rule set, and its cache of resolved endpoints) per
    service rule set: botocore parses the rule set's JSON into objects for every client.

    The loader returns the same rule-set and partition objects for every client of a service;
    they are kept alive with the provider so that their ids stay theirs.
    """
    key = (id(ruleset_data), id(partition_data), _frozen(excluded_params))
    with _LOCK:
        entry = _PROVIDERS.get(key)
        if entry is None or entry[0] is not ruleset_data or entry[1] is not partition_data:
            provider = EndpointProvider(
                ruleset_data=ruleset_data,
                partition_data=partition_data,
                excluded_params=excluded_params,
            )
            entry = _PROVIDERS[key] = (ruleset_data, partition_data, provider)
    return entry[2]


def _shared_endpoint_providers() -> None:
    botocore.regions.EndpointProvider = shared_endpoint_provider
