"""One finding Id everywhere: findings.json, ASFF, OCSF and report.html (as the page shows it in
Chromium) carry the same Id for every finding of the demo Organization's scan."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from reports.summary import summarize
from reports.writers import write_reports
from scanner.core.findings import ID_FORMAT, Finding, finding_id, parse_finding_id
from scanner.core.frameworks import Frameworks
from scanner.core.registry import all_checks
from tests.browser.cdp import chromium
from tests.integration.conftest import Demo
from tests.reports.factory import make_meta

#: An Id of another shape (an imported or older finding): shown as it is, never rebuilt.
FOREIGN_ID = "arn:aws:securityhub:us-east-1:111111111111:finding/imported-1"


def _html_ids(path: Path) -> list[str]:
    """Every finding Id the page shows: ungrouped, all pages drawn, read from the rows."""
    with chromium() as page:
        page.goto(path.resolve().as_uri())
        assert page.evaluate("document.documentElement.dataset.twReady") == "1"
        page.evaluate("document.getElementById('f-group').click()")  # ungroup
        for _ in range(100):
            if not page.evaluate(
                "(() => { const b = document.querySelector('#findings-body button.more');"
                " if (b) { b.click(); } return !!b; })()"
            ):
                break
        ids: list[str] = page.evaluate(
            "Array.from(document.querySelectorAll('#findings-body tr.main'))"
            ".map(r => r.dataset.findingId)"
        )
        assert page.log.problems == []
    return ids


def _ids(docs: list[dict[str, Any]], key: str) -> list[str]:
    return sorted(str(d[key]) for d in docs)


def test_ids_agree_in_json_asff_ocsf_and_html(demo: Demo, tmp_path: Path) -> None:
    findings: list[Finding] = list(demo.baseline)
    findings.append(findings[0].model_copy(update={"id": FOREIGN_ID}))
    expected = sorted(f.id for f in findings)
    assert len(set(expected)) == len(expected) > 100

    meta = make_meta(accounts=(), regions=(), check_ids=())
    summary = summarize(findings, meta, Frameworks.load().items, all_checks())
    write_reports(tmp_path, ("json", "asff", "ocsf", "html"), findings, meta, summary)

    doc = json.loads((tmp_path / "findings.json").read_text(encoding="utf-8"))
    assert _ids(doc["findings"], "id") == expected
    asff = json.loads((tmp_path / "findings.asff.json").read_text(encoding="utf-8"))
    assert _ids(asff, "Id") == expected
    ocsf = json.loads((tmp_path / "findings.ocsf.json").read_text(encoding="utf-8"))
    assert sorted(d["finding_info"]["uid"] for d in ocsf) == expected
    assert sorted(_html_ids(tmp_path / "report.html")) == expected


def test_an_id_is_read_back_into_its_fields() -> None:
    made = finding_id("CloudTrail/odd.1", "111111111111", "eu-west-1", "arn:aws:s3:::b")
    parts = parse_finding_id(made)
    assert parts is not None
    assert (parts.account, parts.region, parts.check) == (
        "111111111111",
        "eu-west-1",
        "CloudTrail/odd.1",
    )
    assert ID_FORMAT.format(**parts._asdict()) == made
    assert parse_finding_id(FOREIGN_ID) is None
