"""Organization discovery on its own (moto): active accounts with OU paths and tags, the others
skipped with their status, each OU looked up once, and a failed lookup a recorded gap."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from typing import Any

import pytest

from scanner.aws.discovery import discover_organization
from scanner.aws.session import ClientSettings, Sessions
from tests.conftest import DEFAULT_ACCOUNT, Faults


class _Counting:
    """An Organizations client that counts the calls made through it."""

    def __init__(self, client: Any) -> None:
        self._client = client
        self.calls: Counter[str] = Counter()

    def __getattr__(self, name: str) -> Any:
        attr = getattr(self._client, name)
        if not callable(attr) or name.startswith("_"):
            return attr

        def call(*args: Any, **kwargs: Any) -> Any:
            self.calls[name] = self.calls[name] + 1
            return attr(*args, **kwargs)

        return call


@pytest.fixture
def org(account_client: Callable[..., Any]) -> tuple[Any, dict[str, str]]:
    """Root > Workloads > Prod holds two tagged accounts; one account sits in the root; one is
    closed."""
    orgs = account_client("organizations")
    orgs.create_organization(FeatureSet="ALL")
    root = orgs.list_roots()["Roots"][0]["Id"]
    workloads = orgs.create_organizational_unit(ParentId=root, Name="Workloads")
    prod = orgs.create_organizational_unit(
        ParentId=workloads["OrganizationalUnit"]["Id"], Name="Prod"
    )["OrganizationalUnit"]["Id"]
    ids: dict[str, str] = {}
    for name in ("prod-a", "prod-b", "flat", "closed"):
        status = orgs.create_account(AccountName=name, Email=f"{name}@example.com")
        ids[name] = status["CreateAccountStatus"]["AccountId"]
    for name in ("prod-a", "prod-b"):
        orgs.move_account(AccountId=ids[name], SourceParentId=root, DestinationParentId=prod)
        orgs.tag_resource(ResourceId=ids[name], Tags=[{"Key": "env", "Value": name}])
    orgs.close_account(AccountId=ids["closed"])
    return orgs, ids


def test_active_accounts_come_with_their_ou_path_and_tags_the_others_are_skipped(
    org: tuple[Any, dict[str, str]],
) -> None:
    orgs, ids = org
    found = discover_organization(orgs, max_workers=4)
    assert found.management_account_id == DEFAULT_ACCOUNT
    assert found.organization_id and found.organization_id.startswith("o-")
    accounts = {a.account_id: a for a in found.accounts}
    assert sorted(accounts) == sorted([DEFAULT_ACCOUNT, ids["prod-a"], ids["prod-b"], ids["flat"]])
    assert [a.account_id for a in found.accounts] == sorted(accounts)
    prod_a = accounts[ids["prod-a"]]
    assert (prod_a.name, prod_a.email, prod_a.status) == ("prod-a", "prod-a@example.com", "ACTIVE")
    assert prod_a.ou_path == ("Root", "Workloads", "Prod")
    assert prod_a.tags == {"env": "prod-a"}
    assert accounts[ids["flat"]].ou_path == ("Root",) and accounts[ids["flat"]].tags == {}
    assert all(not a.metadata_errors for a in found.accounts)
    (closed,) = found.skipped
    assert closed.account_id == ids["closed"] and closed.status != "ACTIVE"
    assert closed.status in closed.reason


def test_each_ou_is_looked_up_once_for_the_accounts_that_share_it(
    org: tuple[Any, dict[str, str]],
) -> None:
    orgs, _ids = org
    counting = _Counting(orgs)
    discover_organization(counting, max_workers=4)
    assert counting.calls["describe_organizational_unit"] == 2  # Prod, Workloads
    # one ListParents per active account, one per OU
    assert counting.calls["list_parents"] == 4 + 2


def test_without_details_no_ou_or_tag_call_is_made(org: tuple[Any, dict[str, str]]) -> None:
    orgs, ids = org
    counting = _Counting(orgs)
    found = discover_organization(counting, with_details=False)
    assert set(counting.calls) == {"describe_organization", "get_paginator"}
    assert {a.ou_path for a in found.accounts} == {()}
    assert len(found.accounts) == 4 and found.skipped[0].account_id == ids["closed"]


def test_a_failed_metadata_lookup_is_a_recorded_gap_not_an_abort(
    org: tuple[Any, dict[str, str]], faults: Faults, moto_endpoint: str
) -> None:
    _orgs, ids = org
    faults.deny("ListTagsForResource")
    settings = ClientSettings(endpoint_url=moto_endpoint, max_attempts=1, client_hook=faults.hook)
    sessions = Sessions(None, settings)  # the scanner's own clients, which name their calls
    sessions.identify("us-east-1")
    found = discover_organization(sessions.caller().client("organizations", "us-east-1"))
    prod_a = next(a for a in found.accounts if a.account_id == ids["prod-a"])
    assert prod_a.ou_path == ("Root", "Workloads", "Prod")  # the other lookup still counts
    assert prod_a.tags == {}
    assert [(e.operation, e.iam_action, e.code) for e in prod_a.metadata_errors] == [
        ("ListTagsForResource", "organizations:ListTagsForResource", "AccessDenied")
    ]
    assert len(found.accounts) == 4
