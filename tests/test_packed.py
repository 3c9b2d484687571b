"""Inventory data held packed (compressed JSON): same records, same saved file, less memory."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import pytest

from scanner.core.checkpoint import CheckpointStore, fingerprint
from scanner.core.datasets.cloudtrail import TRAILS, Trail
from scanner.core.inputs import load_inventory
from scanner.core.inventory import Inventory, record_key
from scanner.core.packed import PackedJson
from scanner.core.slim import with_shared_keys
from scanner.core.view import OrgView
from tests.builders import MEMBER, MGMT, InventoryBuilder

VALUES: list[Any] = [
    {"Name": "t", "Nested": [1, 2.5, None, True, {"k": "é ✓"}]},
    [],
    {},
    None,
    "",
    0,
    False,
    "text",
    [0],
    10**30,
]


@pytest.mark.parametrize("value", VALUES)
def test_a_packed_value_reads_back_equal_with_the_same_truth(value: Any) -> None:
    packed = PackedJson(value)
    assert packed.value() == value
    assert type(packed.value()) is type(value)
    assert bool(packed) is bool(value)
    assert packed == value and packed == PackedJson(value)
    assert packed.text() == json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode()


def test_small_and_large_values_both_read_back() -> None:
    small, large = ["x"] * 10, ["x" * 40] * 100
    assert PackedJson(small).size == len(json.dumps(small, separators=(",", ":")))  # as is
    assert PackedJson(large).size < 200  # compressed
    assert PackedJson(small).value() == small and PackedJson(large).value() == large
    assert PackedJson(small) != PackedJson(large)


def test_each_read_is_a_fresh_value() -> None:
    packed = PackedJson({"a": [1]})
    first = packed.value()
    first["a"].append(2)
    assert packed.value() == {"a": [1]}
    assert packed != {"a": [1, 2]}


def test_packing_holds_far_fewer_bytes_than_the_json() -> None:
    value = [
        {"Name": f"trail-{i}", "S3BucketName": "org-logs", "IsMultiRegionTrail": True}
        for i in range(200)
    ]
    assert PackedJson(value).size * 5 < len(json.dumps(value))


def _trail(name: str, owner: str) -> Trail:
    return Trail(
        name=name,
        arn=f"arn:aws:cloudtrail:us-east-1:{owner}:trail/{name}",
        home_region="us-east-1",
        is_multi_region=True,
        is_organization_trail=name == "org",
        s3_bucket_name="org-logs",
    )


def _inventory() -> Inventory:
    b = InventoryBuilder(regions=("us-east-1", "eu-west-1"))
    b.account(MGMT).put(TRAILS, [_trail("org", MGMT), _trail("local", MGMT)])
    b.account(MEMBER).put(TRAILS, [], "us-east-1").fail(TRAILS, "eu-west-1")
    return b.build()


def test_a_packed_inventory_gives_the_same_records_and_the_same_file(tmp_path: Path) -> None:
    plain = _inventory()
    packed = plain.packed()
    records = [r for a in packed.accounts for r in a.records.values() if r.data is not None]
    assert records and all(isinstance(r.data, PackedJson) for r in records)
    assert packed == plain
    for view in (OrgView(plain), OrgView(packed)):
        assert [t.name for t in view.get(MGMT, TRAILS, "us-east-1")] == ["org", "local"]
        assert view.get(MEMBER, TRAILS, "us-east-1") == []
        assert view.find(MEMBER, TRAILS, "eu-west-1") is None
    plain.save(tmp_path / "plain.json")
    packed.save(tmp_path / "packed.json")
    assert (tmp_path / "plain.json").read_bytes() == (tmp_path / "packed.json").read_bytes()
    assert packed.packed() == packed


def test_a_loaded_inventory_is_packed_and_equal_to_the_saved_one(tmp_path: Path) -> None:
    plain = _inventory()
    plain.save(tmp_path / "inventory.json")
    loaded = load_inventory(tmp_path / "inventory.json", "--from-inventory")
    assert loaded == plain
    record = loaded.accounts[0].record(TRAILS.name, "us-east-1")
    assert record is not None and isinstance(record.data, PackedJson)
    loaded.save(tmp_path / "again.json")
    assert (tmp_path / "again.json").read_bytes() == (tmp_path / "inventory.json").read_bytes()


def test_a_checkpoint_is_read_back_packed(tmp_path: Path) -> None:
    account = _inventory().accounts[0]
    store = CheckpointStore.for_output(tmp_path / "out")
    store.begin(fingerprint({"datasets": ["trails"]}), False, ())
    store.write(account)
    read = store.read(account.account_id)
    store.clear()
    assert read == account
    assert all(isinstance(r.data, PackedJson) for r in read.records.values() if r.data is not None)


def test_a_packed_record_is_a_model_copy_held_in_less_memory() -> None:
    made = [_inventory() for _ in range(20)]  # many records made as pydantic makes them first
    inv = made[-1]
    records = [r for a in inv.accounts for r in a.records.values() if r.data is not None]
    assert len(records) > 2
    packed = [r.packed() for r in records]
    for record, small in zip(records, packed, strict=True):
        copy = record.model_copy(update={"data": PackedJson(record.data)})
        assert small == copy and small.model_dump_json() == record.model_dump_json()
        assert list(small.__dict__) == list(copy.__dict__)
        assert small.__pydantic_fields_set__ == copy.__pydantic_fields_set__
        assert sys.getsizeof(small.__dict__) < sys.getsizeof(copy.__dict__)
    # one set of given fields and one string per dataset name, not one per record
    assert len({id(r.__pydantic_fields_set__) for r in packed}) == 1
    assert len({id(r.dataset) for r in packed}) == len({r.dataset for r in packed})


def test_a_shared_keys_copy_takes_only_the_fields_of_the_model() -> None:
    record = _inventory().accounts[0].records[record_key(TRAILS.name, "us-east-1")]
    with pytest.raises(ValueError, match="not fields"):
        with_shared_keys(record, colour="red")
    copy = with_shared_keys(record, error=None)
    assert copy == record and "error" in copy.__pydantic_fields_set__
