"""Clients lent from one account to the next (scanner.aws.client_pool): each account's calls
are signed with its own credentials and see its own data, its retry and rate-limit state starts
fresh, and nothing registered for one account is left for the next."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC
from pathlib import Path
from typing import Any

import pytest
from botocore.retries import adaptive, standard

from scanner.app.scan import ScanRequest, run_scan
from scanner.aws import client_pool
from scanner.aws.client_pool import ClientNotLent, ClientPool
from scanner.aws.collection import ScanOptions
from scanner.aws.session import AccountSession, CallLog, ClientSettings, Sessions
from scanner.core.datasets.cloudtrail import TRAILS
from scanner.core.datasets.logs import LOG_GROUPS

REGIONS = ("us-east-1", "eu-west-1")


@pytest.fixture
def members(account_client: Callable[..., Any]) -> list[str]:
    """Four member accounts, each with log groups and a trail of its own names."""
    orgs = account_client("organizations")
    orgs.create_organization(FeatureSet="ALL")
    ids = []
    for n in range(4):
        account = orgs.create_account(Email=f"m{n}@example.com", AccountName=f"m{n}")
        ids.append(account["CreateAccountStatus"]["AccountId"])
    for account in ids:
        for region in REGIONS:
            logs = account_client("logs", region, account)
            logs.create_log_group(logGroupName=f"/own/{account}/{region}")
        s3 = account_client("s3", "us-east-1", account)
        s3.create_bucket(Bucket=f"trail-{account}")
        trails = account_client("cloudtrail", "us-east-1", account)
        trails.create_trail(Name=f"trail-{account}", S3BucketName=f"trail-{account}")
    return ids


def test_accounts_collected_with_lent_clients_see_only_their_own_data(
    moto_endpoint: str, members: list[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    built: list[tuple[str, str, str]] = []
    lent: list[tuple[str, int]] = []
    build, lend = AccountSession._build, client_pool.Pooled.lend

    def counting_build(self: AccountSession, service: str, region: str) -> Any:
        built.append((self.account_id, service, region))
        return build(self, service, region)

    def counting_lend(self: client_pool.Pooled, owner: Any, credentials: Any) -> None:
        lent.append((owner.account_id, id(self.client)))
        lend(self, owner, credentials)

    monkeypatch.setattr(AccountSession, "_build", counting_build)
    monkeypatch.setattr(client_pool.Pooled, "lend", counting_lend)
    sessions = Sessions(None, ClientSettings(endpoint_url=moto_endpoint, max_attempts=2))
    outcome = run_scan(
        ScanRequest(
            # one account at a time: every account after the first borrows the clients
            options=ScanOptions(
                org=True, regions=REGIONS, endpoint_url=moto_endpoint, max_workers=4, processes=1
            ),
            output_dir=tmp_path / "out",
        ),
        sessions=sessions,
    )
    by_account = {a.account_id: a for a in outcome.inventory.accounts}
    for account in members:
        inv = by_account[account]
        for region in REGIONS:
            groups = inv.record("logs.log_groups", region)
            assert groups is not None and groups.error is None
            own = LOG_GROUPS.load(groups.data)
            assert {g.name for g in own} == {f"/own/{account}/{region}"}
            assert all(f":{region}:{account}:" in g.arn for g in own)
        trails = inv.record("cloudtrail.trails", "us-east-1")
        assert trails is not None and trails.error is None
        assert [(t.name, t.arn.split(":")[4]) for t in TRAILS.load(trails.data)] == [
            (f"trail-{account}", account)
        ]
    # the clients were lent across accounts: one client served several of them
    accounts_per_client: dict[int, set[str]] = {}
    for account, client in lent:
        accounts_per_client.setdefault(client, set()).add(account)
    assert max(len(v) for v in accounts_per_client.values()) >= len(members)
    logs_built = [b for b in built if b[1] == "logs"]
    assert len(logs_built) <= len(REGIONS) * 2  # not one per account and region
    assert outcome.calls is not None and outcome.calls.repeated == 0


def _pooled_account(pool: ClientPool, account_id: str) -> AccountSession:
    import botocore.session

    session = botocore.session.Session()
    session.set_credentials(f"AKIA{account_id}", "secret")
    settings = ClientSettings(endpoint_url="http://127.0.0.1:9", max_attempts=2)
    return AccountSession(account_id, session, settings, CallLog(), pool)


def test_a_lent_client_starts_with_fresh_credentials_retry_quota_rate_limiter_and_handlers() -> (
    None
):
    pool = ClientPool()
    first = _pooled_account(pool, "111111111111")
    client = first.client("cloudtrail", "us-east-1")
    pooled = first._lent[("cloudtrail", "us-east-1")]
    assert isinstance(pooled.limiter, adaptive.ClientRateLimiter)
    assert isinstance(pooled.quota_checker, standard.RetryQuotaChecker)
    # the first account was throttled and spent retry quota, and registered a handler
    pooled.limiter._enabled = True
    pooled.limiter._token_bucket.max_rate = 0.5
    assert pooled.quota_checker._quota.acquire(400)
    seen: list[str] = []
    client.meta.events.register("before-call.cloudtrail.*", lambda **_: seen.append("first"))
    first.release_clients(reuse=True)
    assert pool.idle() == 1

    second = _pooled_account(pool, "222222222222")
    again = second.client("cloudtrail", "us-east-1")
    assert again is client  # lent, not built
    assert again._request_signer._credentials.access_key == "AKIA222222222222"
    assert pooled.limiter._enabled is False
    assert pooled.limiter._token_bucket.max_rate == 1
    assert pooled.quota_checker._quota.available_capacity == 500
    handlers = again.meta.events._emitter._handlers.prefix_search("before-call.cloudtrail.X")
    assert not [h for h in handlers if getattr(h, "__name__", "") == "<lambda>"]
    assert seen == []


def test_a_client_given_back_cannot_send_and_a_request_of_one_account_is_not_sent_for_another() -> (
    None
):
    pool = ClientPool()
    first = _pooled_account(pool, "111111111111")
    client = first.client("logs", "us-east-1")
    pooled = first._lent[("logs", "us-east-1")]
    first.release_clients(reuse=True)
    with pytest.raises(ClientNotLent):
        client.describe_log_groups()  # given back: lent to nobody
    second = _pooled_account(pool, "222222222222")
    assert second.client("logs", "us-east-1") is client

    class Request:
        context = {"trailwatch_owner": first}

    with pytest.raises(ClientNotLent):
        client_pool.check_owner(pooled.binding, Request())
    Request.context = {"trailwatch_owner": second}
    client_pool.check_owner(pooled.binding, Request())  # its own: sent


def test_s3_sts_are_never_lent_and_an_interrupted_account_returns_nothing() -> None:
    pool = ClientPool()
    first = _pooled_account(pool, "111111111111")
    for service in ("s3", "s3control", "sts"):
        first.client(service, "us-east-1")
    first.client("kms", "us-east-1")
    first.release_clients(reuse=False)  # calls may still be running: nothing is lent again
    assert pool.idle() == 0
    second = _pooled_account(pool, "222222222222")
    for service in ("s3", "s3control", "sts", "kms"):
        second.client(service, "us-east-1")
    second.release_clients(reuse=True)
    assert pool.idle() == 1  # kms only


def test_a_cleared_pool_lets_its_clients_go() -> None:
    import gc
    import weakref

    pool = ClientPool()
    first = _pooled_account(pool, "111111111111")
    ref = weakref.ref(first.client("kms", "us-east-1"))
    first.release_clients(reuse=True)
    del first
    assert pool.idle() == 1
    gc.collect()
    assert ref() is not None  # kept for the next account
    pool.clear()
    gc.collect()
    assert pool.idle() == 0
    assert ref() is None  # nothing else holds it: its memory is free
    second = _pooled_account(pool, "222222222222")
    assert second.client("kms", "us-east-1") is not None  # a new one is built


def test_assumed_credentials_count_their_time_left_like_botocore(
    moto_endpoint: str, members: list[str]
) -> None:
    from botocore.credentials import _local_now

    sessions = Sessions(None, ClientSettings(endpoint_url=moto_endpoint, max_attempts=2))
    sessions.identify("us-east-1")
    member = sessions.assume(members[0], "OrganizationAccountAccessRole", "us-east-1")
    creds = member._session.get_credentials()
    ours = creds._seconds_remaining()
    botocore_own = (creds._expiry_time - _local_now()).total_seconds()
    assert abs(ours - botocore_own) < 2
    assert creds._time_fetcher().tzinfo is UTC  # not a dateutil tzlocal built per call
    assert not creds.refresh_needed()
