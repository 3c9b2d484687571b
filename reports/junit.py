"""findings.junit.xml: JUnit XML for CodeBuild test reports (a testsuite per check).

One testcase per finding (a check's result on one resource in one account and region):
FAIL -> <failure>, ERROR -> <error>, SUPPRESSED -> <skipped> (an accepted risk, with its reason),
PASS -> a passing testcase, WARNING -> a passing testcase whose <system-out> says why it warns.
Every <testsuite> and the <testsuites> root carry tests/failures/errors/skipped counts (parsers
such as CodeBuild's need them). A status this writer does not know is reported as <error>,
never as a pass.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

from reports.summary import ScanMeta, ScanSummary
from scanner.core.atomic import write_text_atomic
from scanner.core.findings import Finding

# Characters XML 1.0 does not allow, even escaped.
_INVALID_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")

PASSING = frozenset({"PASS", "WARNING"})


def _text(value: object) -> str:
    return _INVALID_XML.sub("\ufffd", str(value))


def outcome(status: str) -> str:
    """The JUnit element of a status: failure, error, skipped or '' (a passing testcase)."""
    if status in PASSING:
        return ""
    if status == "FAIL":
        return "failure"
    if status == "SUPPRESSED":
        return "skipped"
    return "error"


def testcase_name(f: Finding) -> str:
    return f"{f.account_id} {f.region} {f.resource.id}"


def _details(f: Finding) -> str:
    lines = [
        f.reason,
        f"finding: {f.id}",
        f"account: {f.account_id}" + (f" ({f.account_name})" if f.account_name else ""),
        f"region: {f.region}",
        f"resource: {f.resource.type} {f.resource.id}",
        f"severity: {f.severity.value}",
    ]
    if f.control_id:
        lines.append(f"control: {f.control_id}")
    for err in f.errors:
        lines.append(f"failed call: {err.describe()}")
    if f.remediation:
        lines.append(f"remediation: {f.remediation}")
    if f.remediation_url:
        lines.append(f"see: {f.remediation_url}")
    return "\n".join(lines)


def _suppression_note(f: Finding) -> str:
    s = f.suppression
    if s is None:
        return f.reason
    return f"suppressed until {s.expires.isoformat()} by {s.owner}: {s.reason}"


def _testcase(parent: ET.Element, f: Finding) -> str:
    case = ET.SubElement(
        parent,
        "testcase",
        {"name": _text(testcase_name(f)), "classname": _text(f.check_id), "time": "0"},
    )
    kind = outcome(f.status.value)
    if kind == "failure":
        el = ET.SubElement(case, "failure", {"message": _text(f.reason), "type": f.severity.value})
        el.text = _text(_details(f))
    elif kind == "error":
        code = f.errors[0].code if f.errors else f.status.value
        el = ET.SubElement(case, "error", {"message": _text(f.reason), "type": _text(code)})
        el.text = _text(_details(f))
    elif kind == "skipped":
        ET.SubElement(case, "skipped", {"message": _text(_suppression_note(f))})
    elif f.status.value == "WARNING":
        out = ET.SubElement(case, "system-out")
        out.text = _text("WARNING: " + _details(f))
    return kind


def _counts(tally: Counter[str], tests: int) -> dict[str, str]:
    return {
        "tests": str(tests),
        "failures": str(tally["failure"]),
        "errors": str(tally["error"]),
        "skipped": str(tally["skipped"]),
        "time": "0",
    }


def to_junit(findings: Sequence[Finding], meta: ScanMeta) -> ET.Element:
    """The <testsuites> element: one <testsuite> per check id (sorted), testcases in order."""
    by_check: dict[str, list[Finding]] = {}
    for f in findings:
        by_check.setdefault(f.check_id, []).append(f)
    root = ET.Element("testsuites", {"name": f"trailwatch {meta.scan_id}"})
    total: Counter[str] = Counter()
    timestamp = meta.finished_at.replace(microsecond=0, tzinfo=None).isoformat()
    for check_id in sorted(by_check):
        group = by_check[check_id]
        first = group[0]
        suite = ET.SubElement(root, "testsuite", {"name": _text(check_id)})
        props = ET.SubElement(suite, "properties")
        for name, value in (
            ("control_id", first.control_id or ""),
            ("title", first.title),
            ("severity", first.severity.value),
        ):
            ET.SubElement(props, "property", {"name": name, "value": _text(value)})
        tally: Counter[str] = Counter(_testcase(suite, f) for f in group)
        suite.attrib.update(_counts(tally, len(group)))
        suite.set("timestamp", timestamp)
        total.update(tally)
    root.attrib.update(_counts(total, len(findings)))
    return root


def write_junit(
    path: Path, findings: Sequence[Finding], meta: ScanMeta, summary: ScanSummary
) -> Path:
    """Write findings.junit.xml atomically; returns `path`."""
    root = to_junit(findings, meta)
    ET.indent(root, space=" ")
    text = ET.tostring(root, encoding="unicode", xml_declaration=False)
    write_text_atomic(path, '<?xml version="1.0" encoding="UTF-8"?>\n' + text + "\n")
    return path
