"""Clients lent from one account to the next: rebound to the new account's credentials and
state, so an Organization scan builds a client per (region, service) rather than per account.

An Organization scan used to build one botocore client per (account, region, service), about
one per API call, and building one cost about half as much CPU as the call itself. When an
account is done, its clients are returned here and the next account takes them. What is an
account's own is replaced or reset when a client is lent (`lend`), and checked at every send:

* the credentials its requests are signed with (the RequestSigner's), and the account id the
  endpoint rule set may use;
* the retry quota and the adaptive rate limiter (throttling in one account never slows
  another: a lent client starts as a new one would);
* the event handlers: what was registered while it was lent (a test's client hook) is dropped
  when it is returned (`give_back`);
* the account the scanner's own handlers act for (`Binding.owner`): a request built while the
  client was lent to one account is never sent once it is lent to another (`check_owner`).

S3, S3 Control and STS clients are never pooled: S3 clients cache bucket regions and S3 Express
session credentials, and an account's STS client refreshes its credentials.
"""

from __future__ import annotations

import copy
import threading
from dataclasses import dataclass, field
from typing import Any

from botocore.regions import EndpointResolverBuiltins
from botocore.retries import adaptive, quota, standard

from scanner.aws import lean

NOT_POOLED = frozenset({"s3", "s3control", "sts"})
PER_KEY = 32
"""Idle clients kept per (region, service): about the accounts a process collects at once."""

_OWNER_KEY = "trailwatch_owner"


class ClientNotLent(RuntimeError):
    """A pooled client was used while not lent to an account, or for another account."""


class Binding:
    """What a pooled client's handlers act for: the account it is lent to, None between."""

    __slots__ = ("owner",)

    def __init__(self) -> None:
        self.owner: Any = None

    def current(self) -> Any:
        owner = self.owner
        if owner is None:
            raise ClientNotLent("a client was used after its account was done")
        return owner


def note_owner(binding: Binding, context: Any) -> Any:
    """before-call: the account this request is built for, kept in its context."""
    owner = binding.current()
    if isinstance(context, dict):
        context[_OWNER_KEY] = owner
    return owner


def check_owner(binding: Binding, request: Any) -> None:
    """before-send: refuse a request built for another account than the one lent the client."""
    built_for = getattr(request, "context", {}).get(_OWNER_KEY)
    if built_for is not None and built_for is not binding.owner:
        raise ClientNotLent("a request built for one account was about to be sent for another")


@dataclass
class Pooled:
    """A client with what must be reset when it is lent."""

    client: Any
    binding: Binding
    limiter: Any | None
    quota_checker: Any | None
    saved_handlers: Any = None
    saved_unique_ids: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def wrap(cls, client: Any, binding: Binding) -> Pooled:
        limiter = quota_checker = None
        for handler in _handlers(client):
            owner = getattr(handler, "__self__", None)
            if isinstance(owner, adaptive.ClientRateLimiter):
                limiter = owner
            elif isinstance(owner, standard.RetryHandler):
                quota_checker = owner._retry_quota
        return cls(client, binding, limiter, quota_checker)

    def lend(self, owner: Any, credentials: Any) -> None:
        """Rebind to `owner` (an account session) and its credentials; reset its state."""
        client = self.client
        client._request_signer._credentials = credentials
        resolver = getattr(client, "_ruleset_resolver", None)
        builtins = getattr(resolver, "_builtins", None)
        if isinstance(builtins, dict) and EndpointResolverBuiltins.ACCOUNT_ID in builtins:
            builtins[EndpointResolverBuiltins.ACCOUNT_ID] = (
                credentials.get_deferred_property("account_id") if credentials else None
            )
        if self.limiter is not None:
            fresh = adaptive.register_retry_handler(_NoEvents())
            self.limiter.__dict__.update(fresh.__dict__)
        if self.quota_checker is not None:
            self.quota_checker._quota = quota.RetryQuota()
            self.quota_checker._last_amount_acquired = None
        emitter = client.meta.events._emitter
        self.saved_handlers = emitter._handlers
        self.saved_unique_ids = dict(emitter._unique_id_handlers)
        emitter._handlers = copy.copy(emitter._handlers)  # copy on write (cheap_clients)
        emitter._lookup_cache = {}
        lean.rebind(client)
        self.binding.owner = owner

    def give_back(self) -> None:
        """Unbind: drop the handlers registered while lent; nothing can be sent until lent."""
        self.binding.owner = None
        lean.give_back(self.client)
        emitter = self.client.meta.events._emitter
        emitter._handlers = self.saved_handlers
        emitter._unique_id_handlers = self.saved_unique_ids
        emitter._lookup_cache = {}
        self.saved_handlers = None


class ClientPool:
    """Idle clients per (service, region), at most PER_KEY each (one pool per scan process:
    every client in it was built with the same settings)."""

    def __init__(self, per_key: int = PER_KEY) -> None:
        self._idle: dict[tuple[str, str], list[Pooled]] = {}
        self._per_key = per_key
        self._lock = threading.Lock()

    def take(self, service: str, region: str) -> Pooled | None:
        with self._lock:
            idle = self._idle.get((service, region))
            return idle.pop() if idle else None

    def give(self, service: str, region: str, pooled: Pooled) -> None:
        pooled.give_back()
        with self._lock:
            idle = self._idle.setdefault((service, region), [])
            if len(idle) < self._per_key:
                idle.append(pooled)

    def idle(self) -> int:
        with self._lock:
            return sum(len(v) for v in self._idle.values())

    def clear(self) -> None:
        """Drop every idle client (collection is over here: its memory goes to what follows)."""
        with self._lock:
            self._idle = {}


class _NoEvents:
    """Stands for a client when botocore builds a fresh rate limiter (its handlers are not
    registered again: the pooled client keeps the ones it has, now with fresh state)."""

    class meta:  # botocore reads client.meta.events
        class events:
            @staticmethod
            def register(*_: Any, **__: Any) -> None:
                return None


def _handlers(client: Any) -> list[Any]:
    found: list[Any] = []
    nodes = [client.meta.events._emitter._handlers._root]
    while nodes:
        node = nodes.pop()
        values = node["values"]
        if values is not None:
            found.extend([*values.first, *values.middle, *values.last])
        nodes.extend(node["children"].values())
    return found
