"""Elastic Load Balancing collectors: Classic (elb) and v2 (elbv2) load balancers per region, with
the access-log attributes of the Classic and Application ones.

A DescribeLoadBalancerAttributes call that fails is recorded on that load balancer (its
access-log fields are unavailable), so one unreadable load balancer does not hide the others.
Network and Gateway Load Balancers are listed but their attributes are not read: ELB.5 does not
evaluate them.
"""

from __future__ import annotations

from typing import Any

from scanner.aws.collector import Collector, on
from scanner.aws.engine import CollectContext
from scanner.aws.services._resource_call import FAILED, resource_call
from scanner.core.datasets.elb import ELB_CLASSIC_LOAD_BALANCERS, ELBV2_LOAD_BALANCERS, LoadBalancer
from scanner.core.model import CollectionError

_LOG_FIELDS = ("access_logs_enabled", "bucket", "prefix")


def fetch_classic(ctx: CollectContext) -> list[LoadBalancer]:
    elb = ctx.client("elb")
    out: list[LoadBalancer] = []
    for item in ctx.paginate("elb", "describe_load_balancers", "LoadBalancerDescriptions"):
        name = str(item["LoadBalancerName"])
        errors: dict[str, CollectionError] = {}
        raw = resource_call(
            errors,
            _LOG_FIELDS,
            ctx.region,
            lambda: elb.describe_load_balancer_attributes(LoadBalancerName=name),  # noqa: B023
        )
        log: dict[str, Any] = {}
        if raw is not FAILED:
            log = raw.get("LoadBalancerAttributes", {}).get("AccessLog") or {}
        out.append(
            LoadBalancer(
                name=name,
                arn=f"arn:{ctx.partition}:elasticloadbalancing:{ctx.region}:{ctx.account_id}"
                f":loadbalancer/{name}",
                kind="classic",
                scheme=item.get("Scheme") or None,
                access_logs_enabled=bool(log.get("Enabled", False)) if raw is not FAILED else None,
                bucket=log.get("S3BucketName") or None,
                prefix=log.get("S3BucketPrefix") or None,
                errors=errors,
            )
        )
    return sorted(out, key=lambda lb: lb.name)


def fetch_v2(ctx: CollectContext) -> list[LoadBalancer]:
    elbv2 = ctx.client("elbv2")
    out: list[LoadBalancer] = []
    for item in ctx.paginate("elbv2", "describe_load_balancers", "LoadBalancers"):
        arn = str(item["LoadBalancerArn"])
        kind = str(item.get("Type") or "unknown")
        errors: dict[str, CollectionError] = {}
        enabled: bool | None = None
        attrs: dict[str, str] = {}
        if kind == "application":  # the only v2 type ELB.5 evaluates
            raw = resource_call(
                errors,
                _LOG_FIELDS,
                ctx.region,
                lambda: elbv2.describe_load_balancer_attributes(LoadBalancerArn=arn),  # noqa: B023
            )
            if raw is not FAILED:
                attrs = {str(a["Key"]): str(a.get("Value", "")) for a in raw.get("Attributes", ())}
                enabled = attrs.get("access_logs.s3.enabled", "false").lower() == "true"
        out.append(
            LoadBalancer(
                name=str(item.get("LoadBalancerName") or arn.rsplit("/", 2)[-2]),
                arn=arn,
                kind=kind,
                scheme=item.get("Scheme") or None,
                access_logs_enabled=enabled,
                bucket=attrs.get("access_logs.s3.bucket") or None,
                prefix=attrs.get("access_logs.s3.prefix") or None,
                errors=errors,
            )
        )
    return sorted(out, key=lambda lb: lb.arn)


# Both APIs record their calls under one eventSource, with the same names.
_ELB_EVENTS = on(
    "elasticloadbalancing.amazonaws.com",
    "CreateLoadBalancer",
    "DeleteLoadBalancer",
    "ModifyLoadBalancerAttributes",
)

COLLECTORS = (
    Collector(
        ELB_CLASSIC_LOAD_BALANCERS,
        (
            "elasticloadbalancing:DescribeLoadBalancers",
            "elasticloadbalancing:DescribeLoadBalancerAttributes",
        ),
        fetch_classic,
        events=_ELB_EVENTS,
    ),
    Collector(
        ELBV2_LOAD_BALANCERS,
        (
            "elasticloadbalancing:DescribeLoadBalancers",
            "elasticloadbalancing:DescribeLoadBalancerAttributes",
        ),
        fetch_v2,
        events=_ELB_EVENTS,
    ),
)
