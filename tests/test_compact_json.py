"""JSON text from pydantic-core's serializer: the json module's bytes, or the json module's way."""

from __future__ import annotations

import json
import random
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pydantic_core
import pytest

from reports import json_report
from reports.diff import BaselineInfo, Change, ChangeItem, ChangeSet
from reports.html import render_html
from reports.summary import ReportExtras, ScanMeta, summarize
from reports.writers import write_reports
from scanner.core.compact_json import dumps, encode, plain_floats, string_bytes
from scanner.core.findings import Finding
from tests.reports.factory import NOW, hostile_findings, make_finding

#: Floats of every exponent, the forms pydantic-core writes its own way among them.
FLOATS = [
    *(float(f"{m}e{e}") for e in range(-330, 308) for m in (1, 1.5, 9.87654321)),
    *(
        random.Random(7).uniform(-1, 1) * 10 ** random.Random(e).uniform(-12, 20)
        for e in range(500)
    ),
    0.0,
    -0.0,
    0.1,
    100.0,
    1 / 3,
]
TEXT = "".join(chr(c) for c in range(0x110000) if not 0xD800 <= c < 0xE000)


def test_values_are_the_json_module_s_text() -> None:
    values: list[Any] = [
        TEXT,
        [2**64 + 1, -(2**63) - 1, 0, True, False, None],
        {"k\x00\u2028": ["a", {"b": [1, "\x1f\x7f"]}], "": {}},
        *([f, {"x": [f]}] for f in FLOATS),
    ]
    for value in values:
        assert dumps(value) == encode(value)
    assert dumps(["kept", 1, "e-5 and NaN and 0.00001 as text"]) == encode(
        ["kept", 1, "e-5 and NaN and 0.00001 as text"]
    )
    assert string_bytes(TEXT) == len(json.dumps(TEXT, ensure_ascii=False).encode("utf-8"))


def test_what_the_json_module_refuses_it_still_refuses() -> None:
    for bad in (float("nan"), float("inf"), -float("inf")):
        with pytest.raises(ValueError):
            dumps({"x": [bad]})
        assert not plain_floats({"x": [bad]})
    with pytest.raises(UnicodeEncodeError):
        string_bytes("lone \ud800 surrogate")
    assert not plain_floats({"x": "lone \ud800 surrogate"})
    assert plain_floats({"x": [1.5, 2, "text"]}) and not plain_floats({"x": 1e-7})
    assert not plain_floats({"x": "1e-7"})  # looks like one: the json module's way


def _findings() -> list[Finding]:
    floats = {"exact": [1e-7, 1.5e-5, 0.1, 1e16, 2**70], "nested": {"ratio": 1 / 3}}
    made = hostile_findings()
    made += [
        make_finding(resource_id=f"r{n}", evidence={"value": f, "when": NOW, "n": n})
        for n, f in enumerate(FLOATS[::40])
    ]
    made.append(make_finding(resource_id="floats", evidence=floats))
    return made


def _reports(out: Path, findings: list[Finding], extras: ReportExtras) -> dict[str, bytes]:
    meta = _meta(findings)
    summary = summarize(findings, meta)
    paths = write_reports(out, ("json", "asff", "ocsf", "html"), findings, meta, summary, extras)
    files = {p.name: p.read_bytes() for p in paths if p.name != "report.html"}
    page = render_html(findings, meta, summary, generated_at=NOW, extras=extras)
    files["report.html"] = page.encode("utf-8")
    return files


def _meta(findings: list[Finding]) -> ScanMeta:
    return ScanMeta(
        scan_id="scan-1",
        tool_version="0",
        started_at=NOW,
        finished_at=datetime(2026, 11, 1, 12, 1, tzinfo=UTC),
        regions=sorted({f.region for f in findings}),
        check_ids=sorted({f.check_id for f in findings}),
    )


def _marked(findings: list[Finding]) -> ReportExtras:
    """A baseline comparison that marks one finding new (every other one: unchanged)."""
    new = findings[1]
    item = ChangeItem(
        id=new.id,
        change=Change.NEW,
        check_id=new.check_id,
        severity=new.severity,
        account_id=new.account_id,
        region=new.region,
        status=new.status,
    )
    changes = ChangeSet(baseline=BaselineInfo(path="old"), counts={Change.NEW: 1}, items=(item,))
    return ReportExtras(changes=changes)


def test_every_report_is_the_json_module_s_bytes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    findings = _findings()
    fast = _reports(tmp_path / "fast", findings, ReportExtras())
    fast_marked = _reports(tmp_path / "fast-marked", findings, _marked(findings))

    def refused(*_: Any, **__: Any) -> bytes:
        raise pydantic_core.PydanticSerializationError("no")

    monkeypatch.setattr(pydantic_core, "to_json", refused)
    monkeypatch.setattr(json_report, "plain_floats", lambda _: False)
    slow = _reports(tmp_path / "slow", findings, ReportExtras())
    slow_marked = _reports(tmp_path / "slow-marked", findings, _marked(findings))
    assert fast.keys() == slow.keys() == fast_marked.keys() and len(fast) == 4
    for name, data in fast.items():
        assert data == slow[name], name
        assert fast_marked[name] == slow_marked[name], name
    assert fast_marked["findings.json"].count(b'"change":"new"') == 1
    assert b"1e-07" in fast["findings.json"] and b"1.5e-05" in fast["findings.json"]


def test_a_non_finite_float_in_evidence_is_null_as_before(tmp_path: Path) -> None:
    findings = [make_finding(evidence={"x": float("nan"), "y": [float("inf")]})]
    meta = _meta(findings)
    write_reports(tmp_path, ("json",), findings, meta, summarize(findings, meta))
    document = json.loads((tmp_path / "findings.json").read_text(encoding="utf-8"))
    assert document["findings"][0]["evidence"] == {"x": None, "y": [None]}
