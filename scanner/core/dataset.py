"""Dataset descriptors: a named, typed piece of inventory collected per account or per region."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from functools import cached_property
from typing import Any, Generic, TypeVar

from pydantic import TypeAdapter

from scanner.core.packed import PackedJson

T = TypeVar("T")


class Scope(StrEnum):
    """Where a dataset (or a check) lives: once per account, or once per account and region."""

    ACCOUNT = "account"
    REGION = "region"


@dataclass(frozen=True, eq=False)
class Dataset(Generic[T]):
    """A typed dataset. `kind` is the Python type of the data (a pydantic-compatible type)."""

    name: str
    scope: Scope
    kind: Any
    description: str = ""
    depends_on: tuple[Dataset[Any], ...] = field(default=())

    @cached_property
    def adapter(self) -> TypeAdapter[T]:
        return TypeAdapter(self.kind)

    def dump(self, value: T) -> Any:
        return self.adapter.dump_python(value, mode="json")

    def load(self, raw: Any) -> T:
        """The typed value of `raw` (a JSON value, or a PackedJson of one)."""
        return self.adapter.validate_python(raw.value() if isinstance(raw, PackedJson) else raw)

    def __hash__(self) -> int:
        return hash(self.name)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Dataset) and other.name == self.name

    def __repr__(self) -> str:
        return f"Dataset({self.name})"
