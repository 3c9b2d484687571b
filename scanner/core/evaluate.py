"""Evaluation: run pure checks over the inventory and build findings (ids, context, errors)."""

from __future__ import annotations

import logging
from collections.abc import Collection, Iterator, Sequence
from typing import Any

from scanner.core.check import Check
from scanner.core.dataset import Dataset, Scope
from scanner.core.findings import Finding, finding_id
from scanner.core.frameworks import Frameworks
from scanner.core.interning import Interner
from scanner.core.inventory import AccountInventory, Inventory
from scanner.core.model import CollectionError, Resource, Result, Severity
from scanner.core.slim import share_fields_set, with_shared_keys
from scanner.core.view import DataUnavailable, OrgView, View, error_result

log = logging.getLogger(__name__)

ACCOUNT_ACCESS_CHECK = "account_access"


def evaluate(
    inventory: Inventory,
    checks: Sequence[Check],
    frameworks: Frameworks | None = None,
    accounts: Collection[str] | None = None,
) -> Iterator[Finding]:
    """Yield findings for every account, check and scope; failed data yields ERROR findings.

    `accounts` limits which accounts are evaluated; every account stays visible as context
    (an event-driven re-evaluation judges one account against the whole Organization).
    """
    org = OrgView(inventory)
    fw = frameworks or Frameworks.load()
    shared = Interner()
    for account in inventory.accounts:
        if accounts is not None and account.account_id not in accounts:
            continue
        if account.access_error is not None:
            yield _access_finding(account, account.access_error, inventory)
            continue
        org.evaluating(account.account_id)
        for check in checks:
            scopes: tuple[str | None, ...] = (
                (None,) if check.scope is Scope.ACCOUNT else account.regions
            )
            for region in scopes:
                view = View(account, region, org)
                for result in _run(check, view):
                    yield build_finding(check, view, result, fw, shared)
    org.evaluating(None)


def _missing(view: View, requires: Sequence[Dataset[Any]]) -> tuple[CollectionError, ...]:
    errors: list[CollectionError] = []
    for ds in requires:
        errors.extend(view.org.errors(view.account_id, ds, view.region))
    return tuple(errors)


def _run(check: Check, view: View) -> list[Result]:
    errors = () if check.organization_wide else _missing(view, check.requires)
    if errors:
        return [unavailable(view, errors)]
    try:
        return list(check.evaluate(view))
    except DataUnavailable as exc:
        return [unavailable(view, exc.errors)]
    except Exception as exc:  # a bug in a check must never become a verdict
        # One line per crash (the ERROR finding names it); the traceback only with -v.
        log.error("check %s crashed on %s %s: %r", check.id, view.account_id, view.region, exc)
        log.debug("traceback of check %s", check.id, exc_info=True)
        err = CollectionError(
            operation="-",
            iam_action="-",
            code="CheckError",
            message=f"{type(exc).__name__}: {exc}",
            region=view.region,
        )
        return [unavailable(view, (err,))]


def unavailable(view: View, errors: Sequence[CollectionError]) -> Result:
    """An ERROR result on the account for data the scan could not collect."""
    return error_result(view.account_resource(), errors)


#: The fields of a finding whose equal values are shared between findings (`Interner.value`).
_SHARED_VALUES = (
    "region",
    "account_name",
    "ou_path",
    "account_tags",
    "reason",
    "requirements",
    "standards",
)


def compact(finding: Finding, shared: Interner | None = None) -> Finding:
    """`finding`, its set of given fields (and its resources') shared with its likes; with
    `shared`, its equal values too (evidence, resources, tags...: Interner), and its fields held
    in a dict of shared keys."""
    share_fields_set(finding)
    share_fields_set(finding.resource)
    if shared is None:
        return finding
    values = finding.__dict__
    for name in _SHARED_VALUES:
        values[name] = shared.value(values[name])
    values["evidence"] = shared.parts_of(finding.evidence)
    for res in finding.related_resources:
        share_fields_set(res)
    values["resource"] = shared.resource(finding.resource)
    values["related_resources"] = shared.resources(finding.related_resources)
    return with_shared_keys(finding)


def build_finding(
    check: Check, view: View, result: Result, fw: Frameworks, shared: Interner | None = None
) -> Finding:
    account = view.account
    region = result.resource.region or view.region or account.home_region
    resource = result.resource.model_copy(
        update={"region": region, "account_id": result.resource.account_id or account.account_id}
    )
    evidence = dict(result.evidence)
    evidence.setdefault("collected_at", view.collected_at.isoformat())
    finding = Finding(
        id=finding_id(check.id, account.account_id, region, resource.id),
        check_id=check.id,
        control_id=check.control_id,
        title=check.title,
        description=check.rationale,
        severity=result.severity or check.severity,
        status=result.status,
        account_id=account.account_id,
        account_name=account.info.name,
        ou_path=account.info.ou_path,
        account_tags=account.info.tags,
        region=region,
        resource=resource,
        related_resources=result.related_resources,
        reason=result.reason,
        reason_code=result.reason_code,
        evidence=evidence,
        errors=result.errors,
        remediation=check.remediation,
        remediation_url=check.remediation_url,
        requirements=fw.requirements_for(check),
        standards=fw.standards_for(check),
        collected_at=view.collected_at,
    )
    return compact(finding, shared)


def _access_finding(
    account: AccountInventory, error: CollectionError, inventory: Inventory
) -> Finding:
    region = account.home_region
    resource_id = f"AWS::::Account:{account.account_id}"
    resource = Resource(
        type="AwsAccount", id=resource_id, region=region, account_id=account.account_id
    )
    result = error_result(resource, (error,), lead="Account not scanned")
    return Finding(
        id=finding_id(ACCOUNT_ACCESS_CHECK, account.account_id, region, resource_id),
        check_id=ACCOUNT_ACCESS_CHECK,
        title="The scanner could access the account",
        description="An account that cannot be accessed cannot be evaluated.",
        severity=Severity.HIGH,
        status=result.status,
        account_id=account.account_id,
        account_name=account.info.name,
        ou_path=account.info.ou_path,
        account_tags=account.info.tags,
        region=region,
        resource=resource,
        reason=result.reason,
        errors=result.errors,
        evidence=result.evidence,
        remediation="Make sure the scan role exists in the account and trusts the scanner.",
        collected_at=inventory.collected_at,
    )
