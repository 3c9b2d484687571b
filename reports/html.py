"""report.html: one self-contained, offline HTML file (inline CSS and JS, no external resources).

Summary, changes since a baseline, per-framework status, suppressions and the check catalogue
are plain HTML. The findings table is drawn by the page script from one compact JSON block
(shared strings are stored once: checks, accounts, regions, resource types), a page at a time, so
20,000 findings stay a file of a few MB that opens in a second. Passing findings are grouped per
check. The embedded finding data has a size budget: over it, passing findings' evidence and then
long evidence are left out of the HTML (findings.json always holds all of it).
"""

from __future__ import annotations

import base64
import hashlib
import json
import tempfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined
from markupsafe import Markup

from reports.console import coverage_text
from reports.diff import CHANGE_ORDER, Change, ChangeItem
from reports.overview import build_matrix, build_overview, score_text
from reports.summary import (
    REQUIREMENT_ORDER,
    SEVERITY_ORDER,
    STATUS_ORDER,
    ReportExtras,
    ScanMeta,
    ScanSummary,
)
from reports.text import evidence_json, safe_url, truncate
from scanner.core.atomic import write_chunks_atomic
from scanner.core.compact_json import dumps, string_bytes
from scanner.core.findings import ID_FORMAT, Finding, parse_finding_id
from scanner.core.logsource_inventory import LogSourceInventory
from scanner.core.model import Status

TEMPLATE = "report.html.j2"
#: Bytes of embedded finding data (rows) above which evidence is left out, passing first.
DATA_BUDGET = 10_000_000
#: Evidence per finding in the HTML (characters of compact JSON); findings.json has all of it.
MAX_EVIDENCE = 20_000
MAX_PASS_EVIDENCE = 4_000
_ALL = 10**9
#: Caps applied in order while the data is over budget: (pass evidence, other evidence, reason).
SHRINK_STEPS: tuple[tuple[int, int, int], ...] = (
    (_ALL, _ALL, _ALL),
    (MAX_PASS_EVIDENCE, MAX_EVIDENCE, 4_000),
    (0, MAX_EVIDENCE, 4_000),
    (0, 2_000, 1_000),
    (0, 300, 300),
    (0, 0, 200),
)
MAX_RESOURCE = 2_048
#: Change rows listed in the changes section; the rest through the table's Change filter.
MAX_CHANGE_ROWS = 500
#: Log sources listed in the log-sources section; log-sources.csv and findings.json hold all.
MAX_LOG_SOURCE_ROWS = 2_000

EVIDENCE_FULL, EVIDENCE_CUT, EVIDENCE_OMITTED = 0, 1, 2


@cache
def _environment() -> Environment:
    env = Environment(
        loader=PackageLoader("templates", "."),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["ts"] = _timestamp
    env.filters["pct"] = _percent
    env.filters["score"] = score_text
    env.filters["coverage"] = coverage_text
    return env


@cache
def _asset(name: str) -> str:
    return resources.files("templates").joinpath(name).read_text(encoding="utf-8")


def _csp_hash(text: str) -> str:
    digest = hashlib.sha256(text.encode("utf-8")).digest()
    return "'sha256-" + base64.b64encode(digest).decode("ascii") + "'"


def _timestamp(moment: datetime | None) -> str:
    if moment is None:
        return "-"
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def _percent(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.1f}%"


def _anchor(check_id: str) -> str:
    """A stable, HTML-id-safe anchor for a check."""
    safe = "".join(ch if ch.isascii() and (ch.isalnum() or ch in "-_") else "-" for ch in check_id)
    digest = hashlib.sha256(check_id.encode("utf-8")).hexdigest()[:8]
    return f"check-{safe}-{digest}"


def _script_json(value: Any) -> str:
    """JSON that is safe inside <script type="application/json"> (no `</script`, no `<!--`)."""
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    return _escape_script(text)


def _escape_script(text: str) -> str:
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


@dataclass
class _Index:
    """Strings stored once in the page data, referred to by position."""

    items: list[Any] = field(default_factory=list)
    positions: dict[Any, int] = field(default_factory=dict)

    def of(self, key: Any, value: Any = None) -> int:
        pos = self.positions.get(key)
        if pos is None:
            pos = len(self.items)
            self.positions[key] = pos
            self.items.append(key if value is None else value)
        return pos


def _sort_key(f: Finding, marks: dict[str, Change] | None) -> tuple[Any, ...]:
    change = CHANGE_ORDER.index(marks.get(f.id, Change.UNCHANGED)) if marks is not None else 0
    return (
        change,
        STATUS_ORDER.index(f.status),
        SEVERITY_ORDER.index(f.severity),
        (f.control_id or f.check_id).lower(),
        f.account_id,
        f.region,
        f.resource.id,
    )


#: The fields of a findings row in the page data, in order, and the value a row leaves out when
#: it ends with it (None: always present). The page gets the names and defaults with the data and
#: reads every field by name; indexes point into the page's shared tables (checks, accounts, ...).
ROW_FIELDS: tuple[tuple[str, Any], ...] = (
    ("check", None),  # index into checks
    ("status", None),  # index into statuses
    ("severity", None),  # index into severities
    ("account", None),  # index into accounts
    ("region", None),  # index into regions
    ("type", None),  # index into types (the resource's type)
    ("resource", None),  # the resource id
    ("reason", None),
    ("evidence", None),  # compact JSON, possibly cut: see evidenceState
    ("evidenceState", None),  # EVIDENCE_FULL, EVIDENCE_CUT or EVIDENCE_OMITTED
    ("idPart", None),  # the Id's digest (the page fills idFormat), or "!" and the whole Id
    ("reasonCode", ""),
    ("related", []),  # [type index, id, region] per related resource: RELATED_FIELDS
    ("errors", []),  # ERROR_FIELDS per failed call
    ("time", 0),  # index into times (when the data was collected)
    ("rule", -1),  # index into rules (the suppression), -1 when not suppressed
    ("verdict", -1),  # index into statuses: the check's verdict when suppressed, else -1
    ("change", -1),  # index into changes, -1 without a baseline
)
ROW_NAMES = tuple(name for name, _ in ROW_FIELDS)
_ROW_REQUIRED = sum(1 for _, default in ROW_FIELDS if default is None)
RELATED_FIELDS = ("type", "id", "region")
ERROR_FIELDS = ("operation", "iamAction", "region", "code", "message")
CHECK_FIELDS = ("id", "label", "title", "anchor", "remediation", "url")
ACCOUNT_FIELDS = ("id", "name", "ou")
RULE_FIELDS = ("rule", "check", "reason", "owner", "expires")


def _packed(names: Sequence[str], **values: Any) -> list[Any]:
    """`values` as a list in the order of `names` (exactly those), as the page data stores them."""
    if set(values) != set(names):
        raise ValueError(f"fields {sorted(values)} are not {sorted(names)}")
    return [values[name] for name in names]


def _row(values: dict[str, Any]) -> list[Any]:
    """`values` (every ROW_FIELDS name) in ROW_FIELDS order, trailing defaults left out."""
    row = list(values.values()) if tuple(values) == ROW_NAMES else _packed(ROW_NAMES, **values)
    while len(row) > _ROW_REQUIRED and row[-1] == ROW_FIELDS[len(row) - 1][1]:
        row.pop()
    return row


def _id_part(f: Finding) -> str:
    """The finding Id's digest when the Id is ID_FORMAT's of the finding's own account, region
    and check (the page fills in ID_FORMAT), else the whole Id after a `!`."""
    parts = parse_finding_id(f.id)
    if parts is not None and (parts.account, parts.region, parts.check) == (
        f.account_id,
        f.region,
        f.check_id,
    ):
        return parts.digest
    return "!" + f.id


class _Rows:
    """The findings rows of the page data, joined by commas: in memory up to DATA_BUDGET
    characters, then in a temporary file (memory stays flat whatever the number of findings)."""

    memory_limit = DATA_BUDGET

    def __init__(self) -> None:
        self._file = tempfile.SpooledTemporaryFile(  # noqa: SIM115 - closed by close()
            max_size=self.memory_limit, mode="w+", encoding="utf-8", newline=""
        )
        self.count = 0

    def add(self, row: str) -> None:
        if self.count:
            self._file.write(",")
        self._file.write(row)
        self.count += 1

    def chunks(self) -> Iterator[str]:
        self._file.seek(0)
        while chunk := self._file.read(1 << 20):
            yield chunk

    def close(self) -> None:
        self._file.close()


@dataclass
class _PageData:
    """Everything the page script needs, and the check catalogue for the template."""

    meta: dict[str, Any]
    rows: _Rows
    checks: dict[str, Finding]
    anchors: dict[str, str]
    evidence_omitted: int = 0
    evidence_cut: int = 0

    def script(self) -> Iterator[str]:
        """The page data's JSON, in pieces."""
        head = _script_json(self.meta)  # a non-empty object: "{...}"
        yield head[:-1] + ',"findings":['
        yield from self.rows.chunks()
        yield "]}"


def _evidence(text: str, cap: int) -> tuple[str, int]:
    """Evidence JSON `text` within `cap` characters, and whether it is whole, cut or left out."""
    if not text:
        return "", EVIDENCE_FULL
    if cap <= 0:
        return "", EVIDENCE_OMITTED
    if len(text) <= cap:
        return text, EVIDENCE_FULL
    return truncate(text, cap), EVIDENCE_CUT


def _encoded(text: str) -> int:
    """Bytes of `text` as a JSON string in the page."""
    return string_bytes(text)


def _shrink_step(sizes: Sequence[tuple[bool, int, int, int, int]], whole: int) -> int:
    """The first SHRINK_STEPS entry whose rows are estimated to fit DATA_BUDGET, from the sizes
    of the whole rows (`whole` bytes): linear in the findings, no row is rendered.

    `sizes` holds, per finding: (passed, characters of its evidence JSON, bytes of that as a JSON
    string in the page (0 when there is none), characters of its reason, bytes of the reason).
    """
    fixed = whole - sum(enc_ev + enc_reason for _, _, enc_ev, _, enc_reason in sizes)
    for step, (pass_cap, other_cap, reason_cap) in enumerate(SHRINK_STEPS):
        total = fixed
        for passed, ev_len, enc_ev, reason_len, enc_reason in sizes:
            cap = pass_cap if passed else other_cap
            if ev_len and cap > 0:
                total += enc_ev if ev_len <= cap else -(-enc_ev * cap // ev_len) + 2
            total += (
                enc_reason
                if reason_len <= reason_cap
                else -(-enc_reason * reason_cap // reason_len) + 2
            )
        if total <= DATA_BUDGET:
            return step
    return len(SHRINK_STEPS) - 1


def _build(
    ordered: Sequence[Finding],
    marks: dict[str, Change] | None,
    meta: ScanMeta,
    summary: ScanSummary,
) -> _PageData:
    checks = _Index()
    accounts = _Index()
    regions = _Index()
    types = _Index()
    times = _Index()
    rules = _Index()
    catalogue: dict[str, Finding] = {}
    anchors: dict[str, str] = {}
    names = {a.account_id: a.name for a in meta.accounts}
    for acct in summary.accounts:
        names.setdefault(acct.account_id, acct.name)
    for f in ordered:
        if f.check_id not in catalogue:
            catalogue[f.check_id] = f
            anchors[f.check_id] = _anchor(f.check_id)
    for chk in summary.checks:
        anchors.setdefault(chk.check_id, _anchor(chk.check_id))
    for acct in summary.accounts:  # filter choices in summary order (worst first)
        accounts.of(
            acct.account_id, _packed(ACCOUNT_FIELDS, id=acct.account_id, name=acct.name, ou="")
        )
    for region in summary.regions:
        regions.of(region.region)

    def check_pos(f: Finding) -> int:
        known = checks.positions.get(f.check_id)
        if known is not None:
            return known
        label = f.control_id or f.check_id
        url = safe_url(f.remediation_url) or ""
        return checks.of(
            f.check_id,
            _packed(
                CHECK_FIELDS,
                id=f.check_id,
                label=label,
                title=f.title,
                anchor=anchors[f.check_id],
                remediation=f.remediation,
                url=url,
            ),
        )

    name, ou = ACCOUNT_FIELDS.index("name"), ACCOUNT_FIELDS.index("ou")

    def account_pos(f: Finding) -> int:
        pos = accounts.positions.get(f.account_id)
        if pos is None:
            pos = accounts.of(
                f.account_id, _packed(ACCOUNT_FIELDS, id=f.account_id, name=f.account_name, ou="")
            )
        entry = accounts.items[pos]
        if not entry[name] and (f.account_name or names.get(f.account_id)):
            entry[name] = f.account_name or names.get(f.account_id, "")
        if not entry[ou] and f.ou_path:
            entry[ou] = " / ".join(f.ou_path)
        return pos

    stamps: dict[datetime, str] = {}

    def stamp(moment: datetime) -> str:
        text = stamps.get(moment)
        if text is None:
            text = stamps[moment] = _timestamp(moment)
        return text

    # Evidence JSON is made again for each rendering rather than kept for every finding: rows
    # stop at the budget, and only the sizes are kept to choose the shrink step.
    def rows_for(
        pass_cap: int,
        other_cap: int,
        reason_cap: int,
        budget: int | None = None,
        sizes: list[tuple[bool, int, int, int, int]] | None = None,
    ) -> tuple[_Rows | None, int, int, int]:
        """(the rows with these caps, evidence omitted, evidence cut, bytes); no rows (None)
        once they exceed `budget` bytes. `sizes` gets each finding's sizes (_shrink_step)."""
        rows: _Rows | None = _Rows()
        size = 0
        omitted = cut = 0
        for f in ordered:
            text = evidence_json(f.evidence) if f.evidence else ""
            reason = f.reason.strip()
            if sizes is not None:
                sizes.append(
                    (
                        f.verdict is Status.PASS,
                        len(text),
                        _encoded(text) if text else 0,
                        len(reason),
                        _encoded(reason),
                    )
                )
            cap = pass_cap if f.verdict is Status.PASS else other_cap
            evidence, state = _evidence(text, cap)
            omitted += state == EVIDENCE_OMITTED
            cut += state == EVIDENCE_CUT
            sup = f.suppression
            values = {
                "check": check_pos(f),
                "status": STATUS_ORDER.index(f.status),
                "severity": SEVERITY_ORDER.index(f.severity),
                "account": account_pos(f),
                "region": regions.of(f.region),
                "type": types.of(f.resource.type),
                "resource": truncate(f.resource.id, MAX_RESOURCE),
                "reason": truncate(reason, reason_cap),
                "evidence": evidence,
                "evidenceState": state,
                "idPart": _id_part(f),
                "reasonCode": f.reason_code or "",
                "related": [  # in RELATED_FIELDS order, and the errors in ERROR_FIELDS order
                    [types.of(r.type), r.id, r.region or ""] for r in f.related_resources
                ],
                "errors": [
                    [e.operation, e.iam_action, e.region or "", e.code, e.message] for e in f.errors
                ],
                "time": times.of(stamp(f.collected_at)),
                "rule": rules.of(
                    sup.rule,
                    _packed(
                        RULE_FIELDS,
                        rule=sup.rule,
                        check=sup.check,
                        reason=sup.reason,
                        owner=sup.owner,
                        expires=sup.expires.isoformat(),
                    ),
                )
                if sup
                else -1,
                "verdict": STATUS_ORDER.index(f.suppressed_status)
                if f.status is Status.SUPPRESSED and f.suppressed_status
                else -1,
                "change": CHANGE_ORDER.index(marks.get(f.id, Change.UNCHANGED))
                if marks is not None
                else -1,
            }
            # a row holds str and int only (the evidence is text)
            row = _escape_script(dumps(_row(values), floats=False))
            size += len(row.encode("utf-8")) + 1
            if rows is not None:
                if budget is not None and size > budget:
                    rows.close()
                    rows = None  # over the budget: only the size is still counted
                else:
                    rows.add(row)
        return rows, omitted, cut, size

    # The whole rows first (the usual case: they fit); over the budget, the shrink step is
    # chosen from sizes (linear) and the rows rendered once more with it, or with the next
    # steps should the estimate have been short. Rows past the budget are not kept. The index
    # tables (checks, accounts, ...) number their entries in the order of the findings.
    sizes: list[tuple[bool, int, int, int, int]] = []
    rows, omitted, cut, size = rows_for(*SHRINK_STEPS[0], budget=DATA_BUDGET, sizes=sizes)
    if rows is None:
        step = max(1, _shrink_step(sizes, size))
        for pass_cap, other_cap, reason_cap in SHRINK_STEPS[step:]:
            if rows is not None:
                rows.close()
            rows, omitted, cut, size = rows_for(pass_cap, other_cap, reason_cap)
            if size <= DATA_BUDGET:
                break
    del sizes
    if rows is None:  # pragma: no cover - rows_for without a budget always keeps its rows
        raise AssertionError("the rows were not kept")
    page_meta = {
        "scanId": meta.scan_id,
        "idFormat": ID_FORMAT,
        "fields": {
            "row": list(ROW_NAMES),
            "rowDefaults": [default for _, default in ROW_FIELDS],
            "related": list(RELATED_FIELDS),
            "error": list(ERROR_FIELDS),
            "check": list(CHECK_FIELDS),
            "account": list(ACCOUNT_FIELDS),
            "rule": list(RULE_FIELDS),
        },
        "statuses": [s.value for s in STATUS_ORDER],
        "severities": [s.value for s in SEVERITY_ORDER],
        "changes": [c.value for c in CHANGE_ORDER] if marks is not None else None,
        "checks": checks.items,
        "accounts": accounts.items,
        "regions": regions.items,
        "types": types.items,
        "times": times.items,
        "rules": rules.items,
        "total": len(ordered),
    }
    return _PageData(page_meta, rows, catalogue, anchors, omitted, cut)


def _listed_changes(items: Sequence[ChangeItem]) -> list[ChangeItem]:
    """The change items the changes section lists (still failing ones are only counted)."""
    return [i for i in items if i.change is not Change.STILL_FAILING]


#: Stands for the page data in the rendered template, which is then streamed in its place.
_DATA_MARK = "\x00trailwatch-page-data\x00"


def render_html(
    findings: Sequence[Finding],
    meta: ScanMeta,
    summary: ScanSummary,
    generated_at: datetime | None = None,
    extras: ReportExtras | None = None,
) -> str:
    """The report as one HTML string."""
    return "".join(html_chunks(findings, meta, summary, generated_at, extras))


def html_chunks(
    findings: Sequence[Finding],
    meta: ScanMeta,
    summary: ScanSummary,
    generated_at: datetime | None = None,
    extras: ReportExtras | None = None,
) -> Iterator[str]:
    """The report in pieces, in order (written as they come: no copy of the whole page)."""
    extras = extras or ReportExtras()
    changes = extras.changes
    marks = changes.marks() if changes else None
    ordered = sorted(findings, key=lambda f: _sort_key(f, marks))
    page = _build(ordered, marks, meta, summary)
    try:
        for chunk in _template_chunks(findings, meta, summary, page, generated_at, extras):
            if _DATA_MARK not in chunk:
                yield chunk
                continue
            before, after = chunk.split(_DATA_MARK)
            yield before
            yield from page.script()
            yield after
    finally:
        page.rows.close()


def _template_chunks(
    findings: Sequence[Finding],
    meta: ScanMeta,
    summary: ScanSummary,
    page: _PageData,
    generated_at: datetime | None,
    extras: ReportExtras,
) -> Iterator[str]:
    """The template's output, in pieces, with _DATA_MARK where the page data goes."""
    changes = extras.changes
    css = _asset("report.css")
    noscript_css = _asset("report-noscript.css")
    js = _asset("report.js")
    csp = "; ".join(
        (
            "default-src 'none'",
            f"style-src {_csp_hash(css)} {_csp_hash(noscript_css)}",
            f"script-src {_csp_hash(js)}",
            "img-src 'none'",
            "base-uri 'none'",
            "form-action 'none'",
        )
    )
    suppressions = extras.suppressions
    log_sources = extras.log_sources.sources if extras.log_sources else ()
    listed = _listed_changes(changes.items) if changes else []
    template = _environment().get_template(TEMPLATE)
    return template.generate(
        meta=meta,
        summary=summary,
        statuses=STATUS_ORDER,
        severities=SEVERITY_ORDER,
        requirement_order=REQUIREMENT_ORDER,
        check_info=page.checks,
        anchors=page.anchors,
        safe_url=safe_url,
        changes=changes,
        findings_sha256=extras.findings_sha256,
        change_rows=listed[:MAX_CHANGE_ROWS],
        change_total=len(listed),
        max_change_rows=MAX_CHANGE_ROWS,
        suppressions=suppressions,
        suppression_warnings=suppressions.warnings if suppressions else [],
        trend=extras.trend,
        change_new=Change.NEW,
        change_resolved=Change.RESOLVED,
        change_regressed=Change.REGRESSED,
        evidence_omitted=page.evidence_omitted,
        evidence_cut=page.evidence_cut,
        data=Markup(_DATA_MARK),  # noqa: S704 - page.script(), JSON escaped by _escape_script
        css=Markup(css),  # noqa: S704 - our own static asset, hashed into the CSP
        noscript_css=Markup(noscript_css),  # noqa: S704
        js=Markup(js),  # noqa: S704
        csp=csp,
        generated_at=generated_at or datetime.now(UTC),
        duration=_duration(meta),
        overview=build_overview(findings, meta, summary),
        matrix=build_matrix(findings, summary),
        account_names={a.account_id: a.name for a in summary.accounts},
        log_sources=extras.log_sources,
        log_source_kinds=_log_source_kinds(extras.log_sources),
        log_source_accounts=sorted({s.account_id for s in log_sources}),
        log_source_regions=sorted({s.region or "global" for s in log_sources}),
        max_log_source_rows=MAX_LOG_SOURCE_ROWS,
    )


def _log_source_kinds(inventory: LogSourceInventory | None) -> list[dict[str, Any]]:
    """Per kind of source: how many, logging on / off / unknown, and where they deliver."""
    rows: dict[str, dict[str, Any]] = {}
    for src in inventory.sources if inventory else ():
        row = rows.setdefault(
            src.kind,
            {"kind": src.kind, "total": 0, "on": 0, "off": 0, "unknown": 0}
            | {"yes": 0, "no": 0, "archive_unknown": 0},
        )
        row["total"] += 1
        row[src.logging_state] += 1
        state = src.archive_state
        if state != "none":
            row["archive_unknown" if state == "unknown" else state] += 1
    return [rows[k] for k in sorted(rows)]


def _duration(meta: ScanMeta) -> str:
    seconds = max(0, int((meta.finished_at - meta.started_at).total_seconds()))
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours}h {minutes:02d}m {secs:02d}s"
    if minutes:
        return f"{minutes}m {secs:02d}s"
    return f"{secs}s"


def write_html(
    path: Path,
    findings: Sequence[Finding],
    meta: ScanMeta,
    summary: ScanSummary,
    extras: ReportExtras | None = None,
) -> Path:
    """Write report.html atomically; returns `path`."""
    write_chunks_atomic(path, html_chunks(findings, meta, summary, extras=extras))
    return path
