"""RDS.37: Aurora PostgreSQL DB clusters publish PostgreSQL logs to CloudWatch Logs.

Security Hub control RDS.37 "Aurora PostgreSQL DB clusters should publish logs to CloudWatch
Logs" (severity Medium, resource AWS::RDS::DBCluster, Config rule
rds-aurora-postgresql-logs-to-cloudwatch, no parameters). A cluster of engine aurora-postgresql
PASSes when EnabledCloudwatchLogsExports includes `postgresql`.

Edge cases, as decided here: the control names no exclusion, so every Aurora PostgreSQL cluster
is judged (Serverless v1 included). No such cluster in the region: no finding. DescribeDBClusters
denied: ERROR.
"""

from __future__ import annotations

from collections.abc import Iterator

from checks.lib.databases import cluster_export_results
from scanner.core.check import Check
from scanner.core.dataset import Scope
from scanner.core.datasets.rds import RDS_DATABASES
from scanner.core.model import Result, Severity
from scanner.core.view import View


def evaluate(view: View) -> Iterator[Result]:
    """One result per Aurora PostgreSQL cluster of the region."""
    yield from cluster_export_results(
        view, {"aurora-postgresql"}, ("postgresql",), "Aurora PostgreSQL DB cluster"
    )


CHECK = Check(
    id="rds_aurora_postgresql_logging",
    control_id="RDS.37",
    title="Aurora PostgreSQL DB clusters should publish logs to CloudWatch Logs",
    severity=Severity.MEDIUM,
    resource_type="AwsRdsDbCluster",
    scope=Scope.REGION,
    requires=(RDS_DATABASES,),
    evaluate=evaluate,
    rationale="PostgreSQL logs record connections, errors and statements; published to "
    "CloudWatch Logs they are kept outside the cluster and can be analysed and alarmed on.",
    remediation="aws rds modify-db-cluster --db-cluster-identifier <id> "
    "--cloudwatch-logs-export-configuration EnableLogTypes=postgresql",
    remediation_url="https://docs.aws.amazon.com/securityhub/latest/userguide/rds-controls.html#rds-37",
)
