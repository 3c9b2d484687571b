"""Changes since a baseline scan (`--baseline OLD_DIR`): new, regressed, resolved, still failing.

Findings are matched by their deterministic Id (check, account, region, resource). Verdicts are
compared, so a suppressed failure is still a failure here (the exit code ignores it anyway).

- new: FAIL now; absent from the baseline (also when the baseline did not cover that check,
  account or region), or it could not be evaluated then (ERROR).
- regressed: FAIL now; PASS or WARNING in the baseline.
- still_failing: FAIL in both.
- resolved: FAIL in the baseline; PASS now, or gone although this scan evaluated its check in
  that account and region without error (the resource was deleted or left the scope).
- unverified: FAIL in the baseline; now WARNING or ERROR, or gone from a scope this scan did not
  evaluate (check not selected, account or region not scanned, data not collected). Never called
  resolved without evidence.
- unchanged: everything else.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime
from enum import StrEnum
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from reports.manifest import MANIFEST, sha256_file
from scanner.core import inputs
from scanner.core.errors import UsageError
from scanner.core.evaluate import ACCOUNT_ACCESS_CHECK
from scanner.core.findings import Finding
from scanner.core.formats import FILENAMES
from scanner.core.model import Frozen, Severity, Status

BASELINE_FILE = FILENAMES["json"]


class Change(StrEnum):
    NEW = "new"
    REGRESSED = "regressed"
    RESOLVED = "resolved"
    UNVERIFIED = "unverified"
    STILL_FAILING = "still_failing"
    UNCHANGED = "unchanged"


#: Display order: what a reviewer must look at first.
CHANGE_ORDER: tuple[Change, ...] = tuple(Change)
#: Changes that are new failures (what `--fail-on-new` fails the run for).
NEW_FAILURES = frozenset({Change.NEW, Change.REGRESSED})


class BaselineFinding(Frozen):
    """What a diff needs of one finding of the baseline's findings.json."""

    id: str
    check_id: str
    control_id: str | None = None
    title: str = ""
    severity: Severity = Severity.INFORMATIONAL
    status: Status
    verdict: Status
    account_id: str
    account_name: str = ""
    region: str
    resource_type: str = ""
    resource_id: str = ""


class BaselineInfo(Frozen):
    """Which scan the changes are measured against."""

    path: str
    scan_id: str = ""
    tool_version: str = ""
    finished_at: datetime | None = None
    complete: bool = True
    verified: bool | None = None
    """True/False: findings.json matches/differs from the baseline's manifest; None: no manifest."""
    findings: int = 0


class Baseline(Frozen):
    info: BaselineInfo
    findings: tuple[BaselineFinding, ...] = ()


class ChangeItem(Frozen):
    """One finding whose state changed (or still fails); `status` is None when it is gone."""

    id: str
    change: Change
    check_id: str
    control_id: str | None = None
    title: str = ""
    severity: Severity
    account_id: str
    account_name: str = ""
    region: str
    resource_type: str = ""
    resource_id: str = ""
    status: Status | None = None
    verdict: Status | None = None
    baseline_status: Status | None = None


class ChangeSet(Frozen):
    """The comparison with a baseline: counts per change and every finding that is not
    unchanged (new, regressed, resolved, unverified, still failing; in that order)."""

    baseline: BaselineInfo
    counts: dict[Change, int] = {}
    items: tuple[ChangeItem, ...] = ()

    def marks(self) -> dict[str, Change]:
        """Finding Id -> change, for the findings listed in `items`."""
        return {item.id: item.change for item in self.items}

    def new_failure_ids(self) -> set[str]:
        return {i.id for i in self.items if i.change in NEW_FAILURES}

    @property
    def has_changes(self) -> bool:
        return any(self.counts.get(c, 0) for c in (Change.NEW, Change.REGRESSED, Change.RESOLVED))


def _verified(directory: Path, path: Path) -> bool | None:
    """Does the baseline's findings.json still match the baseline's own manifest.json?"""
    if not (directory / MANIFEST).is_file():
        return None

    try:
        doc = inputs.load_json(directory / MANIFEST, "--baseline", inputs.MANIFEST_MAX_BYTES)
        entries = {e["path"]: e["sha256"] for e in doc["files"]}
    except (inputs.InputError, KeyError, TypeError):
        return False
    expected = entries.get(path.name)
    return isinstance(expected, str) and expected.lower() == sha256_file(path)


def load_baseline(directory: Path) -> Baseline:
    """Read OLD_DIR/findings.json (any trailwatch version's); UsageError when it is not one."""
    directory = Path(directory)
    path = directory / BASELINE_FILE
    if not directory.is_dir():
        raise UsageError(f"--baseline: no such directory: {directory}")
    if not path.is_file():
        raise UsageError(f"--baseline: {directory} has no {BASELINE_FILE} (a scan's output dir)")

    doc = inputs.load_json(path, "--baseline", inputs.FINDINGS_MAX_BYTES)
    inputs.expect_kind(doc, inputs.FINDINGS, "--baseline", path)
    if not (isinstance(doc, dict) and isinstance(doc.get("findings"), list)):
        raise UsageError(f"--baseline: {path} is not a trailwatch findings.json")
    try:
        findings = tuple(_baseline_finding(raw) for raw in doc["findings"])
    except (ValidationError, KeyError, TypeError, ValueError) as exc:
        first = str(exc).splitlines()[0]
        raise UsageError(f"--baseline: {path}: unreadable finding: {first}") from None
    raw_scan = doc.get("scan")
    scan: dict[str, Any] = raw_scan if isinstance(raw_scan, dict) else {}
    info = BaselineInfo(
        path=str(directory),
        scan_id=str(scan.get("scan_id", "")),
        tool_version=str(scan.get("tool_version", "")),
        finished_at=scan.get("finished_at"),
        complete=bool(scan.get("complete", True)),
        verified=_verified(directory, path),
        findings=len(findings),
    )
    return Baseline(info=info, findings=findings)


def _baseline_finding(raw: dict[str, Any]) -> BaselineFinding:
    status = Status(raw["status"])
    suppressed = raw.get("suppressed_status")
    verdict = Status(suppressed) if status is Status.SUPPRESSED and suppressed else status
    resource = raw.get("resource") or {}
    return BaselineFinding(
        id=str(raw["id"]),
        check_id=str(raw["check_id"]),
        control_id=raw.get("control_id"),
        title=str(raw.get("title", "")),
        severity=Severity(raw.get("severity", "INFORMATIONAL")),
        status=status,
        verdict=verdict,
        account_id=str(raw["account_id"]),
        account_name=str(raw.get("account_name", "")),
        region=str(raw.get("region", "")),
        resource_type=str(resource.get("type", "")),
        resource_id=str(resource.get("id", "")),
    )


def classify(current: Status | None, previous: Status | None) -> Change:
    """The change between two verdicts (None: no such finding in that scan)."""
    if current is Status.FAIL:
        if previous is Status.FAIL:
            return Change.STILL_FAILING
        if previous in (Status.PASS, Status.WARNING):
            return Change.REGRESSED
        return Change.NEW
    if previous is Status.FAIL:
        return Change.RESOLVED if current is Status.PASS else Change.UNVERIFIED
    return Change.UNCHANGED


def compare(
    findings: Sequence[Finding],
    baseline: Baseline,
    *,
    check_ids: Iterable[str],
    accounts: Iterable[str],
    regions: Iterable[str],
) -> ChangeSet:
    """Mark every finding against `baseline`; `check_ids`, `accounts` (scanned) and `regions`
    are this scan's scope."""
    before = {b.id: b for b in baseline.findings}
    items: list[ChangeItem] = []
    seen: set[str] = set()
    for f in findings:
        seen.add(f.id)
        old = before.get(f.id)
        change = classify(f.verdict, old.verdict if old else None)
        if change is not Change.UNCHANGED:
            items.append(
                ChangeItem(
                    id=f.id,
                    change=change,
                    check_id=f.check_id,
                    control_id=f.control_id,
                    title=f.title,
                    severity=f.severity,
                    account_id=f.account_id,
                    account_name=f.account_name,
                    region=f.region,
                    resource_type=f.resource.type,
                    resource_id=f.resource.id,
                    status=f.status,
                    verdict=f.verdict,
                    baseline_status=old.verdict if old else None,
                )
            )
    evaluated = _evaluated_scopes(findings, set(check_ids), set(accounts), set(regions))
    for old in baseline.findings:
        if old.id in seen or old.verdict is not Status.FAIL:
            continue
        scope = (old.check_id, old.account_id, old.region)
        items.append(
            ChangeItem(
                id=old.id,
                change=Change.RESOLVED if evaluated(scope) else Change.UNVERIFIED,
                check_id=old.check_id,
                control_id=old.control_id,
                title=old.title,
                severity=old.severity,
                account_id=old.account_id,
                account_name=old.account_name,
                region=old.region,
                resource_type=old.resource_type,
                resource_id=old.resource_id,
                baseline_status=old.verdict,
            )
        )
    items.sort(key=lambda i: (CHANGE_ORDER.index(i.change), -i.severity.rank, i.id))
    tally = Counter(i.change for i in items)
    unchanged = len(findings) - sum(1 for i in items if i.status is not None)
    tally[Change.UNCHANGED] = unchanged
    return ChangeSet(
        baseline=baseline.info,
        counts={c: tally[c] for c in CHANGE_ORDER},
        items=tuple(items),
    )


Scope = tuple[str, str, str]


def _evaluated_scopes(
    findings: Sequence[Finding], check_ids: set[str], accounts: set[str], regions: set[str]
) -> Callable[[Scope], bool]:
    """A predicate: did this scan evaluate (check, account, region) without an error?"""
    errored: set[Scope] = set()
    blocked: set[str] = set()
    present: set[Scope] = set()
    for f in findings:
        present.add((f.check_id, f.account_id, f.region))
        if f.verdict is Status.ERROR:
            if f.check_id == ACCOUNT_ACCESS_CHECK:
                blocked.add(f.account_id)
            errored.add((f.check_id, f.account_id, f.region))

    def evaluated(scope: Scope) -> bool:
        check_id, account_id, region = scope
        if check_id not in check_ids or account_id in blocked or scope in errored:
            return False
        if account_id not in accounts:
            return False
        return region in regions or scope in present

    return evaluated
