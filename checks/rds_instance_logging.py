"""RDS.9: RDS DB instances publish their engine's logs to CloudWatch Logs.

Security Hub control RDS.9 "RDS DB instances should publish logs to CloudWatch Logs" (severity
Medium, resource AWS::RDS::DBInstance, Config rule rds-logging-enabled, no parameters). It fails
an instance that does not publish every log type of its engine:

- Oracle: alert, audit, trace, listener
- PostgreSQL: postgresql, upgrade
- MySQL and MariaDB: audit, error, general, slowquery
- SQL Server: error, agent
- Aurora MySQL: audit, error, general, slowquery
- Aurora PostgreSQL: postgresql

Edge cases, as decided here:
- Only instances in status available, backing-up, storage-optimization or storage-full are
  evaluated (the Config rule's NOT_APPLICABLE for the others: no finding).
- Engines outside the list (Db2, DocumentDB and Neptune instances) get no finding; DocumentDB and
  Neptune are judged on their clusters (DocumentDB.4, Neptune.2). Every Oracle and SQL Server
  edition and RDS Custom engine (custom-oracle-*, custom-sqlserver-*) is judged by its family.
- An Aurora instance publishes what its DB cluster is configured to export (Aurora keeps the
  setting on the cluster; the instance lists none), so its exports are the instance's own plus
  its cluster's from DescribeDBClusters; when DescribeDBClusters failed it is ERROR, never FAIL.
- SQL Server Express editions are held to error and agent like the others (the control's text
  names no exception), so they FAIL: the conservative reading.
- DescribeDBInstances denied is ERROR on the account and region (no verdict from missing data).
"""

from __future__ import annotations

from collections.abc import Iterator

from checks.lib.databases import instance_resource, missing
from scanner.core.check import Check
from scanner.core.dataset import Scope
from scanner.core.datasets.rds import RDS_DATABASES, Databases, DbInstance
from scanner.core.model import Result, Severity, Status
from scanner.core.view import View

EVALUATED_STATUSES = frozenset({"available", "backing-up", "storage-optimization", "storage-full"})

_MYSQL = ("audit", "error", "general", "slowquery")
#: Log types each engine family must publish (API names of EnabledCloudwatchLogsExports).
REQUIRED_LOGS: dict[str, tuple[str, ...]] = {
    "oracle": ("alert", "audit", "trace", "listener"),
    "postgres": ("postgresql", "upgrade"),
    "mysql": _MYSQL,
    "mariadb": _MYSQL,
    "sqlserver": ("error", "agent"),
    "aurora-mysql": _MYSQL,
    "aurora-postgresql": ("postgresql",),
}


def family(engine: str) -> str | None:
    """The REQUIRED_LOGS key of an engine name, or None when RDS.9 does not evaluate it."""
    name = engine.lower().removeprefix("custom-")
    if name == "aurora":  # Aurora MySQL 5.6-compatible
        return "aurora-mysql"
    if name in REQUIRED_LOGS:
        return name
    for prefix in ("oracle", "sqlserver"):
        if name.startswith(prefix + "-") or name == prefix:
            return prefix
    return None


def judge(view: View, dbs: Databases, db: DbInstance, fam: str) -> Result:
    exported = set(db.log_exports)
    evidence: dict[str, object] = {
        "api": ["rds:DescribeDBInstances"],
        "Engine": db.engine,
        "DBInstanceStatus": db.status,
        "EnabledCloudwatchLogsExports": list(db.log_exports),
    }
    if fam.startswith("aurora") and db.cluster_identifier:
        cluster = dbs.cluster(db.cluster_identifier)  # clusters unreadable: ERROR (View.judge)
        evidence["api"] = ["rds:DescribeDBInstances", "rds:DescribeDBClusters"]
        evidence["DBClusterIdentifier"] = db.cluster_identifier
        evidence["cluster EnabledCloudwatchLogsExports"] = (
            list(cluster.log_exports) if cluster else None
        )
        if cluster is not None:
            exported |= set(cluster.log_exports)
    required = REQUIRED_LOGS[fam]
    evidence["required"] = list(required)
    lacking = missing(required, exported)
    resource = instance_resource(view, db)
    if lacking:
        evidence["missing"] = lacking
        return Result(
            status=Status.FAIL,
            resource=resource,
            reason=f"The {db.engine} DB instance does not publish {', '.join(lacking)} logs to "
            "CloudWatch Logs.",
            evidence=evidence,
        )
    return Result(
        status=Status.PASS,
        resource=resource,
        reason=f"The {db.engine} DB instance publishes all of its engine's logs to CloudWatch "
        "Logs.",
        evidence=evidence,
    )


def evaluate(view: View) -> Iterator[Result]:
    """One result per evaluated DB instance of the region; none when there is none."""
    dbs = view.get(RDS_DATABASES)
    for db in dbs.instances:  # DescribeDBInstances failed: FieldUnavailable, ERROR on the account
        fam = family(db.engine)
        if fam is None or db.status not in EVALUATED_STATUSES:
            continue
        result = view.judge(instance_resource(view, db), lambda: judge(view, dbs, db, fam))  # noqa: B023
        if result is not None:
            yield result


CHECK = Check(
    id="rds_instance_logging",
    control_id="RDS.9",
    title="RDS DB instances should publish logs to CloudWatch Logs",
    severity=Severity.MEDIUM,
    resource_type="AwsRdsDbInstance",
    scope=Scope.REGION,
    requires=(RDS_DATABASES,),
    evaluate=evaluate,
    rationale="Database logs record connections, errors and queries; published to CloudWatch "
    "Logs they are kept, searchable and alarmable outside the database host.",
    remediation="aws rds modify-db-instance --db-instance-identifier <id> "
    "--cloudwatch-logs-export-configuration EnableLogTypes=<types> (Aurora: "
    "modify-db-cluster)",
    remediation_url="https://docs.aws.amazon.com/securityhub/latest/userguide/rds-controls.html#rds-9",
)
