"""RDS API databases per region: DB instances and DB clusters of every engine.

DescribeDBInstances and DescribeDBClusters list RDS, Aurora, DocumentDB and Neptune resources
alike (DocumentDB and Neptune are managed through the RDS API), so one listing of each serves
RDS.9, RDS.34, RDS.37, DocumentDB.4 and Neptune.2; each check picks its engines. A listing that
failed is recorded against its field (`instances` or `clusters`), so a check that reads only the
other one still runs, and one that reads the failed one is ERROR naming the call.
"""

from __future__ import annotations

from scanner.core.dataset import Dataset, Scope
from scanner.core.model import Collected, Frozen


class DbInstance(Frozen):
    """One DescribeDBInstances entry: what decides its log exports."""

    identifier: str
    arn: str
    engine: str
    status: str
    cluster_identifier: str | None = None
    log_exports: tuple[str, ...] = ()
    """EnabledCloudwatchLogsExports, as listed."""


class DbCluster(Frozen):
    """One DescribeDBClusters entry: what decides its log exports."""

    identifier: str
    arn: str
    engine: str
    status: str
    engine_mode: str | None = None
    log_exports: tuple[str, ...] = ()
    """EnabledCloudwatchLogsExports, as listed."""


class Databases(Collected):
    """The region's DB instances and DB clusters (each listing's failure is its field's)."""

    instances: tuple[DbInstance, ...] = ()
    clusters: tuple[DbCluster, ...] = ()

    def cluster(self, identifier: str) -> DbCluster | None:
        return next((c for c in self.clusters if c.identifier == identifier), None)


RDS_DATABASES: Dataset[Databases] = Dataset(
    "rds.databases",
    Scope.REGION,
    Databases,
    "DescribeDBInstances and DescribeDBClusters (every engine) in each region",
)
