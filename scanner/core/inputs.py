"""Reading files from outside: bounded size, strict UTF-8, bounded nesting, named file kinds.

Every file a user hands to trailwatch (config, inventory, baseline findings, ASFF, events)
is read here. A file that cannot be used becomes one `InputError` line (exit 2): too big,
not UTF-8 (UTF-16, binary), not JSON/YAML, nested deeper than `MAX_DEPTH`, another of
trailwatch's own file kinds than the one expected ("this is a findings file, not an
inventory"), or a schema mismatch summarised to its first error location.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml
from pydantic import ValidationError

from scanner.core.errors import ConfigError, UsageError
from scanner.core.inventory import AccountInventory, Inventory, record_key
from scanner.core.json_spans import array_spans
from scanner.core.registry import all_datasets

if TYPE_CHECKING:
    from pydantic import ValidationError

    from scanner.core.dataset import Dataset
    from scanner.core.inventory import Inventory

MiB = 1 << 20
MAX_DEPTH = 100
"""Deepest nesting of lists and mappings accepted in any input (ours reach about 15)."""

CONFIG_MAX_BYTES = 1 * MiB
INVENTORY_MAX_BYTES = 1024 * MiB
FINDINGS_MAX_BYTES = 1024 * MiB
MANIFEST_MAX_BYTES = 16 * MiB
EVENTS_MAX_BYTES = 256 * MiB
EVENT_LINE_MAX_BYTES = 1 * MiB
YAML_MAX_NODES = 100_000
"""Values a YAML file may hold once its aliases are expanded (stops "billion laughs")."""

INVENTORY_SCHEMA_VERSION = 1

# File kinds trailwatch writes or reads, for "this is X, not Y" messages.
INVENTORY = "an inventory (inventory.json)"
FINDINGS = "a findings file (findings.json)"
ASFF = "an ASFF findings file (findings.asff.json)"
OCSF = "an OCSF findings file (findings.ocsf.json)"
MANIFEST = "a manifest (manifest.json)"
EVENTS = "a CloudTrail/EventBridge event"
CLOUDTRAIL_LOG = "a CloudTrail log file (Records)"
CONFIG = "a trailwatch.yaml configuration"
HTML = "an HTML report (report.html)"
XML = "an XML file (findings.junit.xml?)"

_CONFIG_KEYS = frozenset(
    {"org", "accounts", "regions", "checks", "formats", "fail_on", "suppressions", "frameworks"}
)


class InputError(UsageError, ConfigError):
    """A file from outside that cannot be used; one line, exit 2."""


# ------------------------------------------------------------------------------------ bytes, text


def read_bytes(path: Path, label: str, limit: int) -> bytes:
    """The file's bytes; InputError when missing, not a file, or larger than `limit`."""
    path = Path(path)
    try:
        if path.is_dir():
            raise InputError(f"{label}: {path} is a directory, not a file")
        size = path.stat().st_size
        if size > limit:
            raise InputError(f"{label}: {path} is {_mib(size)}, over the {_mib(limit)} limit")
        with path.open("rb") as handle:
            data = handle.read(limit + 1)  # a device or a growing file: never more than limit
    except OSError as exc:
        raise InputError(f"{label}: cannot read {path}: {exc.strerror or exc}") from None
    if len(data) > limit:
        raise InputError(f"{label}: {path} is over the {_mib(limit)} limit")
    return data


def decode(data: bytes, label: str, path: Path | str) -> str:
    """Strict UTF-8 (a UTF-8 byte order mark is dropped); InputError names what it is instead."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise InputError(f"{label}: {path} is UTF-16 text; save it as UTF-8")
    if b"\x00" in data[:8192]:
        raise InputError(f"{label}: {path} is a binary file, not UTF-8 text")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InputError(
            f"{label}: {path} is not UTF-8 text (byte 0x{data[exc.start]:02x} at offset "
            f"{exc.start})"
        ) from None
    return text.removeprefix("\ufeff")


def read_text(path: Path, label: str, limit: int) -> str:
    return decode(read_bytes(path, label, limit), label, path)


def _mib(size: int) -> str:
    return f"{size / MiB:.1f} MiB" if size >= MiB else f"{size} bytes"


# ------------------------------------------------------------------------------------------ JSON

_ESCAPE = re.compile(r"\\.", re.S)
_STRING = re.compile(r'"[^"]*"')
_NOT_BRACKET = re.compile(r"[^\[\]{}]+")
_PAIR = re.compile(r"\[\]|\{\}")


def json_too_deep(text: str, limit: int = MAX_DEPTH) -> bool:
    """Does the JSON text nest lists/objects deeper than `limit`? (C-speed regex passes only.)

    Escapes and strings are dropped, then the innermost bracket pairs are removed once per
    level: what is left after `limit` passes is nested deeper than `limit`.
    """
    brackets = _NOT_BRACKET.sub("", _STRING.sub("", _ESCAPE.sub("", text)))
    for _ in range(limit):
        if not brackets:
            return False
        fewer = _PAIR.sub("", brackets)
        if fewer == brackets:
            return False  # unbalanced: malformed, which the JSON parser reports
        brackets = fewer
    return _PAIR.search(brackets) is not None


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")


def parse_json(text: str, label: str, path: Path | str, max_depth: int = MAX_DEPTH) -> Any:
    """The JSON value of `text`; InputError when malformed or nested deeper than `max_depth`."""
    if json_too_deep(text, max_depth):
        raise InputError(f"{label}: {path} is nested deeper than {max_depth} levels")
    try:
        return json.loads(text, parse_constant=_no_constant)
    except json.JSONDecodeError as exc:
        hint = _text_kind(text)
        what = f" (it looks like {hint})" if hint else ""
        raise InputError(
            f"{label}: {path} is not JSON{what}: {exc.msg} at line {exc.lineno} column {exc.colno}"
        ) from None
    except (ValueError, RecursionError) as exc:
        raise InputError(f"{label}: {path} is not JSON: {exc}") from None


def load_json(path: Path, label: str, limit: int) -> Any:
    """read_text + parse_json."""
    return parse_json(read_text(path, label, limit), label, path)


def json_lines(path: Path, label: str) -> Iterator[tuple[int, Any]]:
    """(line number, JSON value or InputError) for each non-blank line of a bounded JSONL file.

    The file as a whole must be UTF-8 text within EVENTS_MAX_BYTES (else InputError is raised);
    a line that is too long, too deep or not JSON is yielded as its own InputError.
    """
    text = read_text(path, label, EVENTS_MAX_BYTES)
    _not_one_document(text, label, path)
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        where = f"line {number}"
        if len(line) > EVENT_LINE_MAX_BYTES:
            yield number, InputError(f"{where} is over the {_mib(EVENT_LINE_MAX_BYTES)} limit")
            continue
        try:
            yield number, parse_json(line, label, where)
        except InputError as exc:
            yield number, exc


def _not_one_document(text: str, label: str, path: Path) -> None:
    """InputError when a JSONL input is one (pretty-printed) JSON document instead."""
    first = next((line for line in text.splitlines() if line.strip()), "")
    if len(first) > EVENT_LINE_MAX_BYTES:
        return
    try:
        parse_json(first, label, path)
        return  # the first line is a document of its own: JSON Lines
    except InputError:
        pass
    try:
        doc = parse_json(text, label, path)
    except InputError:
        return  # not one document either: each line says what is wrong with it
    raise InputError(
        f"{label}: {path} is {kind_of(doc) or 'one JSON document'}, not JSON Lines "
        "(one event per line)"
    )


# ------------------------------------------------------------------------------------------ YAML


def parse_yaml(text: str, label: str, path: Path | str) -> Any:
    """Safe YAML with bounded nesting and bounded alias expansion; InputError otherwise."""

    class Bounded(yaml.SafeLoader):
        depth = 0

        def compose_node(self, parent: Any, index: Any) -> Any:
            self.depth += 1
            try:
                if self.depth > MAX_DEPTH:
                    raise InputError(f"{label}: {path} is nested deeper than {MAX_DEPTH} levels")
                return super().compose_node(parent, index)
            finally:
                self.depth -= 1

    loader = Bounded(text)
    try:
        value = loader.get_single_data()
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" (line {mark.line + 1}, column {mark.column + 1})" if mark else ""
        problem = getattr(exc, "problem", None) or "invalid YAML"
        raise InputError(f"{label}: {path}: malformed YAML{where}: {problem}") from None
    except RecursionError:
        raise InputError(f"{label}: {path} is nested too deeply") from None
    finally:
        loader.dispose()
    if _expanded_size(value, YAML_MAX_NODES) > YAML_MAX_NODES:
        raise InputError(
            f"{label}: {path} holds more than {YAML_MAX_NODES:,} values once its aliases "
            "are expanded"
        )
    return value


def _expanded_size(value: Any, cap: int) -> int:
    """Values in `value`, counting shared (aliased) ones each time; stops counting past `cap`."""
    seen = 0
    stack = [value]
    while stack and seen <= cap:
        item = stack.pop()
        seen += 1
        if isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return seen


# ---------------------------------------------------------------------------------- file kinds


def kind_of(doc: Any) -> str | None:
    """Which of trailwatch's own file kinds a parsed JSON/YAML value is, if any."""
    if isinstance(doc, dict):
        keys = set(doc)
        if {"scan", "findings"} <= keys:
            return FINDINGS
        if {"schema_version", "scan_id", "accounts"} <= keys:
            return INVENTORY
        if "files" in keys and ("manifest_version" in keys or "scan_id" in keys):
            return MANIFEST
        if isinstance(doc.get("Findings"), list):
            return ASFF
        if isinstance(doc.get("Records"), list):
            return CLOUDTRAIL_LOG
        if "detail-type" in keys or {"eventSource", "eventName"} <= keys:
            return EVENTS
        if keys and keys <= _CONFIG_KEYS | {
            "exclude_accounts",
            "home_region",
            "role_name",
            "external_id",
            "role_session_name",
            "output_dir",
            "max_workers",
            "log_archive_account",
        }:
            return CONFIG
        return None
    if isinstance(doc, list) and doc and isinstance(doc[0], dict):
        first = doc[0]
        if "SchemaVersion" in first and "ProductArn" in first:
            return ASFF
        if "class_uid" in first and "metadata" in first:
            return OCSF
    return None


def _text_kind(text: str) -> str | None:
    head = text.lstrip()[:200].lower()
    if head.startswith(("<!doctype html", "<html")):
        return HTML
    if head.startswith("<?xml"):
        return XML
    if re.match(r"(#[^\n]*\n\s*)*[a-z_]+:", head):
        return "YAML (a trailwatch.yaml?)"
    return None


def expect_kind(doc: Any, wanted: str, label: str, path: Path | str) -> None:
    """InputError "this is X, not Y" when `doc` is another of trailwatch's file kinds."""
    found = kind_of(doc)
    if found is not None and found != wanted:
        raise InputError(f"{label}: {path} is {found}, not {wanted}")


# -------------------------------------------------------------------------------- pydantic errors


def summarize(exc: ValidationError) -> str:
    """A pydantic error in one line: the first error's location and message, and how many more."""
    errors = exc.errors(include_url=False)
    if not errors:
        return "does not match the schema"
    first = errors[0]
    loc = location(first["loc"])
    message = str(first["msg"]).removeprefix("Value error, ")
    if first["type"] == "extra_forbidden":
        message = "unknown key"
    more = f" (and {len(errors) - 1} more error(s))" if len(errors) > 1 else ""
    return f"{loc or '(top level)'}: {message}{more}"


def location(loc: tuple[int | str, ...] | list[Any]) -> str:
    """`accounts[0].records.cloudtrail_trails@us-east-1.data` from a pydantic location."""
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


# ------------------------------------------------------------------------------------ inventory


def load_inventory(path: Path, label: str) -> Inventory:
    """A saved inventory, checked: kind, schema_version, the model, and every record's data;
    the records' data held as PackedJson (parsed by Dataset.load when a check reads it)."""

    text = read_text(path, label, INVENTORY_MAX_BYTES)
    inventory = _account_by_account(text, label, path)
    if inventory is not None:
        _check_version(inventory.schema_version, label, path)
        return inventory
    try:  # pydantic's own JSON parser stops at about 200 levels: no depth pre-scan needed here
        inventory = Inventory.model_validate_json(text)
    except ValidationError as exc:
        doc = parse_json(text, label, path)  # which file is it, then, and of which version?
        expect_kind(doc, INVENTORY, label, path)
        if not isinstance(doc, dict):
            raise InputError(f"{label}: {path} is not an inventory (not a JSON object)") from None
        _check_version(doc.get("schema_version", INVENTORY_SCHEMA_VERSION), label, path)
        raise InputError(f"{label}: {path}: not a valid inventory: {summarize(exc)}") from None
    _check_version(inventory.schema_version, label, path)
    check_records(inventory, label, path)
    return inventory.packed()  # the records' data as compressed JSON: a fraction of the memory


def _account_by_account(text: str, label: str, path: Path) -> Inventory | None:
    """The inventory read one account at a time (each validated, its records checked and packed
    before the next is parsed: memory holds one account's objects at a time, not all of them);
    None when anything in it is not as trailwatch writes it: load_inventory then reads it whole,
    and reports the first problem exactly as before."""
    spans = array_spans(text, "accounts")
    if spans is None:
        return None
    datasets = {d.name: d for d in all_datasets()}
    accounts: list[AccountInventory] = []
    try:
        for n, (start, end) in enumerate(spans.items):
            account = AccountInventory.model_validate_json(text[start:end])
            _check_account_records(account, n, datasets, label, path)
            accounts.append(account.packed())
        inventory = Inventory.model_validate_json(spans.rest)
    except (ValidationError, InputError):
        return None
    return inventory.model_copy(update={"accounts": tuple(accounts)})


def _check_version(version: Any, label: str, path: Path | str) -> None:
    if version != INVENTORY_SCHEMA_VERSION:
        raise InputError(
            f"{label}: {path} has inventory schema_version {version!r}; this trailwatch reads "
            f"version {INVENTORY_SCHEMA_VERSION}"
        )


def check_records(inventory: Inventory, label: str, path: Path | str) -> None:
    """Every record's data must have its dataset's type (checks never see wrong-typed data)."""

    datasets = {d.name: d for d in all_datasets()}
    for n, account in enumerate(inventory.accounts):
        _check_account_records(account, n, datasets, label, path)


def _check_account_records(
    account: AccountInventory,
    n: int,
    datasets: dict[str, Dataset[Any]],
    label: str,
    path: Path | str,
) -> None:
    for key, record in account.records.items():
        where = f"{label}: {path}: accounts[{n}] ({account.account_id}) record {key}"
        if key != record_key(record.dataset, record.region):
            raise InputError(f"{where}: holds dataset {record.dataset}@{record.region}")
        dataset = datasets.get(record.dataset)
        if dataset is None or record.error is not None:
            continue  # a dataset this version does not know is never read
        try:
            dataset.load(record.data)
        except ValidationError as exc:
            raise InputError(f"{where}: {summarize(exc)}") from None
