"""Frozen models held in less memory: a shared set of given fields, fields in shared-key dicts."""

from __future__ import annotations

from typing import Any, TypeVar

from pydantic import BaseModel

M = TypeVar("M", bound=BaseModel)

#: Pydantic gives every model instance its own set of the field names it was given (about 200
#: bytes for a few names, 2 KB for a finding's). Instances given the same fields share one set:
#: frozen models never change it, and model_copy copies it first.
_FIELDS_SETS: dict[frozenset[str], set[str]] = {}

_new = object.__new__
_set = object.__setattr__


def share_keys(cls: type[BaseModel]) -> None:
    """Let the instances of `cls` that with_shared_keys makes share the keys of their dicts.

    CPython keeps one table of attribute names per class for the dicts of its instances (PEP
    412), but it takes new names only while few instances exist (each new instance leaves it
    room for one name fewer): once pydantic has made a few instances, a copy made field by field
    would get a dict of its own again. So, when the class is defined, a first instance gets
    every field, in order; every copy then finds its names in the table.
    """
    first = _new(cls)
    for name in cls.model_fields:
        _set(first, name, None)


def share_fields_set(model: BaseModel) -> None:
    """`model`'s set of given fields, replaced by the one shared with the models given the same."""
    fields = model.__pydantic_fields_set__
    _set(model, "__pydantic_fields_set__", _FIELDS_SETS.setdefault(frozenset(fields), fields))


def with_shared_keys(model: M, **update: Any) -> M:
    """A copy of the frozen `model` (with `update`: new values of some of its fields) whose field
    values are held in a dict that shares its keys with the other instances of its class.

    Pydantic gives every instance a dict of its own (about 830 bytes for 25 fields, 180 for 5);
    the fields set one by one on a new instance go to a key-sharing dict (PEP 412: about 270 and
    100 bytes). The same fields, in the same order, with the same values and types: the copy is
    equal to `model` (updated), and everything written from it is the same. Its set of given
    fields is shared (share_fields_set).
    """
    unknown = update.keys() - model.__dict__.keys()
    if unknown:
        raise ValueError(f"not fields of {type(model).__name__}: {', '.join(sorted(unknown))}")
    copy = _new(type(model))
    for name, value in model.__dict__.items():
        _set(copy, name, update.get(name, value) if update else value)
    fields = model.__pydantic_fields_set__
    _set(copy, "__pydantic_fields_set__", fields | update.keys() if update else fields)
    _set(copy, "__pydantic_extra__", model.__pydantic_extra__)
    _set(copy, "__pydantic_private__", model.__pydantic_private__)
    share_fields_set(copy)
    return copy
