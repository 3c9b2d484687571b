"""Finding -> OCSF 1.5.0 Compliance Finding (class_uid 2003) JSON, one object per finding.

Mapping decisions (OCSF has no published ASFF mapping for them):

* `compliance.status_id`: PASS -> 1 Pass, WARNING -> 2 Warning, FAIL -> 3 Fail. ERROR (ASFF
  `NOT_AVAILABLE`: the scan could not collect the data) -> 0 Unknown, with `status`
  "Not available" and `status_code` "NOT_AVAILABLE". 0 is one of the values OCSF reserves in
  every `_id` enum; an ERROR is never shown as Pass or Fail.
* `status_code` carries Security Hub's Compliance.Status (PASSED/FAILED/WARNING/NOT_AVAILABLE).
* `severity_id` is the check's severity (not lowered for PASS, unlike ASFF's Severity.Label).
* The evidence dict goes into `evidences[].data` (a JSON value OCSF allows there).
* Every finding is a Create activity (`activity_id` 1, `type_uid` 200301): the file is a
  snapshot of one scan, not a change feed.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from reports.asff import arn_partition, finding_partition, finding_types
from reports.text import safe_url
from scanner import __version__
from scanner.core.atomic import write_json_lines_atomic
from scanner.core.compact_json import dumps
from scanner.core.findings import Finding
from scanner.core.model import Resource, Severity, Status

OCSF_VERSION = "1.5.0"
CATEGORY_UID = 2  # Findings
CATEGORY_NAME = "Findings"
CLASS_UID = 2003  # Compliance Finding
CLASS_NAME = "Compliance Finding"
ACTIVITY_CREATE = 1
TYPE_UID = CLASS_UID * 100 + ACTIVITY_CREATE  # 200301
PRODUCT_NAME = "trailwatch"
VENDOR_NAME = "trailwatch"

#: OCSF severity_id and its caption, from the check's Security Hub severity label.
SEVERITY_IDS: dict[Severity, tuple[int, str]] = {
    Severity.INFORMATIONAL: (1, "Informational"),
    Severity.LOW: (2, "Low"),
    Severity.MEDIUM: (3, "Medium"),
    Severity.HIGH: (4, "High"),
    Severity.CRITICAL: (5, "Critical"),
}

#: compliance.status_id and compliance.status for each trailwatch status.
COMPLIANCE_STATUS: dict[Status, tuple[int, str]] = {
    Status.PASS: (1, "Pass"),
    Status.WARNING: (2, "Warning"),
    Status.FAIL: (3, "Fail"),
    Status.ERROR: (0, "Not available"),
}

FINDING_STATUS_NEW = (1, "New")
FINDING_STATUS_SUPPRESSED = (3, "Suppressed")
ANALYTIC_RULE = (1, "Rule")
ACCOUNT_TYPE_AWS = (10, "AWS Account")


def epoch_ms(moment: datetime) -> int:
    """OCSF timestamp_t: milliseconds since the Unix epoch (naive datetimes are UTC)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return int(moment.timestamp() * 1000)


def _first(*candidates: str | None) -> str:
    """The first candidate that is not blank, stripped."""
    for text in candidates:
        if text and text.strip():
            return text.strip()
    return "-"


def _resource(res: Resource, *, region: str, partition: str) -> dict[str, Any]:
    out: dict[str, Any] = {
        "uid": res.id,
        "type": res.type,
        "region": res.region or region,
        "cloud_partition": arn_partition(res.id) or partition,
    }
    return out


def _resources(finding: Finding, partition: str) -> list[dict[str, Any]]:
    return [
        _resource(res, region=finding.region, partition=partition)
        for res in finding.distinct_resources()
    ]


def _status_details(finding: Finding) -> list[str]:
    details = [finding.reason.strip()] if finding.reason.strip() else []
    if finding.verdict is Status.ERROR:
        details.extend(err.describe() for err in dict.fromkeys(finding.errors))
    return list(dict.fromkeys(details))


def _compliance(finding: Finding) -> dict[str, Any]:
    # A suppressed finding keeps its verdict here; the suppression is the finding's status_id.
    verdict = finding.verdict
    status_id, status = COMPLIANCE_STATUS[verdict]
    compliance: dict[str, Any] = {
        "control": _first(finding.control_id, finding.check_id),
        "status_id": status_id,
        "status": status,
        "status_code": verdict.asff,
    }
    standards = [s for s in dict.fromkeys(finding.standards) if s.strip()]
    if standards:
        compliance["standards"] = standards
    requirements = [r for r in dict.fromkeys(finding.requirements) if r.strip()]
    if requirements:
        compliance["requirements"] = requirements
    if finding.description.strip():
        compliance["desc"] = finding.description.strip()
    details = _status_details(finding)
    if details:
        compliance["status_details"] = details
        compliance["status_detail"] = details[0]  # deprecated in 1.4.0, kept for older readers
    return compliance


def _remediation(finding: Finding) -> dict[str, Any] | None:
    text = finding.remediation.strip()
    url = safe_url(finding.remediation_url)
    if not text and not url:
        return None
    remediation: dict[str, Any] = {"desc": text or "See the references."}
    if url:
        remediation["references"] = [url]
    return remediation


def _unmapped(finding: Finding) -> dict[str, Any]:
    extra: dict[str, Any] = {"check_id": finding.check_id}
    if finding.reason_code:
        extra["reason_code"] = finding.reason_code
    if finding.ou_path:
        extra["ou_path"] = list(finding.ou_path)
    if finding.account_tags:
        extra["account_tags"] = dict(finding.account_tags)
    return extra


def _jsonable(value: Any) -> Any:
    """The evidence as plain JSON values (anything unusual becomes its str)."""
    return json.loads(json.dumps(value, ensure_ascii=False, default=str))


def to_ocsf(finding: Finding, *, partition: str | None = None) -> dict[str, Any]:
    """One OCSF 1.5.0 Compliance Finding for `finding`; `partition` is the fallback
    when no resource ARN names one."""
    part = finding_partition(finding, partition)
    severity_id, severity = SEVERITY_IDS[finding.severity]
    moment = epoch_ms(finding.collected_at)
    reason = finding.reason.strip()
    rationale = finding.description.strip()
    account: dict[str, Any] = {
        "uid": finding.account_id,
        "type_id": ACCOUNT_TYPE_AWS[0],
        "type": ACCOUNT_TYPE_AWS[1],
    }
    if finding.account_name:
        account["name"] = finding.account_name
    finding_info: dict[str, Any] = {
        "uid": finding.id,
        "title": _first(finding.title, finding.control_id, finding.check_id),
        "created_time": moment,
        "first_seen_time": moment,
        "last_seen_time": moment,
        "types": finding_types(finding),
        "analytic": {
            "uid": finding.check_id,
            "name": _first(finding.control_id, finding.check_id),
            "type_id": ANALYTIC_RULE[0],
            "type": ANALYTIC_RULE[1],
        },
    }
    desc = "\n\n".join(p for p in (reason, rationale) if p)
    if desc:
        finding_info["desc"] = desc
    doc: dict[str, Any] = {
        "activity_id": ACTIVITY_CREATE,
        "activity_name": "Create",
        "category_uid": CATEGORY_UID,
        "category_name": CATEGORY_NAME,
        "class_uid": CLASS_UID,
        "class_name": CLASS_NAME,
        "type_uid": TYPE_UID,
        "type_name": f"{CLASS_NAME}: Create",
        "severity_id": severity_id,
        "severity": severity,
        "status_id": (
            FINDING_STATUS_SUPPRESSED if finding.status is Status.SUPPRESSED else FINDING_STATUS_NEW
        )[0],
        "status": (
            FINDING_STATUS_SUPPRESSED if finding.status is Status.SUPPRESSED else FINDING_STATUS_NEW
        )[1],
        "time": moment,
        "timezone_offset": 0,
        "message": _first(reason, finding.title, finding.check_id),
        "metadata": {
            "product": {
                "name": PRODUCT_NAME,
                "vendor_name": VENDOR_NAME,
                "version": __version__,
            },
            "version": OCSF_VERSION,
            "profiles": ["cloud"],
        },
        "finding_info": finding_info,
        "compliance": _compliance(finding),
        "resources": _resources(finding, part),
        "cloud": {
            "provider": "AWS",
            "region": finding.region,
            "cloud_partition": part,
            "account": account,
        },
        "unmapped": _unmapped(finding),
    }
    remediation = _remediation(finding)
    if remediation:
        doc["remediation"] = remediation
    if finding.evidence:
        doc["evidences"] = [{"name": "trailwatch evidence", "data": _jsonable(finding.evidence)}]
    return doc


def to_ocsf_list(
    findings: Iterable[Finding], *, partition: str | None = None
) -> list[dict[str, Any]]:
    return [to_ocsf(f, partition=partition) for f in findings]


def write_ocsf(path: Path, findings: Sequence[Finding], *, partition: str | None = None) -> Path:
    """Write findings.ocsf.json (a JSON array of Compliance Findings) atomically; returns `path`."""
    # every key is a str (the evidence went through the json module): scanner.core.compact_json
    write_json_lines_atomic(path, (dumps(to_ocsf(f, partition=partition)) for f in findings))
    return path
