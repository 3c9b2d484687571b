"""EKS.8: the audit control plane log type is enabled, per cluster."""

from __future__ import annotations

from checks.eks_audit_logging import CHECK
from scanner.core.datasets.eks import EKS_CLUSTERS, Cluster
from scanner.core.model import CollectionError
from tests.builders import MGMT, InventoryBuilder, by_resource, run

HOME = "us-east-1"


def cluster(name: str, *types: str) -> Cluster:
    arn = f"arn:aws:eks:{HOME}:{MGMT}:cluster/{name}"
    return Cluster(name=name, arn=arn, enabled_log_types=tuple(types))


def arn(name: str) -> str:
    return f"arn:aws:eks:{HOME}:{MGMT}:cluster/{name}"


def test_audit_type_passes_other_types_alone_fail() -> None:
    b = InventoryBuilder(regions=(HOME,))
    b.account(MGMT).put(
        EKS_CLUSTERS,
        [
            cluster("audited", "api", "audit"),
            cluster("api-only", "api", "scheduler"),
            cluster("none"),
        ],
    )
    assert by_resource(run(CHECK, b)) == {
        (MGMT, HOME, arn("audited")): "PASS",
        (MGMT, HOME, arn("api-only")): "FAIL",
        (MGMT, HOME, arn("none")): "FAIL",
    }


def test_no_cluster_no_finding() -> None:
    b = InventoryBuilder(regions=(HOME,))
    b.account(MGMT).put(EKS_CLUSTERS, [])
    assert run(CHECK, b) == []


def test_denied_describe_is_error_on_that_cluster_only() -> None:
    denied = CollectionError(
        operation="DescribeCluster",
        iam_action="eks:DescribeCluster",
        code="AccessDeniedException",
        message="denied",
        region=HOME,
    )
    unread = Cluster(name="secret", errors=Cluster.failed(denied, "arn", "enabled_log_types"))
    b = InventoryBuilder(regions=(HOME,))
    b.account(MGMT).put(EKS_CLUSTERS, [unread, cluster("audited", "audit")])
    findings = run(CHECK, b)
    assert by_resource(findings) == {
        (MGMT, HOME, arn("secret")): "ERROR",
        (MGMT, HOME, arn("audited")): "PASS",
    }
    assert next(f for f in findings if f.status.value == "ERROR").errors[0].operation == (
        "DescribeCluster"
    )


def test_denied_listing_is_error_for_the_region() -> None:
    b = InventoryBuilder(regions=(HOME,))
    b.account(MGMT).fail(EKS_CLUSTERS, operation="ListClusters", iam_action="eks:ListClusters")
    assert [f.status.value for f in run(CHECK, b)] == ["ERROR"]
