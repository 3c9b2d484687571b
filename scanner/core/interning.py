"""Share equal JSON-like values (evidence, resources) between findings: one object per value."""

from __future__ import annotations

import marshal
from hashlib import blake2b
from typing import Any

from scanner.core.model import Resource

#: Containers of these exact types are rebuilt from shared parts; subclasses (and every other
#: type) are kept as they are, so that a value never changes type.
_CONTAINERS = (dict, list, tuple)
#: A container is looked up by the digest of its marshal bytes (format 2 has no back-references:
#: equal values give equal bytes however their parts are shared; equal bytes are equal values of
#: the same exact types), then its bytes compared: a digest collision costs a copy, never a share.
_MARSHAL_VERSION = 2


class Interner:
    """Equal values get one shared object (hash-consing), so that the thousands of findings that
    quote the same trail, bucket or call share it instead of each holding a copy.

    A value is equal to its shared copy and of the same type at every level (a StrEnum stays a
    StrEnum, a tuple a tuple, dict order is kept), so anything written from it is the same. The
    shared dicts and lists are built here and handed only to frozen findings, which never change
    them. The table lives as long as the interner (one evaluation): the values stay shared after.
    """

    def __init__(self) -> None:
        self._table: dict[Any, Any] = {}
        self._strings: dict[str, str] = {}
        self._digests: dict[tuple[type, bytes], Any] = {}
        self._resources: dict[tuple[Any, ...], Resource] = {}

    def value(self, value: Any) -> Any:
        """The shared object equal to `value` (a JSON-like value of dicts, lists, tuples, str)."""
        kind = type(value)
        if kind is str:
            return self._strings.setdefault(value, value)
        if kind is int:
            return self._table.setdefault(("i", value), value)
        if kind not in _CONTAINERS:
            return value  # numbers, None, enums, models, datetimes: small or not ours to share
        try:  # marshal writes exact types only (a subclass, an enum, a model raises)
            text = marshal.dumps(value, _MARSHAL_VERSION)
            digest = (kind, blake2b(text, digest_size=16).digest())
        except (ValueError, TypeError):
            digest, text = None, b""
        if digest is not None:
            found = self._digests.get(digest)
            if found is not None and marshal.dumps(found, _MARSHAL_VERSION) == text:
                return found
        shared = self._build(kind, value)
        if digest is not None:
            self._digests.setdefault(digest, shared)
        return shared

    def parts_of(self, value: Any) -> Any:
        """Like value(), for a value that is seldom repeated whole (a finding's evidence): its
        parts are shared, it is not looked up nor remembered (its bytes are not kept)."""
        kind = type(value)
        return self._build(kind, value) if kind in _CONTAINERS else self.value(value)

    def _build(self, kind: type, value: Any) -> Any:
        if kind is dict:
            items = [(self._part(k), self._part(v)) for k, v in value.items()]
            key: tuple[Any, ...] = ("d", *(id(part) for item in items for part in item))
            shared = self._table.get(key)
            if shared is None:
                shared = self._table[key] = dict(items)
            return shared
        parts = [self._part(v) for v in value]
        key = ("l" if kind is list else "t", *map(id, parts))
        shared = self._table.get(key)
        if shared is None:
            shared = self._table[key] = parts if kind is list else tuple(parts)
        return shared

    def _part(self, value: Any) -> Any:
        """`value` inside a container: strings (most parts) without the dispatch of value()."""
        if type(value) is str:
            return self._strings.setdefault(value, value)
        return self.value(value)

    def resource(self, resource: Resource) -> Resource:
        """The shared Resource equal to `resource` (frozen models: safe to share)."""
        if type(resource) is not Resource:
            return resource
        fields = frozenset(resource.__pydantic_fields_set__)
        key = (resource.type, resource.id, resource.region, resource.account_id, fields)
        return self._resources.setdefault(key, resource)

    def resources(self, resources: tuple[Resource, ...]) -> tuple[Resource, ...]:
        """The shared tuple of the shared Resources equal to `resources`."""
        if not resources:
            return resources
        shared = tuple(self.resource(r) for r in resources)
        key = ("r", *(id(r) for r in shared))
        return self._table.setdefault(key, shared)  # type: ignore[no-any-return]
