"""KMS.3: customer managed KMS keys are not scheduled for deletion."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from checks.lib.keys import key_home, key_resource, refers_to
from checks.lib.trails import first_copies
from scanner.core.check import Check
from scanner.core.dataset import Scope
from scanner.core.datasets.cloudtrail import TRAILS, Trail
from scanner.core.datasets.kms import KMS_KEYS, KmsKey
from scanner.core.datasets.logs import LOG_GROUPS, LogGroup, log_group_arn, parse_log_group_arn
from scanner.core.model import Resource, Result, Severity, Status
from scanner.core.view import OrgView, View


def _trails_here(view: View) -> list[Trail]:
    """Trails visible in the view's region: this account's (required) and other scanned ones.

    A key encrypts only resources in its own region. The trails of this region include shadow
    copies of multi-Region trails homed elsewhere (and, on AWS, organization trails seen from a
    member account); trails of other accounts in the scan are looked up too (best effort, the
    first copy of each ARN: checks.lib.trails first_copies). Of the other accounts' trails only
    those that may use a key homed where this account's keys are (the trail's KmsKeyId, or its
    log group's kmsKeyId) are kept: no other can name one of them.
    """
    seen: dict[str, Trail] = {t.arn: t for t in view.get(TRAILS)}
    homes = {(k.account_id, k.region) for k in view.get(KMS_KEYS)}
    may_use = _may_use(view.org, view.region)
    for home in sorted(homes):
        for trail in may_use.get(home, ()):
            seen.setdefault(trail.arn, trail)
    return sorted(seen.values(), key=lambda t: t.arn)


def _may_use(org: OrgView, region: str | None) -> dict[tuple[str, str], list[Trail]]:
    """(account, region) of a key -> the trails (first copies in `region`) whose KmsKeyId, or
    whose log group's kmsKeyId, names a key homed there; built once per scan and region."""
    return org.memo(("kms_key_not_pending_deletion.may_use", region), lambda o: _homes(o, region))


def _homes(org: OrgView, region: str | None) -> dict[tuple[str, str], list[Trail]]:
    out: dict[tuple[str, str], list[Trail]] = {}
    groups: dict[str, dict[str, LogGroup]] = {}  # account -> name -> its first group of the name
    for trail in first_copies(org, region).values():
        homes = {key_home(trail.kms_key_id, trail.owner_account, trail.home_region)}
        parsed = (
            parse_log_group_arn(trail.cloudwatch_logs_log_group_arn)
            if trail.cloudwatch_logs_log_group_arn
            else None
        )
        if parsed is not None and parsed[1] == region:
            account, _, name = parsed
            if account not in groups:
                named: dict[str, LogGroup] = {}
                for g in org.find(account, LOG_GROUPS, region) or ():
                    named.setdefault(g.name, g)
                groups[account] = named
            group = groups[account].get(name)
            if group is not None:
                homes.add(key_home(group.kms_key_id, group.arn.split(":")[4], region or ""))
        for home in homes:
            if home is not None:
                out.setdefault(home, []).append(trail)
    return out


def _log_group(view: View, arn: str) -> LogGroup | None:
    parsed = parse_log_group_arn(arn)
    if parsed is None or parsed[1] != view.region:
        return None
    account, region, name = parsed
    groups = (
        view.get(LOG_GROUPS)
        if account == view.account_id
        else view.org.find(account, LOG_GROUPS, region)
    )
    return next((g for g in groups or () if g.name == name), None)


def _usage(view: View, key: KmsKey, trails: list[Trail]) -> tuple[list[Trail], list[str]]:
    """Trails the key encrypts, and the trail log groups it encrypts."""
    encrypts = [t for t in trails if refers_to(t.kms_key_id, key, t.owner_account, t.home_region)]
    groups: list[str] = []
    for trail in trails:
        if not trail.cloudwatch_logs_log_group_arn:
            continue
        group = _log_group(view, trail.cloudwatch_logs_log_group_arn)
        if group is not None and refers_to(
            group.kms_key_id, key, group.arn.split(":")[4], view.region or ""
        ):
            groups.append(log_group_arn(group.arn))
    return encrypts, sorted(set(groups))


def evaluate(view: View) -> Iterator[Result]:
    """One result per customer managed key of the region.

    FAIL when KeyState is PendingDeletion or PendingReplicaDeletion; PASS for every other state.
    Severity is always CRITICAL (Security Hub's); the reason and evidence say when the key
    encrypts a CloudTrail trail (trail KmsKeyId, compared as key ARN, key id, alias name or alias
    ARN) or the log group a trail delivers to (log group kmsKeyId), because deleting it makes
    those logs unreadable. Trails are taken from this account's DescribeTrails in the key's
    region (shadow copies included), plus other scanned accounts when collected; a single-Region
    trail homed in another region that uses this key is not seen. AWS managed keys (KeyManager
    AWS, or only `alias/aws/...` aliases: moto reports those as CUSTOMER) cannot be deleted and
    get no finding. A key whose DescribeKey failed is ERROR (view.judge).

    `requires` lists TRAILS and LOG_GROUPS because the check reads them (for this account, in
    the key's region) to name what the key protects: if either failed there, the region's
    result is ERROR rather than a finding that silently omits a trail.
    """
    trails = _trails_here(view)
    for key in view.get(KMS_KEYS):
        if key.aws_alias_only:
            continue
        result = view.judge(key_resource(key), lambda: _judge(view, key, trails))  # noqa: B023
        if result is not None:
            yield result


def _judge(view: View, key: KmsKey, trails: list[Trail]) -> Result | None:
    """The key's result (None: out of scope); a field whose call failed raises."""
    if not key.customer_managed:
        return None
    encrypts, groups = _usage(view, key, trails)
    evidence: dict[str, Any] = {
        "api": ["kms:ListKeys", "kms:DescribeKey", "cloudtrail:DescribeTrails"],
        "KeyId": key.key_id,
        "Aliases": list(key.aliases),
        "KeyState": key.key_state,
        "DeletionDate": key.deletion_date,
        "PendingDeletionWindowInDays": key.pending_deletion_window_in_days,
        "encrypts_trails": [t.arn for t in encrypts],
        "encrypts_trail_log_groups": groups,
    }
    if groups:
        evidence["api"].append("logs:DescribeLogGroups")
    related = tuple(
        Resource(
            type="AwsCloudTrailTrail",
            id=t.arn,
            region=t.home_region,
            account_id=t.owner_account,
        )
        for t in encrypts
    ) + tuple(
        Resource(type="AwsLogsLogGroup", id=g, region=view.region, account_id=g.split(":")[4])
        for g in groups
    )
    uses = [f"trail {t.name}" for t in encrypts] + [f"log group {g}" for g in groups]
    used = f" It encrypts {', '.join(uses)}." if uses else ""
    if key.pending_deletion:
        status = Status.FAIL
        reason = (
            f"The key is {key.key_state}"
            + (f" (deletion date {key.deletion_date})" if key.deletion_date else "")
            + "."
            + used
        )
    else:
        status = Status.PASS
        reason = f"The key is not scheduled for deletion ({key.key_state}).{used}"
    return Result(
        status=status,
        resource=key_resource(key),
        reason=reason,
        evidence=evidence,
        related_resources=related,
    )


CHECK = Check(
    id="kms_key_not_pending_deletion",
    control_id="KMS.3",
    title="AWS KMS keys should not be deleted unintentionally",
    severity=Severity.CRITICAL,
    resource_type="AwsKmsKey",
    scope=Scope.REGION,
    requires=(KMS_KEYS, TRAILS, LOG_GROUPS),
    evaluate=evaluate,
    rationale=(
        "Deleting a KMS key is irreversible: everything encrypted under it, such as CloudTrail "
        "log files or log groups, becomes unreadable."
    ),
    remediation="aws kms cancel-key-deletion --key-id <key-id> (then enable the key again)",
    remediation_url="https://docs.aws.amazon.com/securityhub/latest/userguide/kms-controls.html#kms-3",
)
