"""EKS.8: EKS clusters send their audit logs to CloudWatch Logs.

Security Hub control EKS.8 "EKS clusters should have audit logging enabled" (severity Medium,
category Identify > Logging), backed by the AWS Config rule eks-cluster-log-enabled with its
logTypes parameter fixed to "audit": a cluster FAILs unless the "audit" control plane log type is
enabled (other types enabled without it do not count). As the control, audit logging through
Amazon Security Lake is not looked at.

Scope: one finding per cluster (AwsEksCluster) in the region; no cluster: no finding. A
DescribeCluster that failed makes that cluster ERROR; a failed ListClusters makes the region ERROR.
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import partial

from scanner.core.check import Check
from scanner.core.dataset import Scope
from scanner.core.datasets.eks import EKS_CLUSTERS, Cluster
from scanner.core.model import Resource, Result, Severity, Status, peek
from scanner.core.view import View

AUDIT = "audit"


def _judge(cluster: Cluster, resource: Resource) -> Result:
    types = cluster.enabled_log_types  # raises FieldUnavailable: ERROR on this cluster
    evidence = {"api": "eks:DescribeCluster", "enabled_log_types": list(types)}
    if AUDIT in types:
        return Result(
            status=Status.PASS,
            resource=resource,
            reason=f"EKS cluster {cluster.name} sends its audit logs to CloudWatch Logs.",
            evidence=evidence,
        )
    return Result(
        status=Status.FAIL,
        resource=resource,
        reason=f"EKS cluster {cluster.name} does not have the audit log type enabled.",
        evidence=evidence,
    )


def evaluate(view: View) -> Iterator[Result]:
    """One result per cluster in the view's region."""
    for cluster in view.get(EKS_CLUSTERS):
        arn = peek(cluster, "arn")  # unread (DescribeCluster failed): the ARN from its parts
        resource = Resource(
            type="AwsEksCluster",
            id=arn or f"arn:aws:eks:{view.region}:{view.account_id}:cluster/{cluster.name}",
            region=view.region,
        )
        result = view.judge(resource, partial(_judge, cluster, resource))
        if result is not None:
            yield result


CHECK = Check(
    id="eks_audit_logging",
    control_id="EKS.8",
    title="EKS clusters should have audit logging enabled",
    severity=Severity.MEDIUM,
    resource_type="AwsEksCluster",
    scope=Scope.REGION,
    requires=(EKS_CLUSTERS,),
    evaluate=evaluate,
    rationale="The Kubernetes audit log records every request to the cluster's API server (who "
    "did what, when), for investigations and compliance audits.",
    remediation="aws eks update-cluster-config --name <cluster> --logging "
    '\'{"clusterLogging":[{"types":["audit"],"enabled":true}]}\'',
    remediation_url="https://docs.aws.amazon.com/securityhub/latest/userguide/eks-controls.html#eks-8",
)
