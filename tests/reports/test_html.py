"""report.html: self-contained (no external resources), hostile strings escaped, data parses."""

from __future__ import annotations

import base64
import hashlib
import json
import re
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

from reports.html import PASS_GROUP_THRESHOLD, render_html, write_html
from reports.summary import ScannedAccount, summarize
from reports.text import safe_url
from scanner.findings import Finding
from scanner.model import Status
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
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert html.lower().count("<script") == 2  # the JSON data block and the page script
    assert "javascript:" not in [a.get("href") for _, a in _parse(html).tags]
    assert 'href="javascript:' not in html
    assert "{{ 7*7 }}" in html  # data is never evaluated as a template
    assert NON_ASCII in html


def test_script_data_parses_and_scripts_match_the_csp() -> None:
    hostile_account = ScannedAccount(account_id="999999999999", name=f"{HOSTILE} ' & \"")
    html = _render(accounts=(hostile_account,))
    parsed = _parse(html)
    (data_attrs, data_text), (code_attrs, code_text) = parsed.scripts
    assert data_attrs == {"type": "application/json", "id": "tw-data"}
    data = json.loads(data_text)
    assert data["total"] == len(hostile_findings())
    assert {a["id"] for a in data["accounts"]} >= {"999999999999", "222222222222"}
    assert any(a["name"] == hostile_account.name for a in data["accounts"])
    assert "</script" not in data_text
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


def _bodies(html: str) -> list[dict[str, Any]]:
    return [a for tag, a in _parse(html).tags if tag == "tbody" and a.get("class") == "finding"]


def test_every_finding_has_a_row_and_details() -> None:
    findings = hostile_findings()
    html = _render(findings)
    bodies = _bodies(html)
    assert len(bodies) == len(findings)
    assert sorted(b["data-status"] for b in bodies) == sorted(f.status.value for f in findings)
    assert html.count('<tr class="detail">') == len(findings)
    assert "AccessDenied" in html  # errors shown
    assert "arn:aws:s3:::related-39" in html  # all related resources, not only the first 32
    assert f'href="{DOCS_URL}"' in html
    assert '<details class="pass-group"' not in html


def test_many_passes_are_grouped_behind_a_toggle() -> None:
    passes = [
        make_finding(
            status=Status.PASS,
            resource_id=f"arn:aws:cloudtrail:us-east-1:111111111111:trail/t{i}",
        )
        for i in range(PASS_GROUP_THRESHOLD + 1)
    ]
    findings = [*hostile_findings(), *passes]
    html = _render(findings)
    assert len(_bodies(html)) == len(findings)
    main, grouped = html.split('<details class="pass-group" id="pass-group">')
    assert 'data-status="PASS"' not in main.split('id="findings-main"')[1]
    assert grouped.count('data-status="PASS"') == PASS_GROUP_THRESHOLD + 2


def test_safe_url() -> None:
    assert safe_url(DOCS_URL) == DOCS_URL
    assert safe_url("http://example.com/x") == "http://example.com/x"
    for bad in ("javascript:alert(1)", "data:text/html,x", "//evil", "https://a b", "", None):
        assert safe_url(bad) is None


def test_write_html_is_atomic_and_utf8(tmp_path: Path) -> None:
    findings = hostile_findings()
    meta = make_meta()
    path = write_html(tmp_path / "report.html", findings, meta, summarize(findings, meta))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report.html"]
    assert NON_ASCII in path.read_text(encoding="utf-8")
