"""Elastic Load Balancing datasets: Classic and v2 (Application, Network, Gateway) load balancers
with their access-log attributes, per region."""

from __future__ import annotations

from scanner.core.dataset import Dataset, Scope
from scanner.core.model import Collected


class LoadBalancer(Collected):
    """A load balancer and its access-log attributes (DescribeLoadBalancerAttributes).

    `kind` is "classic" (the elb API) or the v2 Type: "application", "network" or "gateway".
    Only Classic and Application Load Balancers have their attributes read (ELB.5 covers only
    those): for the others `access_logs_enabled` stays None. A failed attributes call makes
    `access_logs_enabled`, `bucket` and `prefix` unavailable (errors), never False.
    """

    name: str
    arn: str
    kind: str
    scheme: str | None = None
    access_logs_enabled: bool | None = None
    bucket: str | None = None
    prefix: str | None = None

    @property
    def logging_in_scope(self) -> bool:
        """Whether ELB.5 evaluates this load balancer (Classic or Application)."""
        return self.kind in ("classic", "application")


ELB_CLASSIC_LOAD_BALANCERS: Dataset[list[LoadBalancer]] = Dataset(
    "elb.classic_load_balancers",
    Scope.REGION,
    list[LoadBalancer],
    "elb DescribeLoadBalancers, then DescribeLoadBalancerAttributes per load balancer",
)
ELBV2_LOAD_BALANCERS: Dataset[list[LoadBalancer]] = Dataset(
    "elbv2.load_balancers",
    Scope.REGION,
    list[LoadBalancer],
    "elbv2 DescribeLoadBalancers, then DescribeLoadBalancerAttributes per Application Load "
    "Balancer",
)
