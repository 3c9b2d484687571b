"""Hand-built inventories for pure check tests."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from scanner.core.check import Check
from scanner.core.dataset import Dataset, Scope
from scanner.core.evaluate import evaluate
from scanner.core.findings import Finding
from scanner.core.frameworks import Frameworks
from scanner.core.inventory import (
    AccountInfo,
    AccountInventory,
    DatasetRecord,
    Inventory,
    record_key,
)
from scanner.core.model import CollectionError

NOW = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)
MGMT = "111111111111"
MEMBER = "222222222222"
LOGS = "333333333333"


class AccountBuilder:
    def __init__(self, account_id: str, regions: tuple[str, ...], home_region: str) -> None:
        self.account_id = account_id
        self.regions = regions
        self.home_region = home_region
        self.records: dict[str, DatasetRecord] = {}
        self.access_error: CollectionError | None = None
        self.name = f"acct-{account_id[-4:]}"

    def put(self, ds: Dataset[Any], value: Any, region: str | None = None) -> AccountBuilder:
        """Store data; for a regional dataset without region, store it in every region."""
        if ds.scope is Scope.REGION:
            for r in [region] if region else list(self.regions):
                self.records[record_key(ds.name, r)] = DatasetRecord(
                    dataset=ds.name, region=r, data=ds.dump(value), collected_at=NOW
                )
        else:
            self.records[record_key(ds.name, None)] = DatasetRecord(
                dataset=ds.name, data=ds.dump(value), collected_at=NOW
            )
        return self

    def fail(
        self,
        ds: Dataset[Any],
        region: str | None = None,
        operation: str = "DescribeTrails",
        iam_action: str = "cloudtrail:DescribeTrails",
        code: str = "AccessDenied",
    ) -> AccountBuilder:
        regions: list[str | None] = (
            ([region] if region else list(self.regions)) if ds.scope is Scope.REGION else [None]
        )
        for r in regions:
            self.records[record_key(ds.name, r)] = DatasetRecord(
                dataset=ds.name,
                region=r,
                error=CollectionError(
                    operation=operation,
                    iam_action=iam_action,
                    code=code,
                    message="denied",
                    region=r,
                ),
                collected_at=NOW,
            )
        return self

    def build(self) -> AccountInventory:
        return AccountInventory(
            info=AccountInfo(account_id=self.account_id, name=self.name),
            home_region=self.home_region,
            regions=self.regions,
            records=self.records,
            access_error=self.access_error,
        )


class InventoryBuilder:
    def __init__(
        self,
        regions: tuple[str, ...] = ("us-east-1", "eu-west-1"),
        management_account_id: str | None = None,
    ) -> None:
        self.regions = regions
        self.management_account_id = management_account_id
        self.accounts: dict[str, AccountBuilder] = {}

    def account(
        self, account_id: str = MGMT, regions: tuple[str, ...] | None = None
    ) -> AccountBuilder:
        if account_id not in self.accounts:
            regs = regions or self.regions
            self.accounts[account_id] = AccountBuilder(account_id, regs, regs[0])
        return self.accounts[account_id]

    def build(self) -> Inventory:
        return Inventory(
            scan_id="test",
            tool_version="test",
            started_at=NOW,
            collected_at=NOW,
            management_account_id=self.management_account_id,
            accounts=tuple(a.build() for a in self.accounts.values()),
        )


def run(check: Check, inventory: Inventory | InventoryBuilder) -> list[Finding]:
    inv = inventory.build() if isinstance(inventory, InventoryBuilder) else inventory
    return list(evaluate(inv, [check], Frameworks(())))


def by_resource(findings: list[Finding]) -> dict[tuple[str, str, str], str]:
    """(account, region, resource id) -> status value, for compact assertions."""
    return {(f.account_id, f.region, f.resource.id): f.status.value for f in findings}
