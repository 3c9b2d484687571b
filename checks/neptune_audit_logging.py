"""Neptune.2: Neptune DB clusters publish audit logs to CloudWatch Logs.

Security Hub control Neptune.2 "Neptune DB clusters should publish audit logs to CloudWatch
Logs" (severity Medium, resource AWS::RDS::DBCluster, Config rule
neptune-cluster-cloudwatch-log-export-enabled, no parameters). A cluster of engine neptune
(listed by the RDS API's DescribeDBClusters, which Neptune shares) PASSes when
EnabledCloudwatchLogsExports includes `audit`.

Edge cases, as decided here: Neptune writes audit records only with the neptune_enable_audit_log
cluster parameter; the control (and this check) reads only the export. No Neptune cluster in the
region: no finding. DescribeDBClusters denied: ERROR.
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
    """One result per Neptune cluster of the region."""
    yield from cluster_export_results(view, {"neptune"}, ("audit",), "Neptune DB cluster")


CHECK = Check(
    id="neptune_audit_logging",
    control_id="Neptune.2",
    title="Neptune DB clusters should publish audit logs to CloudWatch Logs",
    severity=Severity.MEDIUM,
    resource_type="AwsRdsDbCluster",
    scope=Scope.REGION,
    requires=(RDS_DATABASES,),
    evaluate=evaluate,
    rationale="Neptune audit logs record which client accessed the cluster and what it ran; "
    "published to CloudWatch Logs they can be kept, analysed and alarmed on.",
    remediation="aws neptune modify-db-cluster --db-cluster-identifier <id> "
    "--cloudwatch-logs-export-configuration EnableLogTypes=audit",
    remediation_url="https://docs.aws.amazon.com/securityhub/latest/userguide/neptune-controls.html#neptune-2",
)
