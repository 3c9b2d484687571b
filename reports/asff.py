"""Finding -> ASFF (AWS Security Finding Format) for Security Hub BatchImportFindings."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from reports.text import evidence_json, safe_url, truncate
from scanner.core.atomic import write_json_lines_atomic
from scanner.core.compact_json import dumps, encode
from scanner.core.findings import Finding
from scanner.core.model import Resource, Status

SCHEMA_VERSION = "2018-10-08"
PRODUCT_FIELD_PREFIX = "trailwatch/"

# Limits from the Security Hub API model and the ASFF documentation.
MAX_ID = 512
MAX_TITLE = 256
MAX_DESCRIPTION = 1024
MAX_RESOURCES = 32
MAX_RESOURCE_TYPE = 256
MAX_RESOURCE_REGION = 16
MAX_REQUIREMENTS = 32
MAX_STATUS_REASONS = 10
MAX_STATUS_REASON_DESCRIPTION = 2048
MAX_RECOMMENDATION_TEXT = 512
MAX_PRODUCT_FIELDS = 50
MAX_PRODUCT_FIELD_KEY = 128
MAX_PRODUCT_FIELD_VALUE = 2048
MAX_SEVERITY_ORIGINAL = 64
#: Resource ids are never cut, except as the very last step of fitting an oversized finding.
MAX_RESOURCE_ID_FALLBACK = 1024
#: "An error is returned for any finding larger than 240 Kb"; measured as UTF-8 JSON bytes.
MAX_FINDING_BYTES = 240_000

PARTITIONS = frozenset({"aws", "aws-cn", "aws-us-gov", "aws-us-iso", "aws-us-iso-b"})
DEFAULT_PARTITION = "aws"

_TYPE_PREFIX = "Software and Configuration Checks/Industry and Regulatory Standards/"
TYPE_CIS = _TYPE_PREFIX + "CIS AWS Foundations Benchmark"
TYPE_FSBP = _TYPE_PREFIX + "AWS Foundational Security Best Practices"
TYPE_PCI = _TYPE_PREFIX + "PCI-DSS"
TYPE_NIST_800_53 = _TYPE_PREFIX + "NIST 800-53 Controls (USA)"
#: For checks mapped to no standard (e.g. the account-access ERROR finding): a documented
#: namespace/category path of the ASFF types taxonomy.
TYPE_BEST_PRACTICES = "Software and Configuration Checks/AWS Security Best Practices"

_EVIDENCE_KEY = PRODUCT_FIELD_PREFIX + "Evidence"
_EVIDENCE_OMITTED = "(omitted: the finding exceeded the Security Hub size limit; see findings.json)"


def _text(value: str | None, limit: int, *fallbacks: str | None) -> str:
    """The first non-blank of `value` and `fallbacks`, at most `limit` characters
    (ASFF strings must match `.*\\S.*`)."""
    for candidate in (value, *fallbacks):
        text = (candidate or "").strip()
        if text:
            return truncate(text, limit)
    return "-"


def asff_timestamp(moment: datetime) -> str:
    """`YYYY-MM-DDTHH:MM:SS.mmmZ` in UTC (naive datetimes are taken as UTC)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    moment = moment.astimezone(UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def arn_partition(identifier: str) -> str | None:
    """The partition of an ARN (`arn:<partition>:...`), or None for anything else."""
    parts = identifier.split(":", 2)
    if len(parts) == 3 and parts[0] == "arn" and parts[1] in PARTITIONS:
        return parts[1]
    return None


def finding_partition(finding: Finding, default: str | None = None) -> str:
    """From the finding's resource ARNs, else `default`, else `aws`."""
    for res in (finding.resource, *finding.related_resources):
        found = arn_partition(res.id)
        if found:
            return found
    if default in PARTITIONS:
        return default
    return DEFAULT_PARTITION


def finding_types(finding: Finding) -> list[str]:
    """ASFF Types from the standards the finding's requirements belong to (CIS first)."""
    reqs = [r.lower() for r in finding.requirements]
    stds = [s.lower() for s in finding.standards]
    types: list[str] = []
    if any(r.startswith("cis aws foundations benchmark") for r in reqs) or any(
        "cis-aws-foundations-benchmark" in s for s in stds
    ):
        types.append(TYPE_CIS)
    if any("aws-foundational-security-best-practices" in s for s in stds) or (
        finding.control_id and not types
    ):
        types.append(TYPE_FSBP)
    if any(r.startswith("pci dss") for r in reqs) or any("pci-dss" in s for s in stds):
        types.append(TYPE_PCI)
    if any(r.startswith("nist.800-53") for r in reqs) or any("nist-800-53" in s for s in stds):
        types.append(TYPE_NIST_800_53)
    return types or [TYPE_BEST_PRACTICES]


def _resource(res: Resource, *, region: str, partition: str) -> dict[str, Any]:
    out: dict[str, Any] = {
        "Type": _text(res.type, MAX_RESOURCE_TYPE, "Other"),
        "Id": res.id.strip() or "unknown",
        "Partition": arn_partition(res.id) or partition,
    }
    res_region = (res.region or "").strip()
    if not res_region or len(res_region) > MAX_RESOURCE_REGION:
        res_region = region
    if res_region:
        out["Region"] = res_region
    return out


def _resources(finding: Finding, partition: str) -> list[dict[str, Any]]:
    out = [
        _resource(res, region=finding.region, partition=partition)
        for res in finding.distinct_resources()[:MAX_RESOURCES]
    ]
    if not out:  # never reject a finding: fall back to the account
        account = Resource(type="AwsAccount", id=f"AWS::::Account:{finding.account_id}")
        out.append(_resource(account, region=finding.region, partition=partition))
    return out


def _status_reasons(finding: Finding) -> list[dict[str, str]]:
    reasons: list[dict[str, str]] = []
    if finding.reason_code and finding.reason_code.strip():
        reasons.append(
            {
                "ReasonCode": finding.reason_code.strip(),
                "Description": _text(finding.reason, MAX_STATUS_REASON_DESCRIPTION),
            }
        )
    if finding.verdict is Status.ERROR:
        for err in dict.fromkeys(finding.errors):
            if len(reasons) == MAX_STATUS_REASONS:
                break
            reasons.append(
                {
                    "ReasonCode": _text(err.code, MAX_ID, "Error"),
                    "Description": _text(err.describe(), MAX_STATUS_REASON_DESCRIPTION),
                }
            )
        if not reasons:
            reasons.append(
                {
                    "ReasonCode": "EVALUATION_ERROR",
                    "Description": _text(finding.reason, MAX_STATUS_REASON_DESCRIPTION),
                }
            )
    return reasons


def _compliance(finding: Finding) -> dict[str, Any]:
    # A suppressed finding keeps its verdict; the suppression is in ProductFields (Workflow is
    # never sent: providers cannot set it).
    compliance: dict[str, Any] = {"Status": finding.verdict.asff}
    if finding.control_id and finding.control_id.strip():
        compliance["SecurityControlId"] = finding.control_id.strip()
    requirements = [r.strip() for r in finding.requirements if r.strip()]
    if requirements:
        compliance["RelatedRequirements"] = [
            truncate(r, MAX_TITLE) for r in dict.fromkeys(requirements)
        ][:MAX_REQUIREMENTS]
    standards = [s.strip() for s in finding.standards if s.strip()]
    if standards:
        compliance["AssociatedStandards"] = [{"StandardsId": s} for s in dict.fromkeys(standards)]
    reasons = _status_reasons(finding)
    if reasons:
        compliance["StatusReasons"] = reasons
    return compliance


def _remediation(finding: Finding) -> dict[str, Any] | None:
    recommendation: dict[str, str] = {}
    text = finding.remediation.strip()
    if text:
        recommendation["Text"] = truncate(text, MAX_RECOMMENDATION_TEXT)
    url = safe_url(finding.remediation_url)
    if url:
        recommendation["Url"] = url
    return {"Recommendation": recommendation} if recommendation else None


def _field(fields: dict[str, str], key: str, value: str) -> None:
    if len(fields) >= MAX_PRODUCT_FIELDS:
        return
    key = truncate(PRODUCT_FIELD_PREFIX + key, MAX_PRODUCT_FIELD_KEY)
    value = value.strip()
    if key.strip() and value and key not in fields:
        fields[key] = truncate(value, MAX_PRODUCT_FIELD_VALUE)


def _product_fields(finding: Finding) -> dict[str, str]:
    fields: dict[str, str] = {}
    _field(fields, "CheckId", finding.check_id)
    _field(fields, "Status", finding.status.value)
    _field(fields, "AccountName", finding.account_name)
    _field(fields, "OUPath", "/".join(finding.ou_path))
    _field(fields, "ReasonCode", finding.reason_code or "")
    if finding.suppression is not None:
        sup = finding.suppression
        _field(fields, "Suppressed", "true")
        _field(fields, "Suppression/Reason", sup.reason)
        _field(fields, "Suppression/Owner", sup.owner)
        _field(fields, "Suppression/Expires", sup.expires.isoformat())
        _field(fields, "Suppression/Rule", f"suppressions[{sup.rule}] {sup.check}")
    if finding.evidence:
        _field(fields, "Evidence", evidence_json(finding.evidence))
    for key in sorted(finding.account_tags):
        _field(fields, f"tag/{key}", finding.account_tags[key] or "(empty)")
    return fields


def _size(doc: dict[str, Any]) -> int:
    return len(json.dumps(doc, ensure_ascii=False, separators=(",", ":")).encode("utf-8"))


def _fit(doc: dict[str, Any]) -> dict[str, Any]:
    """Shrink a finding over the size limit: evidence first, then tags, related resources."""
    if _size(doc) <= MAX_FINDING_BYTES:
        return doc
    fields: dict[str, str] = doc["ProductFields"]
    if _EVIDENCE_KEY in fields:
        fields[_EVIDENCE_KEY] = _EVIDENCE_OMITTED
    if _size(doc) <= MAX_FINDING_BYTES:
        return doc
    for key in [k for k in fields if k.startswith(PRODUCT_FIELD_PREFIX + "tag/")]:
        del fields[key]
    if _size(doc) <= MAX_FINDING_BYTES:
        return doc
    doc["Resources"] = doc["Resources"][:1]
    if _size(doc) <= MAX_FINDING_BYTES:
        return doc
    compliance: dict[str, Any] = doc["Compliance"]
    for reason in compliance.get("StatusReasons", []):
        reason["Description"] = truncate(reason["Description"], MAX_TITLE)
    if _size(doc) <= MAX_FINDING_BYTES:
        return doc
    # Last resort: the primary resource id itself is enormous.
    primary = doc["Resources"][0]
    primary["Id"] = truncate(primary["Id"], MAX_RESOURCE_ID_FALLBACK)
    return doc


def to_asff(
    finding: Finding,
    product_region: str | None = None,
    *,
    partition: str | None = None,
) -> dict[str, Any]:
    """One ASFF finding. `product_region` is the Security Hub region the import goes to
    (default: the finding's region); `partition` is the fallback when no resource ARN names one."""
    return _fit(_document(finding, product_region, partition))


def asff_line(
    finding: Finding, product_region: str | None = None, *, partition: str | None = None
) -> str:
    """`to_asff`'s compact JSON text; a finding within the size limit is encoded once (its text
    measured and written), one over it is shrunk first."""
    doc = _document(finding, product_region, partition)
    text = dumps(doc)
    size = len(text) if text.isascii() else len(text.encode("utf-8"))
    return text if size <= MAX_FINDING_BYTES else encode(_fit(doc))


def _document(
    finding: Finding, product_region: str | None, partition: str | None
) -> dict[str, Any]:
    """The ASFF finding before `_fit`."""
    part = finding_partition(finding, partition)
    region = (product_region or finding.region).strip()
    account = finding.account_id
    moment = asff_timestamp(finding.collected_at)
    types = finding_types(finding)
    original = truncate(finding.severity.value, MAX_SEVERITY_ORIGINAL)
    label = "INFORMATIONAL" if finding.verdict is Status.PASS else finding.severity.value
    severity = {"Label": label, "Original": original}
    reason = finding.reason.strip()
    rationale = finding.description.strip()
    description = "\n\n".join(p for p in (reason, rationale) if p)

    doc: dict[str, Any] = {
        "SchemaVersion": SCHEMA_VERSION,
        "Id": truncate(finding.id, MAX_ID),
        "ProductArn": f"arn:{part}:securityhub:{region}:{account}:product/{account}/default",
        "GeneratorId": truncate(f"trailwatch/{finding.control_id or finding.check_id}", MAX_ID),
        "AwsAccountId": account,
        "Types": types,
        "CreatedAt": moment,
        "UpdatedAt": moment,
        "FirstObservedAt": moment,
        "LastObservedAt": moment,
        "Severity": dict(severity),
        "FindingProviderFields": {"Severity": dict(severity), "Types": list(types)},
        "Title": _text(finding.title, MAX_TITLE, finding.check_id),
        "Description": _text(description, MAX_DESCRIPTION, finding.title, finding.check_id),
        "Resources": _resources(finding, part),
        "Compliance": _compliance(finding),
        "ProductFields": _product_fields(finding),
        "RecordState": "ACTIVE",
        "Region": finding.region.strip() or region,
    }
    remediation = _remediation(finding)
    if remediation:
        doc["Remediation"] = remediation
    return doc


def to_asff_list(
    findings: Iterable[Finding],
    product_region: str | None = None,
    *,
    partition: str | None = None,
) -> list[dict[str, Any]]:
    return [to_asff(f, product_region, partition=partition) for f in findings]


def write_asff(
    path: Path,
    findings: Sequence[Finding],
    product_region: str | None = None,
    *,
    partition: str | None = None,
) -> Path:
    """Write findings.asff.json (a JSON array of ASFF findings) atomically; returns `path`."""
    write_json_lines_atomic(
        path, (asff_line(f, product_region, partition=partition) for f in findings)
    )
    return path
