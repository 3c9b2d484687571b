"""DocumentDB.4: Amazon DocumentDB clusters publish audit logs to CloudWatch Logs.

Security Hub control DocumentDB.4 "Amazon DocumentDB clusters should publish audit logs to
CloudWatch Logs" (severity Medium, resource AWS::RDS::DBCluster, Config rule
docdb-cluster-audit-logging-enabled, no parameters). A cluster of engine docdb (listed by the RDS
API's DescribeDBClusters, which DocumentDB shares) PASSes when EnabledCloudwatchLogsExports
includes `audit`.

Edge cases, as decided here: DocumentDB also needs the cluster parameter audit_logs enabled for
events to be written; the control (and this check) reads only the export. No DocumentDB cluster
in the region: no finding. DescribeDBClusters denied: ERROR.

moto cannot represent this service: its CreateDBCluster rejects the engine `docdb` (RDS and
DocumentDB APIs alike), so the demo has no DocumentDB cluster; the verdicts are covered by pure
tests on hand-built inventories, and the shared listing by the RDS integration test.
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
    """One result per DocumentDB cluster of the region."""
    yield from cluster_export_results(view, {"docdb"}, ("audit",), "DocumentDB cluster")


CHECK = Check(
    id="docdb_audit_logging",
    control_id="DocumentDB.4",
    title="Amazon DocumentDB clusters should publish audit logs to CloudWatch Logs",
    severity=Severity.MEDIUM,
    resource_type="AwsRdsDbCluster",
    scope=Scope.REGION,
    requires=(RDS_DATABASES,),
    evaluate=evaluate,
    rationale="DocumentDB audit logs record authentication attempts and changes to collections "
    "and indexes; auditing is off by default.",
    remediation="aws docdb modify-db-cluster --db-cluster-identifier <id> "
    "--cloudwatch-logs-export-configuration EnableLogTypes=audit (and audit_logs=enabled in "
    "the cluster parameter group)",
    remediation_url="https://docs.aws.amazon.com/securityhub/latest/userguide/documentdb-controls.html#documentdb-4",
)
