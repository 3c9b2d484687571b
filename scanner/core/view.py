"""Read-only views of the inventory that checks evaluate: one account (and region) plus the org."""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable
from datetime import datetime
from typing import Any, TypeVar

from scanner.core.dataset import Dataset, Scope
from scanner.core.inventory import AccountInventory, Inventory, record_key
from scanner.core.model import CollectionError, DataUnavailable, Resource, Result, Status

T = TypeVar("T")

__all__ = ["DataUnavailable", "OrgView", "View", "error_result"]


#: Failed calls named in an ERROR result's reason, and listed in its evidence.
REASON_CALLS = 5
EVIDENCE_CALLS = 20


def error_result(
    resource: Resource,
    errors: Iterable[CollectionError],
    evidence: dict[str, Any] | None = None,
    *,
    lead: str = "Could not evaluate",
) -> Result:
    """The one "could not evaluate" result: ERROR on `resource`, never a verdict from missing
    data. The reason is `lead` followed by the failed calls (each once, the first REASON_CALLS),
    the evidence `evidence` plus `failed_calls`, and the result carries every error."""
    unique = tuple(dict.fromkeys(errors))
    named = "; ".join(e.describe() for e in unique[:REASON_CALLS])
    return Result(
        status=Status.ERROR,
        resource=resource,
        reason=f"{lead}: {named}" if named else f"{lead}.",
        errors=unique,
        evidence={
            **(evidence or {}),
            "failed_calls": [e.model_dump() for e in unique[:EVIDENCE_CALLS]],
        },
    )


class OrgView:
    """The whole scan: every account's inventory, parsed lazily and cached."""

    def __init__(self, inventory: Inventory) -> None:
        self.inventory = inventory
        self._cache: dict[tuple[str, str], Any] = {}
        self._accounts = {a.account_id: a for a in inventory.accounts}
        self._memo: dict[Hashable, Any] = {}
        self._current: str | None = None
        self._own: list[tuple[str, str]] = []  # cache keys only the current account has read

    @property
    def management_account_id(self) -> str | None:
        return self.inventory.management_account_id

    @property
    def collected_at(self) -> datetime:
        return self.inventory.collected_at

    def in_scan(self, account_id: str) -> bool:
        acct = self._accounts.get(account_id)
        return acct is not None and acct.access_error is None

    def accounts(self) -> list[AccountInventory]:
        return [a for a in self.inventory.accounts if a.access_error is None]

    def account(self, account_id: str) -> AccountInventory | None:
        return self._accounts.get(account_id)

    def errors(
        self, account_id: str, dataset: Dataset[Any], region: str | None
    ) -> tuple[CollectionError, ...]:
        """The errors that stop `dataset` from being read (all regions if region is None)."""
        acct = self._accounts.get(account_id)
        if acct is None:
            return ()
        keys: list[str | None]
        if dataset.scope is Scope.ACCOUNT:
            keys = [None]
        elif region is None:
            keys = list(acct.regions)
        else:
            keys = [region]
        out: list[CollectionError] = []
        for key in keys:
            rec = acct.record(dataset.name, key)
            if rec is None:
                out.append(
                    CollectionError.not_collected(
                        f"dataset {dataset.name} was not collected", region=key
                    )
                )
            elif rec.error is not None:
                out.append(rec.error)
        return tuple(out)

    def get(self, account_id: str, dataset: Dataset[T], region: str | None = None) -> T:
        """Parsed data; raises DataUnavailable when it was not collected."""
        key = record_key(dataset.name, region if dataset.scope is Scope.REGION else None)
        cache_key = (account_id, key)
        if cache_key in self._cache:
            return self._cache[cache_key]  # type: ignore[no-any-return]
        acct = self._accounts.get(account_id)
        rec = acct.records.get(key) if acct else None
        if rec is None or rec.error is not None:
            raise DataUnavailable(self.errors(account_id, dataset, region))
        value = dataset.load(rec.data)
        self._cache[cache_key] = value
        if account_id == self._current:
            self._own.append(cache_key)
        return value

    def evaluating(self, account_id: str | None) -> None:
        """The evaluation moves on to `account_id` (None: it is over). The parsed data that only
        the account evaluated so far has read is released (read again, it is parsed again);
        data read across accounts stays cached, so memory does not grow with the accounts."""
        if account_id == self._current:
            return
        for key in self._own:
            self._cache.pop(key, None)
        self._own = []
        self._current = account_id

    def find(self, account_id: str, dataset: Dataset[T], region: str | None = None) -> T | None:
        """Like get, but None when unavailable (for optional cross-account lookups)."""
        try:
            return self.get(account_id, dataset, region)
        except DataUnavailable:
            return None

    def memo(self, key: Hashable, build: Callable[[OrgView], T]) -> T:
        """An Organization-wide lookup, built once per scan by `build(self)` and shared by every
        account's evaluation (so that a check reading every account's data stays linear).

        `key` names the lookup (the builder's own function, with its arguments, e.g. a region);
        `build` must be a pure function of the inventory.
        """
        if key not in self._memo:
            self._memo[key] = build(self)
        return self._memo[key]  # type: ignore[no-any-return]


class View:
    """What one check evaluation sees: an account, optionally a region, and the org."""

    def __init__(self, account: AccountInventory, region: str | None, org: OrgView) -> None:
        self.account = account
        self.account_id = account.account_id
        self.region = region
        self.org = org

    @property
    def regions(self) -> tuple[str, ...]:
        return self.account.regions

    @property
    def home_region(self) -> str:
        return self.account.home_region

    @property
    def collected_at(self) -> datetime:
        return self.org.collected_at

    def get(self, dataset: Dataset[T], region: str | None = None) -> T:
        return self.org.get(self.account_id, dataset, region or self.region)

    def per_region(self, dataset: Dataset[T]) -> dict[str, T]:
        return {r: self.org.get(self.account_id, dataset, r) for r in self.regions}

    def judge(self, resource: Resource, decide: Callable[[], Result | None]) -> Result | None:
        """`decide()` for one resource (None: no finding); ERROR on `resource` when it reads
        data that failed.

        The per-resource error boundary: a field whose collection failed (or a dataset that was
        not collected) makes this resource ERROR, naming the call, and leaves the others alone.
        """
        try:
            return decide()
        except DataUnavailable as exc:
            return error_result(resource, exc.errors)

    def account_resource(self, region: str | None = None) -> Resource:
        return Resource(
            type="AwsAccount",
            id=f"AWS::::Account:{self.account_id}",
            region=region or self.region or self.home_region,
            account_id=self.account_id,
        )
