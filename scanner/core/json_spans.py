"""Where the items of one array member of a JSON object are, so each can be read on its own."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

_SPACE = re.compile(r"[ \t\n\r]*")
_DECODER = json.JSONDecoder()


@dataclass(frozen=True)
class ArraySpans:
    """A JSON object read without parsing one of its array members as a whole.

    `rest`: the object's JSON text with that member left out; `items`: (start, end) of each item
    of the array in the text, in order.
    """

    rest: str
    items: tuple[tuple[int, int], ...]


def array_spans(text: str, member: str) -> ArraySpans | None:
    """The spans of the items of `text`'s top-level `member` array; None when `text` is not one
    JSON object holding that array (once) or is not JSON: the caller then reads it whole and
    reports what is wrong. Each item is parsed here only to find where it ends."""
    try:
        return _spans(text, member)
    except (ValueError, RecursionError, IndexError):
        return None


def _skip(text: str, pos: int) -> int:
    match = _SPACE.match(text, pos)
    return match.end() if match else pos


def _spans(text: str, member: str) -> ArraySpans | None:
    pos = _skip(text, 0)
    if text[pos] != "{":
        return None
    pos = _skip(text, pos + 1)
    rest: list[str] = []
    items: list[tuple[int, int]] | None = None
    keys: set[str] = set()
    while True:
        if text[pos] != '"':
            return None
        key, pos = _DECODER.raw_decode(text, pos)
        if key in keys:
            return None
        keys.add(key)
        pos = _skip(text, pos)
        if text[pos] != ":":
            return None
        pos = _skip(text, pos + 1)
        if key == member:
            if text[pos] != "[":
                return None
            items, pos = _array(text, _skip(text, pos + 1))
        else:
            _, end = _DECODER.raw_decode(text, pos)
            rest.append(f"{json.dumps(key)}:{text[pos:end]}")
            pos = end
        pos = _skip(text, pos)
        if text[pos] == "}":
            break
        if text[pos] != ",":
            return None
        pos = _skip(text, pos + 1)
    if items is None or _skip(text, pos + 1) != len(text):
        return None
    return ArraySpans(rest="{" + ",".join(rest) + "}", items=tuple(items))


def _array(text: str, pos: int) -> tuple[list[tuple[int, int]], int]:
    """The items' spans of the array whose first item (or `]`) is at `pos`; the end of it."""
    items: list[tuple[int, int]] = []
    if text[pos] == "]":
        return items, pos + 1
    while True:
        _, end = _DECODER.raw_decode(text, pos)
        items.append((pos, end))
        pos = _skip(text, end)
        if text[pos] == "]":
            return items, pos + 1
        if text[pos] != ",":
            raise ValueError("not an array")
        pos = _skip(text, pos + 1)
