"""Compact JSON text made by pydantic-core's serializer, byte for byte the json module's.

The reports write compact JSON (`separators=(",", ":")`, `ensure_ascii=False`) of tens of
thousands of findings; pydantic-core (already a dependency) writes it in Rust, about three times
faster than the json module. Its text is the same (tested over every code point, integers of any
size, every float) except for floats of exponent -5 to -9 (`1e-06` is written `1e-6`, `1e-05`
`0.00001`), NaN and the infinities (which the json module refuses here). Any text that may hold
one of those is made by the json module instead: a string that merely looks like one only costs
the slower path, never a different byte.
"""

from __future__ import annotations

import json
import re
from typing import Any

import pydantic_core

#: The json module's compact encoder, as the reports have always used it.
encode = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), allow_nan=False).encode

#: Byte strings without which no text can hold a float pydantic-core writes differently.
_HINTS = (b"e-", b"0.0000", b"NaN", b"Infinity")
#: pydantic-core's float forms that differ from the json module's: exponent -5 to -9 (`1e-6`,
#: `0.00001`) and the non-finite constants (written only with inf_nan_mode="constants").
_DIFFERENT = re.compile(rb"e-[5-9](?![0-9])|0\.0000|NaN|Infinity")


def same_as_json_module(data: bytes) -> bool:
    """Can `data` (pydantic-core's JSON, non-finite floats written as constants) hold no float
    that the json module writes differently?"""
    if not any(hint in data for hint in _HINTS):
        return True
    return _DIFFERENT.search(data) is None


def plain_floats(value: Any) -> bool:
    """Does `value` (JSON-like) hold no float that the json module writes differently (nor a
    non-finite one)? False also when pydantic-core cannot serialise it."""
    try:
        data = pydantic_core.to_json(value, inf_nan_mode="constants", fallback=repr)
    except Exception:  # e.g. a lone surrogate: the json module's path decides
        return False
    return same_as_json_module(data)


def dumps(value: Any, *, floats: bool = True) -> str:
    """`encode(value)` for a value of str, int, float, bool, None, lists, tuples and dicts with
    str keys only (pydantic-core writes other keys differently), made by pydantic-core.
    `floats=False`: the caller knows `value` holds no float (its text is not searched)."""
    try:
        data = pydantic_core.to_json(value, inf_nan_mode="constants")
    except Exception:  # the json module's own error (or text) for what pydantic-core refuses
        return encode(value)
    return data.decode("utf-8") if not floats or same_as_json_module(data) else encode(value)


def string_bytes(text: str) -> int:
    """Bytes of `text` as a JSON string (UTF-8, not ASCII-escaped)."""
    try:
        return len(pydantic_core.to_json(text))
    except Exception:  # a lone surrogate: the json module's text (encoding it then fails)
        return len(json.dumps(text, ensure_ascii=False).encode("utf-8"))
