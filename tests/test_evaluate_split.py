"""Evaluation and report writing on two cores: the same findings and the same bytes as on one."""

from __future__ import annotations

import sys
from collections.abc import Callable
from datetime import UTC, datetime, timedelta, tzinfo
from pathlib import Path
from typing import Any

import pytest

from reports import html, writers
from reports.pdf import PdfError
from reports.summary import ReportExtras, ScanMeta, summarize
from reports.writers import BESIDE, write_reports
from scanner.core import evaluate_split, forked
from scanner.core.datasets.cloudtrail import TRAILS
from scanner.core.evaluate import evaluate
from scanner.core.evaluate_split import evaluate_all
from scanner.core.findings import Finding
from scanner.core.formats import FORMATS
from scanner.core.frameworks import Frameworks
from scanner.core.inventory import Inventory
from scanner.core.registry import all_checks
from tests.builders import MGMT, NOW
from tests.checks.trails import inventory, list_trails, seed, stopped, trail

WRITTEN = tuple(f for f in FORMATS if f != "pdf")


def _organization(accounts: int = 7) -> Inventory:
    b = inventory()
    seed(b.account(MGMT), trail("org", MGMT, org=True))
    for n in range(1, accounts):
        account = f"{100000000000 + n:012d}"
        acct = b.account(account)
        if n % 5 == 4:
            acct.fail(TRAILS)
        elif n % 5 == 3:
            list_trails(acct)
        else:
            made = trail(f"t{n}", account, log_file_validation_enabled=n % 2 == 0)
            seed(acct, made, status={made.arn: stopped()} if n % 5 == 2 else None)
    return b.build()


@pytest.fixture(autouse=True)
def forking(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fork even when earlier tests left threads in this process (servers): the children here
    take no lock those threads use."""
    monkeypatch.setattr(forked, "can_fork", lambda: True)
    monkeypatch.setattr(evaluate_split, "can_fork", lambda: True)


def _forks(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Counts the worker processes started from now on."""
    started: list[int] = []
    real = forked.Forked.__init__

    def counted(self: forked.Forked[Any], fn: Callable[[], Any]) -> None:
        real(self, fn)
        started.append(1)

    monkeypatch.setattr(forked.Forked, "__init__", counted)
    return started


def _one_core(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(forked, "can_fork", lambda: False)
    monkeypatch.setattr(evaluate_split, "can_fork", lambda: False)


def test_both_halves_give_the_findings_of_one_evaluation_in_its_order(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    inv = _organization()
    one = list(evaluate(inv, all_checks(), Frameworks.load()))
    started = _forks(monkeypatch)
    split = evaluate_all(inv, all_checks())
    assert started == [1]
    assert len({f.account_id for f in one}) == 7
    assert [f.id for f in split] == [f.id for f in one] and split == one
    for ours, theirs in zip(split, one, strict=True):
        assert list(ours.__dict__.items()) == list(theirs.__dict__.items())
        # the worker's findings are held as compactly as this process's own
        assert sys.getsizeof(ours.__dict__) == sys.getsizeof(theirs.__dict__)
        assert ours.__pydantic_fields_set__ is theirs.__pydantic_fields_set__
    _one_core(monkeypatch)
    assert evaluate_all(inv, all_checks()) == one


class _Clock(datetime):
    @classmethod
    def now(cls, tz: tzinfo | None = None) -> _Clock:
        return cls(2026, 11, 1, 12, 0, 9, tzinfo=UTC)


def _write(out: Path, findings: list[Finding], inv: Inventory) -> dict[str, bytes]:
    meta = ScanMeta.from_inventory(
        inv, checks=[c.id for c in all_checks()], finished_at=NOW + timedelta(seconds=5)
    )
    summary = summarize(findings, meta, Frameworks.load().items, all_checks())
    paths = write_reports(out, WRITTEN, findings, meta, summary, ReportExtras())
    assert [p.name for p in paths][:3] == [
        "findings.json",
        "findings.asff.json",
        "findings.ocsf.json",
    ]
    return {p.name: p.read_bytes() for p in paths}


def test_formats_written_beside_are_the_same_files_in_the_same_order(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(html, "datetime", _Clock)  # "report generated" at the same second
    inv = _organization(3)
    findings = evaluate_all(inv, all_checks())
    started = _forks(monkeypatch)
    two = _write(tmp_path / "two", findings, inv)
    assert started == [1]
    _one_core(monkeypatch)
    one = _write(tmp_path / "one", findings, inv)
    assert list(two) == list(one) and BESIDE & set(WRITTEN)
    for name, data in two.items():
        assert data == one[name], name


def test_a_pdf_that_cannot_be_printed_is_raised_once_every_other_file_is_written(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def no_pdf(*_: object) -> Path:
        raise PdfError("no renderer")

    monkeypatch.setitem(writers._EXTRAS_WRITERS, "pdf", no_pdf)
    inv = _organization(3)
    findings = evaluate_all(inv, all_checks())
    meta = ScanMeta.from_inventory(inv, checks=[c.id for c in all_checks()], finished_at=NOW)
    summary = summarize(findings, meta, Frameworks.load().items, all_checks())
    formats = ("json", "asff", "html", "pdf")
    with pytest.raises(PdfError):
        write_reports(tmp_path, formats, findings, meta, summary)
    written = {p.name for p in tmp_path.iterdir()}
    assert {"findings.json", "findings.asff.json", "report.html"} <= written
    told: list[PdfError] = []
    paths = write_reports(tmp_path, formats, findings, meta, summary, on_pdf_error=told.append)
    assert len(told) == 1 and "report.pdf" not in {p.name for p in paths}
