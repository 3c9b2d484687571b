"""CloudWatch Logs filter patterns: a parser and an evaluator over JSON (CloudTrail) log events.

Supported syntax (CloudWatch Logs "filter and pattern syntax"):

- JSON patterns `{ <expr> }`: selectors `$.a.b`, `$.a[0]`, `$.a[*].b`; comparisons `=`, `!=`
  with quoted (`"..."`) or unquoted values, `*` wildcards in string values (`"AccessDenied*"`,
  `123.123.*`), `%regex%` values; numeric comparisons `=`, `!=`, `<`, `<=`, `>`, `>=`;
  `IS NULL`, `IS TRUE`, `IS FALSE`, `NOT EXISTS`; `&&`, `||` and parentheses.
- Unstructured term patterns: `term`, `"quoted phrase"`, `?term` (any of), `-term` (none of),
  `%regex%`; an empty pattern matches every event.

Space-delimited patterns (`[a, b, ...]`) do not apply to JSON CloudTrail events: parse error.

Semantics chosen where the documentation is silent (each one avoids calling a filter broader
than it is, i.e. a false PASS of a coverage check):

- `&&` binds tighter than `||` (as in every C-like language); parentheses group.
- A comparison (including `!=`) only matches when the selected property exists and holds a value
  of the compared type: strings compare with strings (case-sensitive, `*` = any characters,
  `\\*` = a literal star), numbers with numbers, a `%regex%` must match the whole string value.
  So `$.x != "a"` does not match an event without `x`, nor one where `x` is null or an object.
- A selector with `[*]` selects every element; `=` matches when one element matches, `!=` when
  at least one element exists and none equals the value.
- Single-quoted values are not CloudWatch syntax and are rejected (parse error).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

_NUMBER = re.compile(r"^-?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$")
_NAME = re.compile(r"[A-Za-z0-9_\-@]+")
_UNQUOTED_STOP = set(" \t\r\n(){}&|\"'=!<>%")


class FilterPatternError(ValueError):
    """The text is not a valid (or not a supported) filter pattern."""

    def __init__(self, message: str, position: int | None = None) -> None:
        where = f" at position {position}" if position is not None else ""
        super().__init__(f"{message}{where}")
        self.position = position


# --- values and nodes ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Value:
    """The right-hand side of a comparison."""

    kind: str  # "string" | "number" | "regex"
    text: str  # as written (without quotes)
    number: float | None = None
    regex: re.Pattern[str] | None = None  # string globs and %regex% compiled

    def equals(self, value: Any) -> bool | None:
        """True/False when comparable, None when the value's type does not fit."""
        if self.kind == "number":
            if isinstance(value, bool) or not isinstance(value, int | float):
                return None
            return float(value) == self.number
        if not isinstance(value, str):
            return None
        assert self.regex is not None
        return self.regex.fullmatch(value) is not None


Step = str | int | None  # a property name, an index, or None for [*]


@dataclass(frozen=True)
class Compare:
    path: tuple[Step, ...]
    selector: str
    op: str
    value: Value

    def matches(self, event: Mapping[str, Any], raw: _Raw) -> bool:
        found = _select(event, self.path)
        if not found:
            return False
        if self.op in ("=", "!="):
            results = [self.value.equals(v) for v in found]
            if self.op == "=":
                return any(r is True for r in results)
            comparable = [r for r in results if r is not None]
            return bool(comparable) and not any(comparable)
        assert self.value.number is not None
        target = self.value.number
        for v in found:
            if isinstance(v, bool) or not isinstance(v, int | float):
                continue
            if _NUMERIC_OPS[self.op](float(v), target):
                return True
        return False


_NUMERIC_OPS = {
    "<": lambda a, b: a < b,
    "<=": lambda a, b: a <= b,
    ">": lambda a, b: a > b,
    ">=": lambda a, b: a >= b,
}


@dataclass(frozen=True)
class Test:
    """`IS NULL`, `IS TRUE`, `IS FALSE`, `NOT EXISTS`."""

    path: tuple[Step, ...]
    selector: str
    test: str

    def matches(self, event: Mapping[str, Any], raw: _Raw) -> bool:
        found = _select(event, self.path)
        if self.test == "NOT EXISTS":
            return not found
        if self.test == "IS NULL":
            return any(v is None for v in found)
        want = self.test == "IS TRUE"
        return any(v is want for v in found)


@dataclass(frozen=True)
class And:
    items: tuple[Node, ...]

    def matches(self, event: Mapping[str, Any], raw: _Raw) -> bool:
        return all(i.matches(event, raw) for i in self.items)


@dataclass(frozen=True)
class Or:
    items: tuple[Node, ...]

    def matches(self, event: Mapping[str, Any], raw: _Raw) -> bool:
        return any(i.matches(event, raw) for i in self.items)


@dataclass(frozen=True)
class Terms:
    """An unstructured pattern, evaluated on the event's JSON text (as CloudWatch Logs has it)."""

    required: tuple[_Term, ...] = ()
    any_of: tuple[_Term, ...] = ()
    excluded: tuple[_Term, ...] = ()

    def matches(self, event: Mapping[str, Any], raw: _Raw) -> bool:
        text = raw.text(event)
        if self.any_of and not any(t.found(text) for t in self.any_of):
            return False
        if not all(t.found(text) for t in self.required):
            return False
        return not any(t.found(text) for t in self.excluded)


@dataclass(frozen=True)
class _Term:
    text: str
    regex: re.Pattern[str] | None = None

    def found(self, message: str) -> bool:
        if self.regex is not None:
            return self.regex.search(message) is not None
        return self.text in message


Node = Compare | Test | And | Or | Terms


class _Raw:
    """The event's text, computed at most once per evaluation."""

    def __init__(self) -> None:
        self._text: str | None = None

    def text(self, event: Mapping[str, Any]) -> str:
        if self._text is None:
            self._text = json.dumps(event, separators=(",", ":"))
        return self._text


def _select(event: Any, path: Sequence[Step]) -> list[Any]:
    """Every value the path selects (empty: the property does not exist)."""
    current: list[Any] = [event]
    for step in path:
        nxt: list[Any] = []
        for node in current:
            if isinstance(step, str):
                if isinstance(node, Mapping) and step in node:
                    nxt.append(node[step])
            elif isinstance(step, int):
                if isinstance(node, list) and -len(node) <= step < len(node):
                    nxt.append(node[step])
            elif isinstance(node, list):
                nxt.extend(node)
        current = nxt
        if not current:
            break
    return current


# --- the pattern --------------------------------------------------------------------------------


@dataclass(frozen=True)
class FilterPattern:
    """A parsed filter pattern; `matches(event)` evaluates it on one decoded log event."""

    text: str
    root: Node | None  # None: the empty pattern, which matches every event
    kind: str  # "json" | "terms" | "all"

    def matches(self, event: Mapping[str, Any]) -> bool:
        if self.root is None:
            return True
        if self.kind == "json" and not isinstance(event, Mapping):
            return False
        return self.root.matches(event, _Raw())


@lru_cache(maxsize=4096)
def parse(text: str) -> FilterPattern:
    """Parse a filter pattern; raises FilterPatternError with the position of the problem."""
    stripped = text.strip()
    if not stripped:
        return FilterPattern(text, None, "all")
    if stripped.startswith("{"):
        return FilterPattern(text, _JsonParser(text).parse(), "json")
    if stripped.startswith("["):
        raise FilterPatternError(
            "space-delimited patterns ([...]) do not apply to JSON CloudTrail events"
        )
    return FilterPattern(text, _parse_terms(text), "terms")


# --- JSON patterns ------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Tok:
    kind: str  # "{", "}", "(", ")", "&&", "||", "op", "selector", "string", "regex", "word", "end"
    text: str
    pos: int
    value: Value | None = None
    path: tuple[Step, ...] = ()


def _glob(text: str, pos: int) -> Value:
    """A string value: `*` is a wildcard, a backslash escapes the next character."""
    parts: list[str] = []
    i = 0
    while i < len(text):
        ch = text[i]
        if ch == "\\":
            if i + 1 >= len(text):
                raise FilterPatternError("dangling escape in string value", pos + i)
            parts.append(re.escape(text[i + 1]))
            i += 2
            continue
        parts.append(".*" if ch == "*" else re.escape(ch))
        i += 1
    return Value("string", text, regex=re.compile("".join(parts), re.DOTALL))


def _compile_regex(body: str, pos: int) -> re.Pattern[str]:
    if not body:
        raise FilterPatternError("empty regular expression", pos)
    try:
        return re.compile(body)
    except re.error as exc:
        raise FilterPatternError(f"invalid regular expression %{body}%: {exc}", pos) from None


def _tokenize(text: str) -> list[_Tok]:
    toks: list[_Tok] = []
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        if ch.isspace():
            i += 1
            continue
        if ch in "{}()":
            toks.append(_Tok(ch, ch, i))
            i += 1
            continue
        two = text[i : i + 2]
        if two in ("&&", "||"):
            toks.append(_Tok(two, two, i))
            i += 2
            continue
        if two in ("!=", ">=", "<="):
            toks.append(_Tok("op", two, i))
            i += 2
            continue
        if two == "==":
            raise FilterPatternError("'==' is not a filter pattern operator (use '=')", i)
        if ch in "=<>":
            toks.append(_Tok("op", ch, i))
            i += 1
            continue
        if ch in "&|!":
            raise FilterPatternError(f"unexpected {ch!r}", i)
        if ch == "'":
            raise FilterPatternError('single quotes are not valid; quote values with "', i)
        if ch == '"':
            j, buf = i + 1, []
            while j < n and text[j] != '"':
                if text[j] == "\\" and j + 1 < n:
                    buf.append(text[j : j + 2])
                    j += 2
                    continue
                buf.append(text[j])
                j += 1
            if j >= n:
                raise FilterPatternError("unterminated quoted string", i)
            body = "".join(buf)
            toks.append(_Tok("string", body, i, value=_glob(body, i + 1)))
            i = j + 1
            continue
        if ch == "%":
            j = text.find("%", i + 1)
            if j < 0:
                raise FilterPatternError("unterminated %regex%", i)
            body = text[i + 1 : j]
            regex = _compile_regex(body, i)
            toks.append(_Tok("regex", body, i, value=Value("regex", body, regex=regex)))
            i = j + 1
            continue
        if ch == "$":
            path, j = _selector(text, i)
            toks.append(_Tok("selector", text[i:j], i, path=path))
            i = j
            continue
        j = i
        while j < n and text[j] not in _UNQUOTED_STOP:
            j += 1
        toks.append(_Tok("word", text[i:j], i))
        i = j
    toks.append(_Tok("end", "", n))
    return toks


def _selector(text: str, start: int) -> tuple[tuple[Step, ...], int]:
    i = start + 1
    path: list[Step] = []
    while i < len(text):
        if text[i] == ".":
            m = _NAME.match(text, i + 1)
            if not m:
                raise FilterPatternError("expected a property name after '.'", i + 1)
            path.append(m.group(0))
            i = m.end()
        elif text[i] == "[":
            end = text.find("]", i)
            if end < 0:
                raise FilterPatternError("unterminated '[' in selector", i)
            inner = text[i + 1 : end].strip()
            if inner == "*":
                path.append(None)
            elif re.fullmatch(r"-?\d+", inner):
                path.append(int(inner))
            else:
                raise FilterPatternError(f"invalid array index [{inner}]", i)
            i = end + 1
        else:
            break
    if not path:
        raise FilterPatternError("a selector needs at least one property ($.name)", start)
    return tuple(path), i


def _unquoted_value(tok: _Tok) -> Value:
    if _NUMBER.match(tok.text):
        return Value("number", tok.text, number=float(tok.text))
    return _glob(tok.text, tok.pos)


class _JsonParser:
    def __init__(self, text: str) -> None:
        self.toks = _tokenize(text)
        self.i = 0

    def peek(self) -> _Tok:
        return self.toks[self.i]

    def take(self, kind: str | None = None) -> _Tok:
        tok = self.toks[self.i]
        if kind is not None and tok.kind != kind:
            want = "end of pattern" if kind == "end" else repr(kind)
            got = "end of pattern" if tok.kind == "end" else repr(tok.text)
            raise FilterPatternError(f"expected {want}, found {got}", tok.pos)
        self.i += 1
        return tok

    def parse(self) -> Node:
        self.take("{")
        if self.peek().kind == "}":
            raise FilterPatternError("empty JSON pattern", self.peek().pos)
        node = self.or_expr()
        self.take("}")
        self.take("end")
        return node

    def or_expr(self) -> Node:
        items = [self.and_expr()]
        while self.peek().kind == "||":
            self.take()
            items.append(self.and_expr())
        return items[0] if len(items) == 1 else Or(tuple(items))

    def and_expr(self) -> Node:
        items = [self.primary()]
        while self.peek().kind == "&&":
            self.take()
            items.append(self.primary())
        return items[0] if len(items) == 1 else And(tuple(items))

    def primary(self) -> Node:
        tok = self.peek()
        if tok.kind == "(":
            self.take()
            node = self.or_expr()
            self.take(")")
            return node
        if tok.kind != "selector":
            got = "end of pattern" if tok.kind == "end" else repr(tok.text)
            raise FilterPatternError(f"expected a selector ($.field) or '(', found {got}", tok.pos)
        return self.condition(self.take())

    def condition(self, sel: _Tok) -> Node:
        tok = self.peek()
        if tok.kind == "word" and tok.text.upper() in ("IS", "NOT"):
            self.take()
            arg = self.take()
            word = f"{tok.text.upper()} {arg.text.upper()}" if arg.kind == "word" else ""
            if word not in ("IS NULL", "IS TRUE", "IS FALSE", "NOT EXISTS"):
                raise FilterPatternError(
                    f"expected NULL, TRUE or FALSE after IS, or EXISTS after NOT, found "
                    f"{arg.text!r}",
                    arg.pos,
                )
            return Test(sel.path, sel.text, word)
        if tok.kind != "op":
            got = "end of pattern" if tok.kind == "end" else repr(tok.text)
            raise FilterPatternError(f"expected an operator after {sel.text}, found {got}", tok.pos)
        op = self.take().text
        val = self.take()
        if val.kind in ("string", "regex"):
            assert val.value is not None
            value = val.value
        elif val.kind == "word" and val.text:
            value = _unquoted_value(val)
        else:
            got = "end of pattern" if val.kind == "end" else repr(val.text)
            raise FilterPatternError(f"expected a value after {op!r}, found {got}", val.pos)
        if op in _NUMERIC_OPS and value.kind != "number":
            raise FilterPatternError(f"{op!r} needs a numeric value, found {val.text!r}", val.pos)
        return Compare(sel.path, sel.text, op, value)


# --- unstructured term patterns -----------------------------------------------------------------


def _parse_terms(text: str) -> Terms:
    required: list[_Term] = []
    any_of: list[_Term] = []
    excluded: list[_Term] = []
    i, n = 0, len(text)
    while i < n:
        if text[i].isspace():
            i += 1
            continue
        prefix = ""
        if text[i] in "?-":
            prefix = text[i]
            i += 1
        if i < n and text[i] == '"':
            end = text.find('"', i + 1)
            if end < 0:
                raise FilterPatternError("unterminated quoted term", i)
            term = _Term(text[i + 1 : end])
            i = end + 1
        elif i < n and text[i] == "%":
            end = text.find("%", i + 1)
            if end < 0:
                raise FilterPatternError("unterminated %regex%", i)
            body = text[i + 1 : end]
            term = _Term(body, _compile_regex(body, i))
            i = end + 1
        else:
            j = i
            while j < n and not text[j].isspace():
                j += 1
            if j == i:
                raise FilterPatternError("empty term", i)
            term = _Term(text[i:j])
            if any(c in term.text for c in "{}[]"):
                raise FilterPatternError(f"unexpected bracket in term {term.text!r}", i)
            i = j
        {"": required, "?": any_of, "-": excluded}[prefix].append(term)
    if any_of and (required or excluded):
        raise FilterPatternError("'?term' cannot be combined with plain or '-' terms")
    return Terms(tuple(required), tuple(any_of), tuple(excluded))
