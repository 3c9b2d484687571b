"""ELB.5: Classic and Application Load Balancers have access logs; NLB/GWLB are not evaluated."""

from __future__ import annotations

from typing import Any

from checks.elb_logging_enabled import CHECK
from scanner.core.datasets.elb import ELB_CLASSIC_LOAD_BALANCERS, ELBV2_LOAD_BALANCERS, LoadBalancer
from scanner.core.model import CollectionError
from tests.builders import MGMT, InventoryBuilder, by_resource, run

HOME = "us-east-1"
DENIED = CollectionError(
    operation="DescribeLoadBalancerAttributes",
    iam_action="elasticloadbalancing:DescribeLoadBalancerAttributes",
    code="AccessDenied",
    message="denied",
    region=HOME,
)


def lb(name: str, kind: str, enabled: bool | None, **kw: Any) -> LoadBalancer:
    arn = f"arn:aws:elasticloadbalancing:{HOME}:{MGMT}:loadbalancer/{name}"
    return LoadBalancer(name=name, arn=arn, kind=kind, access_logs_enabled=enabled, **kw)


def inventory(classic: list[LoadBalancer], v2: list[LoadBalancer]) -> InventoryBuilder:
    b = InventoryBuilder(regions=(HOME,))
    b.account(MGMT).put(ELB_CLASSIC_LOAD_BALANCERS, classic).put(ELBV2_LOAD_BALANCERS, v2)
    return b


def arn(name: str) -> str:
    return f"arn:aws:elasticloadbalancing:{HOME}:{MGMT}:loadbalancer/{name}"


def test_enabled_passes_disabled_fails_for_classic_and_application() -> None:
    b = inventory(
        [lb("clb-on", "classic", True, bucket="logs"), lb("clb-off", "classic", False)],
        [
            lb("app/alb-on/1", "application", True, bucket="logs"),
            lb("app/alb-off/2", "application", False),
        ],
    )
    findings = run(CHECK, b)
    assert by_resource(findings) == {
        (MGMT, HOME, arn("clb-on")): "PASS",
        (MGMT, HOME, arn("clb-off")): "FAIL",
        (MGMT, HOME, arn("app/alb-on/1")): "PASS",
        (MGMT, HOME, arn("app/alb-off/2")): "FAIL",
    }
    types = {f.resource.id.rsplit("/", 1)[-1]: f.resource.type for f in findings}
    assert types["clb-on"] == "AwsElbLoadBalancer"
    assert types["1"] == "AwsElbv2LoadBalancer"


def test_network_and_gateway_load_balancers_get_no_finding() -> None:
    b = inventory([], [lb("net/nlb/1", "network", None), lb("gwy/gw/2", "gateway", None)])
    assert run(CHECK, b) == []


def test_no_load_balancers_no_finding() -> None:
    assert run(CHECK, inventory([], [])) == []


def test_denied_attributes_is_error_on_that_load_balancer_only() -> None:
    failed = LoadBalancer.failed(DENIED, "access_logs_enabled", "bucket", "prefix")
    b = inventory(
        [lb("clb-denied", "classic", None, errors=failed), lb("clb-on", "classic", True)],
        [],
    )
    findings = run(CHECK, b)
    assert by_resource(findings) == {
        (MGMT, HOME, arn("clb-denied")): "ERROR",
        (MGMT, HOME, arn("clb-on")): "PASS",
    }
    error = next(f for f in findings if f.status.value == "ERROR")
    assert error.errors[0].iam_action == "elasticloadbalancing:DescribeLoadBalancerAttributes"


def test_denied_listing_is_error_for_the_region() -> None:
    b = InventoryBuilder(regions=(HOME,))
    b.account(MGMT).put(ELB_CLASSIC_LOAD_BALANCERS, [lb("clb-off", "classic", False)]).fail(
        ELBV2_LOAD_BALANCERS,
        operation="DescribeLoadBalancers",
        iam_action="elasticloadbalancing:DescribeLoadBalancers",
    )
    assert [f.status.value for f in run(CHECK, b)] == ["ERROR"]
