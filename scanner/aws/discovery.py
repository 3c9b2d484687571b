"""Organization discovery: which accounts to scan (and which are skipped), with OU path and tags.

Only DescribeOrganization and ListAccounts are needed to scan; a failed OU or tag lookup is
recorded on the account (AccountInfo.metadata_errors) and the scan goes on.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from scanner.aws.engine import error_from_exception
from scanner.core.inventory import AccountInfo, SkippedAccount
from scanner.core.model import CollectionError
from scanner.core.workers import DaemonPool

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class OrgDiscovery:
    organization_id: str | None
    management_account_id: str | None
    accounts: tuple[AccountInfo, ...]
    skipped: tuple[SkippedAccount, ...]


def _status(raw: dict[str, Any]) -> str:
    return str(raw.get("State") or raw.get("Status") or "ACTIVE")


def discover_organization(
    org_client: Any, with_details: bool = True, max_workers: int = 8
) -> OrgDiscovery:
    """ListAccounts (paginated); ACTIVE accounts are scanned, the others recorded as skipped.

    OU paths and tags (ListParents, DescribeOrganizationalUnit, ListTagsForResource) are read
    concurrently: they are per account and would otherwise dominate start-up for large orgs.
    """
    desc = org_client.describe_organization()["Organization"]
    raw_accounts: list[dict[str, Any]] = []
    skipped: list[SkippedAccount] = []
    for page in org_client.get_paginator("list_accounts").paginate():
        for raw in page.get("Accounts", []):
            status = _status(raw)
            if status == "ACTIVE":
                raw_accounts.append(raw)
                continue
            skipped.append(
                SkippedAccount(
                    account_id=raw["Id"],
                    name=raw.get("Name", ""),
                    status=status,
                    reason=f"account is {status}",
                )
            )
    accounts = [
        AccountInfo(
            account_id=raw["Id"],
            name=raw.get("Name", ""),
            email=raw.get("Email", ""),
            status="ACTIVE",
        )
        for raw in raw_accounts
    ]
    if with_details:
        accounts = account_details(org_client, accounts, max_workers)
    return OrgDiscovery(
        organization_id=desc.get("Id"),
        management_account_id=desc.get("MasterAccountId"),
        accounts=tuple(sorted(accounts, key=lambda a: a.account_id)),
        skipped=tuple(sorted(skipped, key=lambda s: s.account_id)),
    )


def with_metadata(
    org_client: Any, info: AccountInfo, names: dict[str, Any], lock: threading.Lock
) -> AccountInfo:
    """`info` with its OU path and tags; a lookup that fails is recorded, not raised."""

    update: dict[str, Any] = {}
    errors: list[CollectionError] = []
    try:
        update["ou_path"] = _ou_path(org_client, info.account_id, names, lock)
    except Exception as exc:  # context only: a gap, never an abort
        errors.append(error_from_exception(exc, None))
    try:
        update["tags"] = _tags(org_client, info.account_id)
    except Exception as exc:
        errors.append(error_from_exception(exc, None))
    if errors:
        update["metadata_errors"] = tuple(errors)
    out = AccountInfo.model_validate({**dict(info), **update})  # validated: sizes are bounded
    if errors:
        log.warning("account %s: %s", info.account_id, out.metadata_gap())
    return out


class _LookupFailed:
    """A cached failure of an OU lookup: accounts that share the OU do not repeat the call."""

    def __init__(self, exc: Exception) -> None:
        self.exc = exc


def _ou_path(
    org_client: Any, account_id: str, names: dict[str, Any], lock: threading.Lock
) -> tuple[str, ...]:
    """Root-to-parent OU names (the path is context, not a verdict).

    `names` caches, per OU id, its name and its parent (or the failure to read them): accounts
    that share OUs cause no repeated ListParents or DescribeOrganizationalUnit call.
    """
    path: list[str] = []
    parents = org_client.list_parents(ChildId=account_id).get("Parents", [])
    for _ in range(6):  # Organizations allows at most 5 OU levels under the root
        if not parents:
            break
        parent = parents[0]
        if parent["Type"] == "ROOT":
            path.append("Root")
            break
        pid = parent["Id"]
        with lock:  # held during the calls: each OU is looked up once
            if pid not in names:
                try:
                    ou = org_client.describe_organizational_unit(OrganizationalUnitId=pid)
                    up = org_client.list_parents(ChildId=pid).get("Parents", [])
                    names[pid] = (ou["OrganizationalUnit"].get("Name", pid), up)
                except Exception as exc:
                    names[pid] = _LookupFailed(exc)
            cached = names[pid]
        if isinstance(cached, _LookupFailed):
            raise cached.exc
        name, parents = cached
        path.append(name)
    return tuple(reversed(path))


def _tags(org_client: Any, account_id: str) -> dict[str, str]:
    tags: dict[str, str] = {}
    for page in org_client.get_paginator("list_tags_for_resource").paginate(ResourceId=account_id):
        for tag in page.get("Tags", []):
            tags[tag["Key"]] = tag["Value"]
    return tags


def account_details(
    org_client: Any, infos: Sequence[AccountInfo], max_workers: int = 8
) -> list[AccountInfo]:
    """`infos` (in their order) with their OU path and tags, read concurrently (ListParents,
    DescribeOrganizationalUnit once per OU, ListTagsForResource); a lookup that fails is recorded
    on the account (AccountInfo.metadata_errors), never raised.

    A scan reads them for the accounts it scans only (after --accounts, --shard and
    --exclude-accounts), so N shards together make these calls once per account, as one
    unsharded scan would."""
    names: dict[str, Any] = {}
    lock = threading.Lock()

    def detailed(info: AccountInfo) -> AccountInfo:
        return with_metadata(org_client, info, names, lock)

    with DaemonPool(max_workers=max(1, max_workers)) as pool:
        return list(pool.map(detailed, infos))
