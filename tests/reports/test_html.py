"""report.html: self-contained (no external resources), hostile strings escaped, data parses."""

from __future__ import annotations

import base64
import hashlib
import json
import re
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

from reports.html import DATA_BUDGET, render_html, write_html
from reports.summary import ScannedAccount, summarize
from reports.text import safe_url
from scanner.core.findings import Finding
from scanner.core.model import Status
from tests.reports.factory import (
    DOCS_URL,
    HOSTILE,
    NON_ASCII,
    RUNBOOK_URL,
    hostile_findings,
    make_finding,
    make_meta,
)


class _Collector(HTMLParser):
    """Every tag with its attributes, and the text of every <script>."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.scripts: list[tuple[dict[str, str | None], str]] = []
        self.styles: list[str] = []
        self._open: tuple[str, dict[str, str | None]] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        if tag in ("script", "style"):
            self._open = (tag, dict(attrs))
            self._text: list[str] = []

    def handle_data(self, data: str) -> None:
        if self._open is not None:
            self._text.append(data)

    def handle_endtag(self, tag: str) -> None:
        if self._open is not None and tag == self._open[0]:
            text = "".join(self._text)
            if tag == "script":
                self.scripts.append((self._open[1], text))
            else:
                self.styles.append(text)
            self._open = None


def _render(
    findings: list[Finding] | None = None, complete: bool = True, **meta_fields: Any
) -> str:
    findings = hostile_findings() if findings is None else findings
    meta = make_meta(complete=complete, **meta_fields)
    return render_html(findings, meta, summarize(findings, meta))


def _parse(html: str) -> _Collector:
    parser = _Collector()
    parser.feed(html)
    parser.close()
    return parser


def test_no_external_resources() -> None:
    html = _render()
    parsed = _parse(html)
    for tag, attrs in parsed.tags:
        assert "src" not in attrs, tag
        assert "srcset" not in attrs and "style" not in attrs, tag
        if "href" in attrs:
            assert tag == "a", tag
            href = attrs["href"] or ""
            assert href.startswith("#") or href in (DOCS_URL, RUNBOOK_URL), href
    assert not any(tag in ("link", "img", "iframe", "object", "embed") for tag, _ in parsed.tags)
    for style in parsed.styles:
        assert "url(" not in style and "@import" not in style
    lowered = html.lower()
    assert "<link" not in lowered and "@import" not in lowered and "url(" not in lowered
    # Every absolute URL in the document is one of the remediation documentation links.
    urls = set(re.findall(r"https?://[^\s\"'<>)]+", html))
    assert urls == {DOCS_URL, RUNBOOK_URL}


def test_hostile_strings_are_escaped() -> None:
    html = _render()
    assert HOSTILE not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html  # server-rendered text: escaped
    assert "\\u003cscript\\u003ealert(1)\\u003c/script\\u003e" in html  # data: JSON escapes
    assert html.lower().count("<script") == 2  # the JSON data block and the page script
    assert "javascript:" not in [a.get("href") for _, a in _parse(html).tags]
    assert 'href="javascript:' not in html
    assert "{{ 7*7 }}" in html  # data is never evaluated as a template
    assert NON_ASCII in html


def _data(html: str) -> dict[str, Any]:
    (data_attrs, data_text), _code = _parse(html).scripts
    assert data_attrs == {"type": "application/json", "id": "tw-data"}
    assert "</" not in data_text and "<!--" not in data_text
    result: dict[str, Any] = json.loads(data_text)
    return result


def _rows(data: dict[str, Any]) -> list[dict[str, Any]]:
    """The findings rows by field name, as the page script reads them (names and defaults from
    the data itself)."""
    names, defaults = data["fields"]["row"], data["fields"]["rowDefaults"]
    return [
        {n: row[i] if i < len(row) else defaults[i] for i, n in enumerate(names)}
        for row in data["findings"]
    ]


def _named(data: dict[str, Any], table: str) -> list[dict[str, Any]]:
    return [dict(zip(data["fields"][table], entry, strict=True)) for entry in data[table + "s"]]


def test_script_data_parses_and_scripts_match_the_csp() -> None:
    hostile_account = ScannedAccount(account_id="999999999999", name=f"{HOSTILE} ' & \"")
    html = _render(accounts=(hostile_account,))
    parsed = _parse(html)
    data = _data(html)
    assert data["total"] == len(hostile_findings()) == len(data["findings"])
    accounts = _named(data, "account")
    ids = {a["id"] for a in accounts}
    assert {"222222222222", "333333333333"} <= ids
    assert [a["id"] for a in accounts].count("111111111111") == 1
    (_, (code_attrs, code_text)) = parsed.scripts
    assert code_attrs == {}

    csp = next(
        attrs["content"] or ""
        for tag, attrs in parsed.tags
        if tag == "meta" and attrs.get("http-equiv") == "Content-Security-Policy"
    )
    assert "default-src 'none'" in csp

    def digest(text: str) -> str:
        return base64.b64encode(hashlib.sha256(text.encode()).digest()).decode()

    assert f"'sha256-{digest(code_text)}'" in csp
    for style in parsed.styles:
        assert f"'sha256-{digest(style)}'" in csp


def test_summary_and_banners() -> None:
    incomplete = _render(complete=False)
    assert "Incomplete scan" in incomplete
    complete = _render()
    assert "Incomplete scan" not in complete and "with gaps" in complete
    assert "SUSPENDED" in complete  # skipped account listed with its status
    clean = _render([make_finding(status=Status.PASS)], skipped_accounts=())
    assert "Scan complete." in clean


def test_scan_metadata_is_shown() -> None:
    meta = make_meta()
    html = _render()
    for account in meta.accounts:
        assert account.account_id in html
    for region in meta.regions:
        assert f"<li>{region}</li>" in html
    for check_id in meta.check_ids:
        assert f"<li>{check_id}</li>" in html
    assert "assumed-role/Auditor/&lt;script&gt;" in html  # the caller ARN, escaped
    assert meta.tool_version in html and meta.scan_id in html
    assert "2026-11-01 11:56:58 UTC" in html and "2026-11-01 12:00:05 UTC" in html


def test_every_finding_is_in_the_data_with_its_details() -> None:
    findings = hostile_findings()
    data = _data(_render(findings))
    rows = _rows(data)
    statuses = sorted(data["statuses"][r["status"]] for r in rows)
    assert statuses == sorted(f.status.value for f in findings)
    hostile = next(r for r in rows if data["severities"][r["severity"]] == "CRITICAL")
    assert len(hostile["related"]) == 40  # every related resource, not only the first 32
    error = next(r for r in rows if r["errors"])
    code = data["fields"]["error"].index("code")
    assert error["errors"][0][code] == "AccessDenied"
    urls = {c["url"] for c in _named(data, "check")}
    assert DOCS_URL in urls and "javascript:alert(1)" not in urls
    # the finding id is rebuilt from its parts
    assert {r["idPart"] for r in rows} == {f.id.rsplit("/", 1)[1] for f in findings}


def test_many_findings_stay_small() -> None:
    findings = [
        make_finding(
            status=Status.PASS if i % 3 else Status.FAIL,
            account_id=f"{100000000000 + i % 300:012d}",
            resource_id=f"arn:aws:s3:::bucket-{i}",
            evidence={"policy": "p" * 3000, "i": i},
        )
        for i in range(5000)
    ]
    html = _render(findings)
    data = _data(html)
    assert len(data["findings"]) == 5000
    assert len(html.encode()) < DATA_BUDGET + 2_000_000
    # passing evidence is left out first; failing evidence is kept
    states = {(r["status"], r["evidenceState"]) for r in _rows(data)}
    pass_index = data["statuses"].index("PASS")
    assert all(state == 2 for status, state in states if status == pass_index)
    assert all(state == 0 for status, state in states if status != pass_index)
    assert "evidence of" in html  # the banner says so


def test_frameworks_section_lists_requirements() -> None:
    from scanner.core.frameworks import Frameworks

    fw = Frameworks.load().select(["cis-5.0"])
    findings = hostile_findings()
    meta = make_meta()
    checks = [_Check("cloudtrail_log_file_validation", "CloudTrail.4", "validation")]
    html = render_html(findings, meta, summarize(findings, meta, fw, checks))
    assert 'id="fw-cis-5.0"' in html
    assert "Ensure CloudTrail log file validation is enabled" in html
    assert 'data-checks="cloudtrail_log_file_validation"' in html  # drill-down to the findings


def test_write_html_is_atomic_and_utf8(tmp_path: Path) -> None:
    findings = hostile_findings()
    meta = make_meta()
    path = write_html(tmp_path / "report.html", findings, meta, summarize(findings, meta))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report.html"]
    assert NON_ASCII in path.read_text(encoding="utf-8")


class _Check:
    def __init__(self, check_id: str, control_id: str | None, title: str) -> None:
        self.id = check_id
        self.control_id = control_id
        self.title = title


def test_safe_url() -> None:
    assert safe_url(DOCS_URL) == DOCS_URL
    assert safe_url("http://example.com/x") == "http://example.com/x"
    for bad in ("javascript:alert(1)", "data:text/html,x", "//evil", "https://a b", "", None):
        assert safe_url(bad) is None


def test_over_the_budget_the_rows_are_rendered_at_most_twice(monkeypatch: Any) -> None:
    """The shrink step is chosen from sizes: not one full re-render per step (was up to 6)."""
    import reports.html as html_module

    findings = [
        make_finding(
            status=Status.FAIL,
            resource_id=f"arn:aws:s3:::bucket-{i}",
            evidence={"policy": "q" * 4000, "i": i},
        )
        for i in range(3000)
    ]
    calls = 0
    real = html_module._evidence

    def counting(text: str, cap: int) -> tuple[str, int]:
        nonlocal calls
        calls += 1
        return real(text, cap)

    monkeypatch.setattr(html_module, "_evidence", counting)
    data = _data(_render(findings))
    assert calls <= 2 * len(findings)
    # failing evidence over the budget is cut to the first step that fits (2,000 characters)
    states = {r["evidenceState"] for r in _rows(data)}
    assert states == {1}


def test_rows_spilled_to_a_temporary_file_give_the_same_page(
    tmp_path: Path, monkeypatch: Any
) -> None:
    """Rows past DATA_BUDGET characters wait in a temporary file: the page is the same, and
    write_html streams it (the same bytes as render_html's one string)."""
    import reports.html as html_module

    findings = [
        make_finding(
            status=Status.FAIL if i % 2 else Status.PASS,
            resource_id=f"arn:aws:s3:::bucket-{i}-{NON_ASCII}",
            evidence={"i": i},
        )
        for i in range(200)
    ]
    meta = make_meta()
    summary = summarize(findings, meta)
    generated = make_meta().finished_at
    in_memory = html_module.render_html(findings, meta, summary, generated_at=generated)
    spilled: list[bool] = []

    class SmallRows(html_module._Rows):
        memory_limit = 100  # a real file after 100 characters

        def chunks(self) -> Any:
            spilled.append(getattr(self._file, "_rolled"))  # noqa: B009 - private in typeshed
            return super().chunks()

    monkeypatch.setattr(html_module, "_Rows", SmallRows)
    assert html_module.render_html(findings, meta, summary, generated_at=generated) == in_memory
    assert spilled == [True]
    assert len(_data(in_memory)["findings"]) == 200
    path = tmp_path / "report.html"
    html_module.write_html(path, findings, meta, summary)
    written = path.read_text(encoding="utf-8")
    assert _data(written) == _data(in_memory)
