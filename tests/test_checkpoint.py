"""Checkpoints: whole files or none, used only when they verify, one scan at a time."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from scanner.core import checkpoint
from scanner.core.checkpoint import CheckpointStore, checkpoint_dir, fingerprint
from scanner.core.errors import OutputError
from scanner.core.inventory import AccountInfo, AccountInventory, DatasetRecord

A, B = "111111111111", "222222222222"
PLAN = fingerprint({"datasets": ["trails"]})


def _account(account_id: str) -> AccountInventory:
    record = DatasetRecord(
        dataset="trails", region="us-east-1", data=[], collected_at=datetime.now(UTC)
    )
    return AccountInventory(
        info=AccountInfo(account_id=account_id),
        home_region="us-east-1",
        regions=("us-east-1",),
        records={"trails@us-east-1": record},
    )


def _store(tmp_path: Path) -> CheckpointStore:
    return CheckpointStore.for_output(tmp_path / "out")


def test_checkpoints_live_beside_the_output_directory(tmp_path: Path) -> None:
    directory = checkpoint_dir(tmp_path / "out")
    assert directory.parent == tmp_path
    assert directory.name.startswith(".out.")


def test_resume_takes_back_what_was_written(tmp_path: Path) -> None:
    store = _store(tmp_path)
    store.begin(PLAN, False, ())
    written = _account(A)
    store.write(written)
    store.close()
    again = _store(tmp_path)
    usable, problems = again.begin(PLAN, True, (A, B))
    assert usable == {A: written} and problems == []


def test_without_resume_old_checkpoints_are_removed(tmp_path: Path) -> None:
    store = _store(tmp_path)
    store.begin(PLAN, False, ())
    store.write(_account(A))
    store.close()
    usable, _ = _store(tmp_path).begin(PLAN, False, (A,))
    assert usable == {} and not (store.directory / f"{A}.json").exists()


@pytest.mark.parametrize("damage", ["binary", "other_plan", "other_account", "symlink", "huge"])
def test_a_checkpoint_that_does_not_verify_is_named_and_not_used(
    tmp_path: Path, damage: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = _store(tmp_path)
    store.begin("other" if damage == "other_plan" else PLAN, False, ())
    store.write(_account(B if damage == "other_account" else A))
    store.close()
    path = store.directory / f"{A}.json"
    if damage == "binary":
        path.write_bytes(bytes(range(256)) * 8)
    elif damage == "other_account":
        (store.directory / f"{B}.json").rename(path)
    elif damage == "symlink":
        target = tmp_path / "elsewhere.json"
        path.rename(target)
        path.symlink_to(target)
    elif damage == "huge":
        monkeypatch.setattr(checkpoint, "MAX_CHECKPOINT_BYTES", 100)
    usable, problems = _store(tmp_path).begin(PLAN, True, (A,))
    assert usable == {}
    assert len(problems) == 1 and A in problems[0]


def test_one_scan_at_a_time_and_leftovers_removed(tmp_path: Path) -> None:
    first = _store(tmp_path)
    first.begin(PLAN, False, ())
    with pytest.raises(OutputError):
        _store(tmp_path).begin(PLAN, True, ())
    leftover = first.directory / f".{A}.abc.tmp"
    leftover.write_text("{", encoding="utf-8")
    first.close()
    _store(tmp_path).begin(PLAN, True, ())
    assert not leftover.exists()


def test_clear_removes_the_directory(tmp_path: Path) -> None:
    store = _store(tmp_path)
    store.begin(PLAN, False, ())
    store.write(_account(A))
    store.clear()
    assert not store.directory.exists()


def test_only_account_ids_name_files(tmp_path: Path) -> None:
    store = _store(tmp_path)
    store.begin(PLAN, False, ())
    bad = _account(A).model_copy(update={"info": AccountInfo(account_id="../../etc")})
    with pytest.raises(ValueError):
        store.write(bad)
