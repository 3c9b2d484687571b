"""AWS Config aggregates the whole Organization: an aggregator with an Organization source over
every region.

One finding for the Organization, on its management account (on the lowest scanned account id
when the scan has no management account, e.g. a scan of listed accounts). Only the management
account or a delegated administrator for AWS Config can create an aggregator whose source is the
Organization (OrganizationAggregationSource), so the check looks at every scanned account's
aggregators (DescribeConfigurationAggregators, in every scanned region):

- PASS: an aggregator with an Organization source that covers every region: AllAwsRegions true,
  or AwsRegions listing every region the scan covered (any account).
- FAIL: no such aggregator; the evidence lists every aggregator and why it falls short (its source
  is a list of accounts, not the Organization; or regions are missing from its AwsRegions).
- ERROR, never FAIL, when no aggregator passes and the listing failed in some scanned region, or an
  account of the scan could not be opened: the delegated administrators are not read (the call
  answers only in the management account), so any account could hold the aggregator and a failed
  listing leaves the verdict unknown. A failed listing never hides a PASS found elsewhere.

The verdict judges the accounts and regions scanned: a scan that leaves out the delegated
administrator can FAIL although the Organization has an aggregator there. Whether the aggregator's
role still works (DescribeConfigurationAggregatorSourcesStatus) is not read. In `watch`, a
change in the account that carries the finding re-evaluates it (with `--inventory`, against the
whole Organization); a change in another account leaves it to the next scan.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from scanner.core.check import Check
from scanner.core.dataset import Scope
from scanner.core.datasets.config_aggregators import CONFIG_AGGREGATORS, Aggregator
from scanner.core.model import CollectionError, DataUnavailable, Resource, Result, Severity, Status
from scanner.core.view import View, error_result

API = "config:DescribeConfigurationAggregators"


def host_account(view: View) -> str | None:
    """The account that carries the Organization's finding."""
    mgmt = view.org.management_account_id
    if mgmt is not None and view.org.in_scan(mgmt):
        return mgmt
    ids = sorted(a.account_id for a in view.org.accounts())
    return ids[0] if ids else None


def shortfall(aggregator: Aggregator, regions: frozenset[str]) -> str | None:
    """Why the aggregator does not aggregate the Organization in every region (None: it does)."""
    source = aggregator.organization_source
    if source is None:
        return "its source is a list of accounts, not the Organization"
    if source.covers(regions):
        return None
    missing = sorted(regions - set(source.aws_regions))
    return "its Organization source leaves out " + ", ".join(missing)


def evaluate(view: View) -> Iterator[Result]:
    """One result for the whole scan, on the host account (nothing in the other accounts)."""
    if view.account_id != host_account(view):
        return
    accounts = view.org.accounts()
    regions = frozenset(r for a in accounts for r in a.regions)
    found: list[dict[str, Any]] = []
    failed: list[CollectionError] = []
    passing: dict[str, Any] | None = None
    for acct in accounts:
        for region in acct.regions:
            try:
                aggregators = view.org.get(acct.account_id, CONFIG_AGGREGATORS, region)
            except DataUnavailable as exc:
                failed.extend(
                    e.model_copy(update={"message": f"account {acct.account_id}: {e.message}"})
                    for e in exc.errors
                )
                continue
            for agg in aggregators:
                why = shortfall(agg, regions)
                entry = {
                    "account_id": acct.account_id,
                    "region": region,
                    "name": agg.name,
                    "organization_source": agg.organization_source is not None,
                    "all_aws_regions": bool(
                        agg.organization_source and agg.organization_source.all_aws_regions
                    ),
                    "shortfall": why,
                }
                found.append(entry)
                if why is None and passing is None:
                    passing = entry
    for acct in view.org.inventory.accounts:
        if acct.access_error is not None:
            failed.append(
                acct.access_error.model_copy(
                    update={"message": f"account {acct.account_id}: {acct.access_error.message}"}
                )
            )
    resource = Resource(
        type="AwsAccount",
        id=f"AWS::::Account:{view.account_id}",
        region=view.home_region,
        account_id=view.account_id,
    )
    evidence = {"api": [API], "regions": sorted(regions), "aggregators": found}
    if passing is not None:
        yield Result(
            status=Status.PASS,
            resource=resource,
            reason=f"Aggregator {passing['name']} (account {passing['account_id']}, "
            f"{passing['region']}) aggregates the Organization in every region.",
            evidence=evidence,
        )
    elif failed:
        yield error_result(resource, failed, evidence)
    else:
        detail = "; ".join(
            f"{e['name']} ({e['account_id']}, {e['region']}): {e['shortfall']}" for e in found[:10]
        )
        yield Result(
            status=Status.FAIL,
            resource=resource,
            reason="No AWS Config aggregator aggregates the Organization in every region"
            + (f": {detail}." if detail else ": no account has an aggregator."),
            evidence=evidence,
        )


CHECK = Check(
    id="config_org_aggregator",
    title="AWS Config should aggregate the whole Organization in every region",
    severity=Severity.MEDIUM,
    resource_type="AwsAccount",
    scope=Scope.ACCOUNT,
    requires=(CONFIG_AGGREGATORS,),
    evaluate=evaluate,
    organization_wide=True,
    rationale="An Organization aggregator in the management account or the AWS Config delegated "
    "administrator gives one view of every account's configuration and compliance; without it, "
    "drift in a member account or region is seen only from inside that account.",
    remediation="From the management account or the AWS Config delegated administrator: "
    "aws configservice put-configuration-aggregator --configuration-aggregator-name <name> "
    "--organization-aggregation-source RoleArn=<role>,AllAwsRegions=true",
    remediation_url="https://docs.aws.amazon.com/config/latest/developerguide/"
    "setup-aggregator-console.html",
)
