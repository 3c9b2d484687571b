"""Demo data services: RDS, Aurora, Neptune, Redshift and OpenSearch, logging and not."""

from __future__ import annotations

from scanner.demo.world import DemoOrg

ORDER = 80
REGION = "us-east-1"
#: A demo-only master password (moto stores it; nothing real is protected by it).
DEMO_PASSWORD = "DemoOnlyPassw0rd"  # noqa: S105 - demo data, protects nothing


def seed(org: DemoOrg) -> None:
    acct = org.workloads
    rds = acct.client("rds", REGION)
    login = {"MasterUsername": "admin", "MasterUserPassword": DEMO_PASSWORD}
    small = {"DBInstanceClass": "db.t3.micro", "AllocatedStorage": 20}
    # RDS.9: PostgreSQL publishes both of its log types; MySQL publishes only the error log.
    rds.create_db_instance(
        DBInstanceIdentifier="orders-pg",
        Engine="postgres",
        EnableCloudwatchLogsExports=["postgresql", "upgrade"],
        **small,
        **login,
    )
    rds.create_db_instance(
        DBInstanceIdentifier="legacy-mysql",
        Engine="mysql",
        EnableCloudwatchLogsExports=["error"],
        **small,
        **login,
    )
    # RDS.34, RDS.37, Neptune.2: one cluster of each engine exporting its log type, one not.
    clusters = {
        "payments-aurora": ("aurora-mysql", ["audit", "error", "general", "slowquery"]),
        "reports-aurora": ("aurora-mysql", ["error"]),
        "catalog-aurora-pg": ("aurora-postgresql", ["postgresql"]),
        "scratch-aurora-pg": ("aurora-postgresql", []),
        "graph-neptune": ("neptune", ["audit"]),
        "lab-neptune": ("neptune", []),
    }
    for name, (engine, exports) in clusters.items():
        rds.create_db_cluster(
            DBClusterIdentifier=name, Engine=engine, EnableCloudwatchLogsExports=exports, **login
        )
    # Redshift.4: audit logging to CloudWatch Logs on one warehouse, none on the other.
    redshift = acct.client("redshift", REGION)
    for name in ("finance-warehouse", "adhoc-warehouse"):
        redshift.create_cluster(
            ClusterIdentifier=name,
            NodeType="dc2.large",
            ClusterType="single-node",
            MasterUsername="admin",
            MasterUserPassword=DEMO_PASSWORD,
        )
    redshift.enable_logging(
        ClusterIdentifier="finance-warehouse",
        LogDestinationType="cloudwatch",
        LogExports=["connectionlog", "userlog", "useractivitylog"],
    )
    # Opensearch.4/.5: one domain publishes error and audit logs, the other neither.
    group = acct.arn("logs", REGION, "log-group:/aws/opensearch/search-prod")
    acct.client("opensearch", REGION).create_domain(
        DomainName="search-prod",
        LogPublishingOptions={
            "ES_APPLICATION_LOGS": {"CloudWatchLogsLogGroupArn": group, "Enabled": True},
            "AUDIT_LOGS": {"CloudWatchLogsLogGroupArn": group, "Enabled": True},
        },
    )
    acct.client("opensearch", REGION).create_domain(DomainName="search-dev")
