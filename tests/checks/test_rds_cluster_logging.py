"""RDS.34, RDS.37, DocumentDB.4, Neptune.2: a DB cluster of the engine exports the log type."""

from __future__ import annotations

import pytest

from checks import (
    docdb_audit_logging,
    neptune_audit_logging,
    rds_aurora_mysql_audit_logging,
    rds_aurora_postgresql_logging,
)
from scanner.core.check import Check
from scanner.core.datasets.rds import RDS_DATABASES, Databases, DbCluster, DbInstance
from scanner.core.model import CollectionError
from tests.builders import MGMT, InventoryBuilder, run

HOME = "us-east-1"
ARN = f"arn:aws:rds:{HOME}:{MGMT}:cluster:"
RDS_34 = rds_aurora_mysql_audit_logging.CHECK
RDS_37 = rds_aurora_postgresql_logging.CHECK
DOCDB_4 = docdb_audit_logging.CHECK
NEPTUNE_2 = neptune_audit_logging.CHECK


def cluster(
    name: str, engine: str, exports: tuple[str, ...] = (), mode: str | None = None
) -> DbCluster:
    return DbCluster(
        identifier=name,
        arn=ARN + name,
        engine=engine,
        status="available",
        engine_mode=mode,
        log_exports=exports,
    )


#: One cluster of every engine, each passing one control: only that control's engines count.
MIXED = Databases(
    clusters=(
        cluster("am-audit", "aurora-mysql", ("audit", "error")),
        cluster("am-none", "aurora-mysql", ("error",)),
        cluster("am-legacy", "aurora", ()),
        cluster("am-serverless-v1", "aurora-mysql", (), mode="serverless"),
        cluster("ap-logs", "aurora-postgresql", ("postgresql",)),
        cluster("ap-none", "aurora-postgresql", ()),
        cluster("doc-audit", "docdb", ("audit", "profiler")),
        cluster("doc-profiler", "docdb", ("profiler",)),
        cluster("nep-audit", "neptune", ("audit",)),
        cluster("nep-slow", "neptune", ("slowquery",)),
        cluster("pg-multi-az", "postgres", ("postgresql",)),
    ),
    instances=(
        DbInstance(identifier="i", arn="arn:aws:rds:x:y:db:i", engine="docdb", status="available"),
    ),
)


def statuses(check: Check, dbs: Databases) -> dict[str, str]:
    b = InventoryBuilder(regions=(HOME,))
    b.account(MGMT).put(RDS_DATABASES, dbs)
    return {f.resource.id.removeprefix(ARN): f.status.value for f in run(check, b)}


@pytest.mark.parametrize(
    ("check", "expected"),
    [
        (RDS_34, {"am-audit": "PASS", "am-none": "FAIL", "am-legacy": "FAIL"}),
        (RDS_37, {"ap-logs": "PASS", "ap-none": "FAIL"}),
        (DOCDB_4, {"doc-audit": "PASS", "doc-profiler": "FAIL"}),
        (NEPTUNE_2, {"nep-audit": "PASS", "nep-slow": "FAIL"}),
    ],
)
def test_each_control_judges_only_its_engines(check: Check, expected: dict[str, str]) -> None:
    assert statuses(check, MIXED) == expected


def test_findings_name_the_cluster_and_what_is_missing() -> None:
    b = InventoryBuilder(regions=(HOME,))
    b.account(MGMT).put(RDS_DATABASES, Databases(clusters=(cluster("nep", "neptune"),)))
    (finding,) = run(NEPTUNE_2, b)
    assert finding.resource.type == "AwsRdsDbCluster"
    assert finding.resource.id == ARN + "nep"
    assert finding.evidence["missing"] == ["audit"]


@pytest.mark.parametrize("check", [RDS_34, RDS_37, DOCDB_4, NEPTUNE_2])
def test_no_cluster_no_finding(check: Check) -> None:
    assert statuses(check, Databases()) == {}


@pytest.mark.parametrize("check", [RDS_34, RDS_37, DOCDB_4, NEPTUNE_2])
def test_denied_cluster_listing_is_error_even_when_instances_were_listed(check: Check) -> None:
    denied = CollectionError(
        operation="DescribeDBClusters",
        iam_action="rds:DescribeDBClusters",
        code="AccessDenied",
        message="denied",
        region=HOME,
    )
    b = InventoryBuilder(regions=(HOME,))
    b.account(MGMT).put(RDS_DATABASES, Databases(errors=Databases.failed(denied, "clusters")))
    findings = run(check, b)
    assert [f.status.value for f in findings] == ["ERROR"]
    assert findings[0].errors[0].iam_action == "rds:DescribeDBClusters"


def test_denied_instance_listing_does_not_stop_cluster_checks() -> None:
    denied = CollectionError(
        operation="DescribeDBInstances",
        iam_action="rds:DescribeDBInstances",
        code="AccessDenied",
        message="denied",
        region=HOME,
    )
    dbs = Databases(
        clusters=(cluster("doc", "docdb", ("audit",)),),
        errors=Databases.failed(denied, "instances"),
    )
    assert statuses(DOCDB_4, dbs) == {"doc": "PASS"}
