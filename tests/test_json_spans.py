"""array_spans: each item of one array member found in the text, or None (then read it whole)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from scanner.core.inputs import InputError, load_inventory
from scanner.core.inventory import Inventory
from scanner.core.json_spans import array_spans
from tests.builders import MEMBER, MGMT, InventoryBuilder


@pytest.mark.parametrize("indent", [None, 1, 4])
def test_the_items_and_the_rest_of_the_object_are_found(indent: int | None) -> None:
    doc = {"a": 1, "items": [{"x": [1, 2]}, "s]", [], {"y": "}"}], "b": {"c": "items"}}
    text = json.dumps(doc, indent=indent)
    spans = array_spans(text, "items")
    assert spans is not None
    assert [json.loads(text[start:end]) for start, end in spans.items] == doc["items"]
    assert json.loads(spans.rest) == {"a": 1, "b": {"c": "items"}}


def test_an_empty_array_has_no_items() -> None:
    spans = array_spans('{"items": [ ], "a": true}', "items")
    assert spans is not None and spans.items == () and json.loads(spans.rest) == {"a": True}


@pytest.mark.parametrize(
    "text",
    [
        "[1, 2]",
        "{}",
        '{"a": 1}',
        '{"items": 1}',
        '{"items": [1], "items": [2]}',
        '{"items": [1],}',
        '{"items": [1,]}',
        '{"items": [1] "a": 2}',
        '{"items": [1]} trailing',
        '{"items": [1, {]}',
        '{"items": [1]',
        "",
        "[" * 100_000,
    ],
)
def test_anything_else_is_none(text: str) -> None:
    assert array_spans(text, "items") is None


def _inventory() -> Inventory:
    b = InventoryBuilder(regions=("us-east-1",))
    b.account(MGMT)
    b.account(MEMBER)
    return b.build()


def test_a_saved_inventory_is_read_account_by_account(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "inventory.json"
    _inventory().save(path)
    whole: list[int] = []
    real = Inventory.model_validate_json

    def counting(text: str | bytes) -> Inventory:
        whole.append(len(text))
        return real(text)

    monkeypatch.setattr(Inventory, "model_validate_json", counting)
    assert load_inventory(path, "--from-inventory") == _inventory()
    assert whole and max(whole) < path.stat().st_size / 2  # never the whole text at once


def test_a_bad_account_is_reported_as_when_read_whole(tmp_path: Path) -> None:
    doc = json.loads(_inventory().model_dump_json())
    doc["accounts"][1]["home_region"] = 5
    path = tmp_path / "inventory.json"
    path.write_text(json.dumps(doc))
    with pytest.raises(InputError) as caught:
        load_inventory(path, "--from-inventory")
    assert "accounts[1].home_region" in str(caught.value)
