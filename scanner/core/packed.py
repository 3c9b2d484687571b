"""A JSON value kept as compressed compact JSON and parsed each time it is read (inventory data)."""

from __future__ import annotations

import json
import zlib
from typing import Any

#: Compact JSON texts of the values that are false in Python (`not value`).
_FALSY = frozenset({b"null", b"false", b"0", b"0.0", b"-0.0", b'""', b"[]", b"{}"})

#: Texts up to this many bytes are kept as they are: zlib would make them no smaller, and its
#: set-up per call costs more than the rest of packing them.
COMPRESS_ABOVE = 256

_encode = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), allow_nan=True).encode


class PackedJson:
    """A JSON value (dicts, lists, strings, numbers, booleans, None) held as compact JSON,
    zlib-compressed above COMPRESS_ABOVE bytes: a few bytes per collected resource instead of a
    tree of Python objects.

    `value()` parses it again (json.loads: the same Python value as the JSON parser of a saved
    inventory gives), so each reader gets a fresh value of its own. Equal to another PackedJson
    or to a plain value when the values are equal; `bool()` is the value's.
    """

    __slots__ = ("_blob", "_falsy", "_zipped")

    def __init__(self, value: Any) -> None:
        text = _encode(value).encode("utf-8")
        self._falsy = text in _FALSY
        self._zipped = len(text) > COMPRESS_ABOVE
        self._blob = zlib.compress(text, 1) if self._zipped else text

    def text(self) -> bytes:
        """The compact JSON (UTF-8)."""
        return zlib.decompress(self._blob) if self._zipped else self._blob

    def value(self) -> Any:
        return json.loads(self.text())

    @property
    def size(self) -> int:
        """Bytes held."""
        return len(self._blob)

    def __bool__(self) -> bool:
        return not self._falsy

    def __eq__(self, other: object) -> bool:
        if isinstance(other, PackedJson):
            return self.text() == other.text()
        return bool(self.value() == other)

    def __hash__(self) -> int:
        return hash(self.text())

    def __repr__(self) -> str:
        return f"PackedJson({self.size} bytes)"
