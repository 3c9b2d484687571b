"""RDS.34: Aurora MySQL DB clusters publish audit logs to CloudWatch Logs.

Security Hub control RDS.34 "Aurora MySQL DB clusters should publish audit logs to CloudWatch
Logs" (severity Medium, resource AWS::RDS::DBCluster, Config rule
rds-aurora-mysql-audit-logging-enabled, no parameters). A cluster of engine aurora-mysql (or the
legacy MySQL 5.6-compatible `aurora`) PASSes when EnabledCloudwatchLogsExports includes `audit`.

Edge cases, as decided here:
- Aurora Serverless v1 clusters (EngineMode `serverless`) get no finding, as in Security Hub.
- Setting the cluster parameter server_audit_logs_upload=1 also uploads audit logs; Security Hub
  recommends the log export instead and this check reads only the export, so such a cluster
  FAILs (the parameter group is not read: no PASS from a setting not verified).
- Whether advanced auditing itself is on (server_audit_logging) is RDS.45, not this control.
- No Aurora MySQL cluster in the region: no finding. DescribeDBClusters denied: ERROR.
"""

from __future__ import annotations

from collections.abc import Iterator

from checks.lib.databases import cluster_export_results
from scanner.core.check import Check
from scanner.core.dataset import Scope
from scanner.core.datasets.rds import RDS_DATABASES
from scanner.core.model import Result, Severity
from scanner.core.view import View

ENGINES = frozenset({"aurora-mysql", "aurora"})


def evaluate(view: View) -> Iterator[Result]:
    """One result per provisioned or Serverless v2 Aurora MySQL cluster of the region."""
    yield from cluster_export_results(
        view,
        ENGINES,
        ("audit",),
        "Aurora MySQL DB cluster",
        skip=lambda c: c.engine_mode == "serverless",
    )


CHECK = Check(
    id="rds_aurora_mysql_audit_logging",
    control_id="RDS.34",
    title="Aurora MySQL DB clusters should publish audit logs to CloudWatch Logs",
    severity=Severity.MEDIUM,
    resource_type="AwsRdsDbCluster",
    scope=Scope.REGION,
    requires=(RDS_DATABASES,),
    evaluate=evaluate,
    rationale="Audit logs record logins, data and schema changes; published to CloudWatch Logs "
    "they are kept outside the cluster and can be analysed and alarmed on.",
    remediation="aws rds modify-db-cluster --db-cluster-identifier <id> "
    "--cloudwatch-logs-export-configuration EnableLogTypes=audit",
    remediation_url="https://docs.aws.amazon.com/securityhub/latest/userguide/rds-controls.html#rds-34",
)
