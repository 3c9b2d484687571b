"""ELB.5: Application and Classic Load Balancers have access logging enabled.

Security Hub control ELB.5 "Application and Classic Load Balancers logging should be enabled"
(severity Medium, category Identify > Logging, no parameters), backed by the AWS Config rule
elb-logging-enabled: a Classic Load Balancer FAILs when its AccessLog attribute is not enabled,
an Application Load Balancer when `access_logs.s3.enabled` is false (the rule's optional
s3BucketNames parameter is not set by Security Hub, so the bucket is evidence, not a verdict).

Scope: one finding per Classic (AwsElbLoadBalancer) and Application (AwsElbv2LoadBalancer) load
balancer of the account in the region. Network and Gateway Load Balancers are outside the rule
and get no finding; a region without load balancers gets none either (Security Hub has no
resource to evaluate). A DescribeLoadBalancerAttributes that failed makes that load balancer
ERROR (never FAIL); a failed DescribeLoadBalancers makes the region ERROR (the engine's rule).
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import partial

from scanner.core.check import Check
from scanner.core.dataset import Scope
from scanner.core.datasets.elb import ELB_CLASSIC_LOAD_BALANCERS, ELBV2_LOAD_BALANCERS, LoadBalancer
from scanner.core.model import Resource, Result, Severity, Status
from scanner.core.view import View

_TYPES = {"classic": "AwsElbLoadBalancer", "application": "AwsElbv2LoadBalancer"}


def _judge(lb: LoadBalancer, resource: Resource) -> Result:
    enabled = lb.access_logs_enabled  # raises FieldUnavailable: ERROR on this load balancer
    evidence = {
        "api": "elasticloadbalancing:DescribeLoadBalancerAttributes",
        "type": lb.kind,
        "access_logs_enabled": enabled,
        "bucket": lb.bucket,
        "prefix": lb.prefix,
    }
    label = "Classic" if lb.kind == "classic" else "Application"
    if enabled:
        return Result(
            status=Status.PASS,
            resource=resource,
            reason=f"{label} Load Balancer {lb.name} delivers access logs to s3://{lb.bucket}.",
            evidence=evidence,
        )
    return Result(
        status=Status.FAIL,
        resource=resource,
        reason=f"{label} Load Balancer {lb.name} has access logging disabled.",
        evidence=evidence,
    )


def evaluate(view: View) -> Iterator[Result]:
    """One result per Classic or Application Load Balancer in the view's region."""
    for lb in [*view.get(ELB_CLASSIC_LOAD_BALANCERS), *view.get(ELBV2_LOAD_BALANCERS)]:
        if not lb.logging_in_scope:
            continue
        resource = Resource(type=_TYPES[lb.kind], id=lb.arn, region=view.region)
        result = view.judge(resource, partial(_judge, lb, resource))
        if result is not None:
            yield result


CHECK = Check(
    id="elb_logging_enabled",
    control_id="ELB.5",
    title="Application and Classic Load Balancers logging should be enabled",
    severity=Severity.MEDIUM,
    resource_type="AwsElbv2LoadBalancer",
    scope=Scope.REGION,
    requires=(ELB_CLASSIC_LOAD_BALANCERS, ELBV2_LOAD_BALANCERS),
    evaluate=evaluate,
    rationale="Access logs record every request a load balancer receives (time, client IP, "
    "latencies, request path, response), for traffic analysis and incident investigation.",
    remediation="Application: aws elbv2 modify-load-balancer-attributes --load-balancer-arn <arn> "
    "--attributes Key=access_logs.s3.enabled,Value=true Key=access_logs.s3.bucket,Value=<bucket>; "
    "Classic: aws elb modify-load-balancer-attributes --load-balancer-name <name> "
    '--load-balancer-attributes \'{"AccessLog":{"Enabled":true,"S3BucketName":"<bucket>"}}\'',
    remediation_url="https://docs.aws.amazon.com/securityhub/latest/userguide/elb-controls.html#elb-5",
)
