"""Organization discovery: which accounts to scan (and which are skipped), with OU path and tags."""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from typing import Any

from scanner.inventory import AccountInfo, SkippedAccount
from scanner.workers import DaemonPool

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
    ou_names: dict[str, Any] = {}
    lock = threading.Lock()

    def info(raw: dict[str, Any]) -> AccountInfo:
        ou_path: tuple[str, ...] = ()
        tags: dict[str, str] = {}
        if with_details:
            ou_path = _ou_path(org_client, raw["Id"], ou_names, lock)
            tags = _tags(org_client, raw["Id"])
        return AccountInfo(
            account_id=raw["Id"],
            name=raw.get("Name", ""),
            email=raw.get("Email", ""),
            status="ACTIVE",
            ou_path=ou_path,
            tags=tags,
        )

    with DaemonPool(max_workers=max_workers) as pool:
        accounts = list(pool.map(info, raw_accounts))
    return OrgDiscovery(
        organization_id=desc.get("Id"),
        management_account_id=desc.get("MasterAccountId"),
        accounts=tuple(sorted(accounts, key=lambda a: a.account_id)),
        skipped=tuple(sorted(skipped, key=lambda s: s.account_id)),
    )


def _ou_path(
    org_client: Any, account_id: str, names: dict[str, Any], lock: threading.Lock
) -> tuple[str, ...]:
    """Root-to-parent OU names (best effort: the path is context, not a verdict).

    `names` caches, per OU id, its name and its parent: accounts that share OUs cause no
    repeated ListParents or DescribeOrganizationalUnit call.
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
                ou = org_client.describe_organizational_unit(OrganizationalUnitId=pid)
                up = org_client.list_parents(ChildId=pid).get("Parents", [])
                names[pid] = (ou["OrganizationalUnit"].get("Name", pid), up)
            name, parents = names[pid]
        path.append(name)
    return tuple(reversed(path))


def _tags(org_client: Any, account_id: str) -> dict[str, str]:
    tags: dict[str, str] = {}
    for page in org_client.get_paginator("list_tags_for_resource").paginate(ResourceId=account_id):
        for tag in page.get("Tags", []):
            tags[tag["Key"]] = tag["Value"]
    return tags
