"""Rate limits follow AWS's: calls in flight are capped per (account, region, service), and
throttling slows down only the (account, region, service) that was throttled.

Every call goes over HTTP through a FaultProxy in front of moto, which counts the requests it is
answering at once and answers throttling where a rule says so.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from botocore.exceptions import ClientError
from botocore.retries.adaptive import ClientRateLimiter

from scanner.aws.session import PER_SERVICE_CALLS, AccountSession, ClientSettings, Sessions
from tests.faults import Fault, FaultProxy, Rule

REGIONS = ("us-east-1", "eu-west-1")
OTHER_ACCOUNT = "222222222222"


def _sessions(endpoint: str, max_attempts: int = 2) -> Sessions:
    sessions = Sessions(None, ClientSettings(endpoint_url=endpoint, max_attempts=max_attempts))
    sessions.identify(REGIONS[0])
    return sessions


def _limiter(session: AccountSession, service: str, region: str) -> ClientRateLimiter:
    """The adaptive-mode rate limiter of the account's client for (service, region)."""
    client = session.client(service, region)
    handlers = client.meta.events._emitter._handlers.prefix_search("before-send.x.y")
    found = [
        h.__self__ for h in handlers if isinstance(getattr(h, "__self__", None), ClientRateLimiter)
    ]
    assert len(found) == 1
    return found[0]


def _all_at_once(session: AccountSession, calls: list[tuple[str, str]]) -> None:
    """One thread per (service, region) call: DescribeTrails or DescribeLogGroups."""

    def call(job: tuple[str, str]) -> Any:
        service, region = job
        client = session.client(service, region)
        if service == "cloudtrail":
            return client.describe_trails()
        return client.describe_log_groups()

    with ThreadPoolExecutor(max_workers=len(calls)) as pool:
        list(pool.map(call, calls))


def test_calls_in_flight_are_capped_per_account_region_and_service(
    fault_proxy: Callable[..., FaultProxy],
) -> None:
    proxy = fault_proxy(latency_s=1.0)
    session = _sessions(proxy.endpoint).caller()
    calls: list[tuple[str, str]] = [
        (service, region) for service in ("cloudtrail", "logs") for region in REGIONS
    ] * (2 * PER_SERVICE_CALLS)
    _all_at_once(session, calls)

    stats = proxy.stats
    by_scope = {
        (service, region): n
        for (_, service, region), n in stats.max_in_flight.items()
        if service != "sts"  # identify's GetCallerIdentity
    }
    # Never above the cap in any scope; the cap itself is reached (that it is reached in every
    # scope at once depends on thread scheduling on a loaded machine, so it is not asserted).
    assert set(by_scope) == {
        (service, region) for service in ("cloudtrail", "logs") for region in REGIONS
    }
    assert max(by_scope.values()) == PER_SERVICE_CALLS
    assert stats.requests[("cloudtrail", "DescribeTrails")] == len(calls) // 2
    # the cap is per (region, service), not per account: the four scopes were in flight together
    assert stats.max_in_flight_total > PER_SERVICE_CALLS


def test_calls_in_flight_over_all_accounts_and_services_are_capped_by_max_workers(
    fault_proxy: Callable[..., FaultProxy],
) -> None:
    """Collection keeps more accounts open than `--max-workers` / 8 (an account seldom has 8
    calls in flight), so the cap on the total is held at each send."""
    proxy = fault_proxy(latency_s=0.5)
    sessions = _sessions(proxy.endpoint)
    sessions.in_flight.limit(3)
    session = sessions.caller()
    calls = [(service, region) for service in ("cloudtrail", "logs") for region in REGIONS] * 3
    _all_at_once(session, calls)
    stats = proxy.stats
    assert stats.max_in_flight_total == 3  # 12 calls at once were asked for
    assert stats.requests[("logs", "DescribeLogGroups")] == len(calls) // 2


def test_throttling_slows_only_the_throttled_service_and_region(
    fault_proxy: Callable[..., FaultProxy],
) -> None:
    throttled = Rule(Fault.THROTTLING, frozenset({"DescribeTrails"}), match='"trailNameList"')
    proxy = fault_proxy(rules=[throttled])
    sessions = _sessions(proxy.endpoint, max_attempts=3)
    own = sessions.caller()
    other = sessions.assume(OTHER_ACCOUNT, "OrganizationAccountAccessRole", REGIONS[0])
    home, away = REGIONS

    with pytest.raises(ClientError) as raised:  # throttled on every attempt, in home only
        own.client("cloudtrail", home).describe_trails(trailNameList=["main"])
    assert raised.value.response["Error"]["Code"] == "ThrottlingException"
    for _ in range(5):
        own.client("logs", home).describe_log_groups()
        own.client("cloudtrail", away).describe_trails()
        other.client("cloudtrail", home).describe_trails()

    # botocore's adaptive mode keeps one rate limiter per client, and a client serves one
    # (account, region, service): only the throttled one slows its sends down.
    limiters = {
        "throttled": _limiter(own, "cloudtrail", home),
        "other service": _limiter(own, "logs", home),
        "other region": _limiter(own, "cloudtrail", away),
        "other account": _limiter(other, "cloudtrail", home),
    }
    assert len({id(limiter) for limiter in limiters.values()}) == len(limiters)
    assert {name: limiter._enabled for name, limiter in limiters.items()} == {
        "throttled": True,
        "other service": False,
        "other region": False,
        "other account": False,
    }
    # the throttled call was tried 4 times (3 retries); the 15 others at the first attempt
    assert proxy.stats.injected[Fault.THROTTLING] == 4
    assert sessions.calls.retries == 3
    assert proxy.stats.requests[("logs", "DescribeLogGroups")] == 5
    assert proxy.stats.requests[("cloudtrail", "DescribeTrails")] == 4 + 10
