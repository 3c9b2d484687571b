"""RDS.9: each engine's required log types, Aurora instances through their cluster, statuses."""

from __future__ import annotations

import pytest

from checks.rds_instance_logging import CHECK, REQUIRED_LOGS, family
from scanner.core.datasets.rds import RDS_DATABASES, Databases, DbCluster, DbInstance
from scanner.core.model import CollectionError
from tests.builders import MGMT, InventoryBuilder, run

HOME = "us-east-1"
ARN = f"arn:aws:rds:{HOME}:{MGMT}:db:"


def db(name: str, engine: str, exports: tuple[str, ...] = (), **kw: object) -> DbInstance:
    return DbInstance(
        identifier=name,
        arn=ARN + name,
        engine=engine,
        status=str(kw.pop("status", "available")),
        log_exports=exports,
        **kw,
    )


def cluster(name: str, engine: str, exports: tuple[str, ...] = ()) -> DbCluster:
    return DbCluster(
        identifier=name,
        arn=f"arn:aws:rds:{HOME}:{MGMT}:cluster:{name}",
        engine=engine,
        status="available",
        log_exports=exports,
    )


def statuses(dbs: Databases) -> dict[str, str]:
    b = InventoryBuilder(regions=(HOME,))
    b.account(MGMT).put(RDS_DATABASES, dbs)
    return {f.resource.id.removeprefix(ARN): f.status.value for f in run(CHECK, b)}


@pytest.mark.parametrize(
    ("engine", "full"),
    [
        ("oracle-ee", ("alert", "audit", "trace", "listener")),
        ("oracle-se2-cdb", ("alert", "audit", "trace", "listener")),
        ("postgres", ("postgresql", "upgrade")),
        ("mysql", ("audit", "error", "general", "slowquery")),
        ("mariadb", ("audit", "error", "general", "slowquery")),
        ("sqlserver-se", ("error", "agent")),
        ("sqlserver-ex", ("error", "agent")),
        ("aurora-mysql", ("audit", "error", "general", "slowquery")),
        ("aurora-postgresql", ("postgresql",)),
    ],
)
def test_each_engine_passes_with_all_its_logs_and_fails_with_one_missing(
    engine: str, full: tuple[str, ...]
) -> None:
    dbs = Databases(instances=(db("all", engine, full), db("short", engine, full[:-1])))
    assert statuses(dbs) == {"all": "PASS", "short": "FAIL"}


def test_no_exports_fails_and_the_finding_names_the_missing_types() -> None:
    b = InventoryBuilder(regions=(HOME,))
    b.account(MGMT).put(RDS_DATABASES, Databases(instances=(db("pg", "postgres", ("upgrade",)),)))
    (finding,) = run(CHECK, b)
    assert finding.status.value == "FAIL"
    assert finding.resource.type == "AwsRdsDbInstance"
    assert finding.evidence["missing"] == ["postgresql"]


def test_aurora_instance_is_judged_on_its_cluster_exports() -> None:
    full = REQUIRED_LOGS["aurora-mysql"]
    dbs = Databases(
        instances=(
            db("good-1", "aurora-mysql", cluster_identifier="good"),
            db("bad-1", "aurora-mysql", cluster_identifier="bad"),
            db("pg-1", "aurora-postgresql", cluster_identifier="pg"),
        ),
        clusters=(
            cluster("good", "aurora-mysql", full),
            cluster("bad", "aurora-mysql", ("audit",)),
            cluster("pg", "aurora-postgresql", ("postgresql",)),
        ),
    )
    assert statuses(dbs) == {"good-1": "PASS", "bad-1": "FAIL", "pg-1": "PASS"}


def test_aurora_instance_is_error_when_the_clusters_could_not_be_listed() -> None:
    denied = CollectionError(
        operation="DescribeDBClusters",
        iam_action="rds:DescribeDBClusters",
        code="AccessDenied",
        message="denied",
        region=HOME,
    )
    dbs = Databases(
        instances=(
            db("am-1", "aurora-mysql", cluster_identifier="am"),
            db("pg", "postgres", ("postgresql", "upgrade")),
        ),
        errors=Databases.failed(denied, "clusters"),
    )
    assert statuses(dbs) == {"am-1": "ERROR", "pg": "PASS"}


def test_stopped_and_unlisted_engines_get_no_finding() -> None:
    dbs = Databases(
        instances=(
            db("stopped", "mysql", status="stopped"),
            db("creating", "postgres", status="creating"),
            db("db2", "db2-se"),
            db("docdb", "docdb"),
            db("neptune", "neptune"),
            db("full-storage", "mysql", status="storage-full"),
        )
    )
    assert statuses(dbs) == {"full-storage": "FAIL"}


def test_engine_families() -> None:
    assert family("custom-oracle-ee") == "oracle"
    assert family("custom-sqlserver-web") == "sqlserver"
    assert family("aurora") == "aurora-mysql"
    assert family("db2-ae") is None and family("neptune") is None


def test_no_instances_no_finding_and_denied_listing_is_error() -> None:
    assert statuses(Databases()) == {}
    b = InventoryBuilder(regions=(HOME, "eu-west-1"))
    denied = CollectionError(
        operation="DescribeDBInstances",
        iam_action="rds:DescribeDBInstances",
        code="AccessDenied",
        message="denied",
        region="eu-west-1",
    )
    acct = b.account(MGMT)
    acct.put(RDS_DATABASES, Databases(), HOME)
    acct.put(RDS_DATABASES, Databases(errors=Databases.failed(denied, "instances")), "eu-west-1")
    findings = run(CHECK, b)
    assert [(f.region, f.status.value) for f in findings] == [("eu-west-1", "ERROR")]
    assert findings[0].errors[0].iam_action == "rds:DescribeDBInstances"


def test_dataset_not_collected_is_error() -> None:
    b = InventoryBuilder(regions=(HOME,))
    b.account(MGMT).fail(
        RDS_DATABASES, operation="DescribeDBInstances", iam_action="rds:DescribeDBInstances"
    )
    assert [f.status.value for f in run(CHECK, b)] == ["ERROR"]
