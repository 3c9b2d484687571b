"""Load balancers as log sources: Classic and Application Load Balancers and their access logs."""

from __future__ import annotations

from collections.abc import Iterator

from scanner.core.dataset import Scope
from scanner.core.datasets.elb import ELB_CLASSIC_LOAD_BALANCERS, ELBV2_LOAD_BALANCERS
from scanner.core.logsource import Destination, Extractor, LogSource
from scanner.core.model import peek
from scanner.core.view import View


def load_balancers(view: View) -> Iterator[LogSource]:
    """Classic and Application Load Balancers of the view's region (Network and Gateway Load
    Balancers write no access logs of this kind and are left out). A load balancer whose
    attributes could not be read is listed with logging unknown."""
    for lb in [*view.get(ELB_CLASSIC_LOAD_BALANCERS), *view.get(ELBV2_LOAD_BALANCERS)]:
        if not lb.logging_in_scope:
            continue
        enabled = peek(lb, "access_logs_enabled")
        bucket = peek(lb, "bucket")
        yield LogSource(
            kind="load-balancer",
            id=lb.arn,
            name=lb.name,
            account_id=view.account_id,
            region=view.region,
            logging=enabled,
            log_types=("access",),
            destinations=(Destination.s3(bucket, peek(lb, "prefix")),)
            if enabled and bucket
            else (),
            detail=f"{lb.kind} load balancer",
            note="" if enabled is not None else "DescribeLoadBalancerAttributes could not be read",
        )


EXTRACTORS = (
    Extractor(
        name="elb.load_balancers",
        kind="load-balancer",
        scope=Scope.REGION,
        requires=(ELB_CLASSIC_LOAD_BALANCERS, ELBV2_LOAD_BALANCERS),
        extract=load_balancers,
    ),
)
