"""EventBridge event patterns: validation and matching against an event (EventBridge semantics).

A pattern is a JSON object. Each key holds either a nested object (matched against the event's
object at that key; an array of objects in the event matches when one element does) or an
array of match conditions, of which one must hold. `$or` holds an array of alternative
patterns at any level. Conditions:

- exact values: strings, numbers (compared numerically), `true`/`false`, `null`
- `{"prefix": s}`, `{"suffix": s}` (each also as `{"equals-ignore-case": s}` inside),
  `{"equals-ignore-case": s}`, `{"wildcard": "a*b"}` (`\\*` is a literal star)
- `{"anything-but": v | [v...] | {"prefix": s} | {"suffix": s} | {"equals-ignore-case": s|[s]}
  | {"wildcard": s|[s]}}`
- `{"numeric": [">", 0, "<=", 5]}`, `{"exists": true|false}`, `{"cidr": "10.0.0.0/8"}`

An event value that is an array matches when one of its elements matches. Only
`{"exists": false}` matches a missing field; every other condition needs the field present.
"""

from __future__ import annotations

import ipaddress
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

_NUMERIC_OPS = {
    "=": lambda a, b: a == b,
    "<": lambda a, b: a < b,
    "<=": lambda a, b: a <= b,
    ">": lambda a, b: a > b,
    ">=": lambda a, b: a >= b,
}
_MISSING = object()


class EventPatternError(ValueError):
    """The text is not a valid EventBridge event pattern."""


@dataclass(frozen=True, eq=False)
class EventPattern:
    """A validated event pattern; `matches(event)` applies it to one event envelope."""

    text: str
    pattern: Mapping[str, Any]

    def matches(self, event: Mapping[str, Any]) -> bool:
        return _match_object(self.pattern, event)


@lru_cache(maxsize=2048)
def parse_event_pattern(text: str) -> EventPattern:
    """Decode and validate a pattern; raises EventPatternError naming the problem."""
    try:
        pattern = json.loads(text)
    except json.JSONDecodeError as exc:
        raise EventPatternError(f"not valid JSON: {exc}") from None
    if not isinstance(pattern, dict) or not pattern:
        raise EventPatternError("an event pattern must be a non-empty JSON object")
    _validate_object(pattern, "")
    return EventPattern(text, pattern)


def matches(pattern: str | Mapping[str, Any], event: Mapping[str, Any]) -> bool:
    """Convenience: does the pattern (JSON text or decoded object) match the event?"""
    if isinstance(pattern, str):
        return parse_event_pattern(pattern).matches(event)
    _validate_object(pattern, "")
    return _match_object(pattern, event)


# --- validation ---------------------------------------------------------------------------------


def _validate_object(pattern: Mapping[str, Any], where: str) -> None:
    for key, rule in pattern.items():
        path = f"{where}.{key}" if where else key
        if key == "$or":
            if not isinstance(rule, list) or len(rule) < 2:
                raise EventPatternError(f"{path}: $or needs an array of at least two patterns")
            for alt in rule:
                if not isinstance(alt, dict) or not alt:
                    raise EventPatternError(f"{path}: every $or alternative must be an object")
                _validate_object(alt, where)
        elif isinstance(rule, dict):
            if not rule:
                raise EventPatternError(f"{path}: empty object")
            _validate_object(rule, path)
        elif isinstance(rule, list):
            if not rule:
                raise EventPatternError(f"{path}: empty array of match values")
            for cond in rule:
                _validate_condition(cond, path)
        else:
            raise EventPatternError(f"{path}: match values must be in an array")


def _is_number(v: Any) -> bool:
    return isinstance(v, int | float) and not isinstance(v, bool)


def _validate_condition(cond: Any, path: str) -> None:
    if cond is None or isinstance(cond, str | bool) or _is_number(cond):
        return
    if not isinstance(cond, dict) or len(cond) != 1:
        raise EventPatternError(f"{path}: invalid match condition {json.dumps(cond)}")
    ((op, arg),) = cond.items()
    if op in ("prefix", "suffix"):
        if isinstance(arg, dict):
            if set(arg) != {"equals-ignore-case"} or not isinstance(arg["equals-ignore-case"], str):
                raise EventPatternError(f"{path}: {op} takes a string or equals-ignore-case")
        elif not isinstance(arg, str):
            raise EventPatternError(f"{path}: {op} takes a string")
    elif op in ("equals-ignore-case", "wildcard"):
        if not isinstance(arg, str):
            raise EventPatternError(f"{path}: {op} takes a string")
    elif op == "exists":
        if not isinstance(arg, bool):
            raise EventPatternError(f"{path}: exists takes true or false")
    elif op == "numeric":
        _numeric_terms(arg, path)
    elif op == "cidr":
        try:
            ipaddress.ip_network(arg, strict=False)
        except (TypeError, ValueError):
            raise EventPatternError(f"{path}: invalid cidr {arg!r}") from None
    elif op == "anything-but":
        _validate_anything_but(arg, path)
    else:
        raise EventPatternError(f"{path}: unknown match operator {op!r}")


def _validate_anything_but(arg: Any, path: str) -> None:
    if isinstance(arg, dict):
        if len(arg) != 1:
            raise EventPatternError(f"{path}: anything-but takes one operator")
        ((op, inner),) = arg.items()
        values = inner if isinstance(inner, list) else [inner]
        if op in ("prefix", "suffix") and isinstance(inner, str):
            return
        if op in ("equals-ignore-case", "wildcard") and all(isinstance(v, str) for v in values):
            return
        raise EventPatternError(f"{path}: unsupported anything-but operator {op!r}")
    values = arg if isinstance(arg, list) else [arg]
    for v in values:
        if not (isinstance(v, str) or _is_number(v)):
            raise EventPatternError(f"{path}: anything-but values must be strings or numbers")


def _numeric_terms(arg: Any, path: str) -> list[tuple[str, float]]:
    if not isinstance(arg, list) or not arg or len(arg) % 2:
        raise EventPatternError(f"{path}: numeric takes [operator, number, ...]")
    terms: list[tuple[str, float]] = []
    for op, num in zip(arg[::2], arg[1::2], strict=True):
        if op not in _NUMERIC_OPS or not _is_number(num):
            raise EventPatternError(f"{path}: invalid numeric condition {op!r} {num!r}")
        terms.append((op, float(num)))
    return terms


# --- matching -----------------------------------------------------------------------------------


def _match_object(pattern: Mapping[str, Any], event: Any) -> bool:
    if not isinstance(event, Mapping):
        return False
    for key, rule in pattern.items():
        if key == "$or":
            if not any(_match_object(alt, event) for alt in rule):
                return False
            continue
        value = event.get(key, _MISSING)
        if isinstance(rule, Mapping):
            if not _match_nested(rule, value):
                return False
        elif not _match_leaf(rule, value):
            return False
    return True


def _match_nested(rule: Mapping[str, Any], value: Any) -> bool:
    if value is _MISSING or value is None:
        return _only_absence(rule)
    if isinstance(value, Mapping):
        return _match_object(rule, value)
    if isinstance(value, list):
        return any(_match_object(rule, v) for v in value if isinstance(v, Mapping))
    return False


def _only_absence(rule: Mapping[str, Any]) -> bool:
    """A nested pattern on a missing object matches only if it requires absence throughout."""
    for key, sub in rule.items():
        if key == "$or":
            if not any(_only_absence(alt) for alt in sub):
                return False
        elif isinstance(sub, Mapping):
            if not _only_absence(sub):
                return False
        elif {"exists": False} not in sub:
            return False
    return True


def _match_leaf(conditions: list[Any], value: Any) -> bool:
    if value is _MISSING:
        return any(c == {"exists": False} for c in conditions)
    if isinstance(value, Mapping):
        return False  # conditions apply to leaves only
    values = value if isinstance(value, list) else [value]
    for cond in conditions:
        if isinstance(cond, dict) and "exists" in cond:
            if cond["exists"] and values:
                return True
            continue
        if any(_condition(cond, v) for v in values if not isinstance(v, Mapping | list)):
            return True
    return False


def _equal(a: Any, b: Any) -> bool:
    if _is_number(a) and _is_number(b):
        return float(a) == float(b)
    if isinstance(a, bool) or isinstance(b, bool):
        return a is b
    return type(a) is type(b) and a == b


def _wildcard(pattern: str) -> re.Pattern[str]:
    parts: list[str] = []
    i = 0
    while i < len(pattern):
        if pattern[i] == "\\" and i + 1 < len(pattern):
            parts.append(re.escape(pattern[i + 1]))
            i += 2
            continue
        parts.append(".*" if pattern[i] == "*" else re.escape(pattern[i]))
        i += 1
    return re.compile("".join(parts), re.DOTALL)


def _affix(op: str, arg: Any, value: str) -> bool:
    if isinstance(arg, Mapping):
        needle, hay = arg["equals-ignore-case"].casefold(), value.casefold()
    else:
        needle, hay = arg, value
    return hay.startswith(needle) if op == "prefix" else hay.endswith(needle)


def _condition(cond: Any, value: Any) -> bool:
    if not isinstance(cond, dict):
        return _equal(cond, value)
    ((op, arg),) = cond.items()
    if op in ("prefix", "suffix"):
        return isinstance(value, str) and _affix(op, arg, value)
    if op == "equals-ignore-case":
        return isinstance(value, str) and value.casefold() == arg.casefold()
    if op == "wildcard":
        return isinstance(value, str) and _wildcard(arg).fullmatch(value) is not None
    if op == "numeric":
        if not _is_number(value):
            return False
        return all(_NUMERIC_OPS[o](float(value), n) for o, n in _numeric_terms(arg, "numeric"))
    if op == "cidr":
        if not isinstance(value, str):
            return False
        try:
            return ipaddress.ip_address(value) in ipaddress.ip_network(arg, strict=False)
        except ValueError:
            return False
    if op == "anything-but":
        return _anything_but(arg, value)
    return False


def _anything_but(arg: Any, value: Any) -> bool:
    if value is None:
        return False
    if isinstance(arg, Mapping):
        ((op, inner),) = arg.items()
        if not isinstance(value, str):
            return False
        if op in ("prefix", "suffix"):
            return not _affix(op, inner, value)
        values = inner if isinstance(inner, list) else [inner]
        if op == "equals-ignore-case":
            return all(value.casefold() != v.casefold() for v in values)
        return all(_wildcard(v).fullmatch(value) is None for v in values)
    excluded = arg if isinstance(arg, list) else [arg]
    return not any(_equal(v, value) for v in excluded)
