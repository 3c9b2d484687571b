"""RDS API, Redshift and OpenSearch collectors against moto: verdicts, and denied calls as ERROR.

moto has no DocumentDB engine (CreateDBCluster rejects `docdb`): DocumentDB.4 is covered by pure
tests; Neptune clusters come through the same DescribeDBClusters listing here.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from scanner.core.datasets.opensearch import OPENSEARCH_DOMAINS
from scanner.core.datasets.rds import RDS_DATABASES
from scanner.core.evaluate import evaluate
from scanner.core.findings import Finding
from scanner.core.frameworks import Frameworks
from scanner.core.inventory import Inventory
from scanner.core.registry import all_checks, select_checks
from tests.conftest import DEFAULT_ACCOUNT, Faults

HOME = "us-east-1"
RDS_CHECKS = ("RDS.9", "RDS.34", "RDS.37", "Neptune.2", "DocumentDB.4")
PASSWORD = "not-a-secret-1"


def _findings(inv: Inventory, checks: tuple[str, ...]) -> list[Finding]:
    return list(evaluate(inv, select_checks(all_checks(), list(checks)), Frameworks(())))


def _statuses(inv: Inventory, checks: tuple[str, ...]) -> dict[tuple[str, str, str], str]:
    """(control, region, resource name) -> status; the account's own ERRORs under "-"."""
    out: dict[tuple[str, str, str], str] = {}
    for f in _findings(inv, checks):
        name = f.resource.id.rsplit(":", 1)[-1].rsplit("/", 1)[-1]
        key = (
            f.control_id or f.check_id,
            f.region,
            "-" if f.resource.type == "AwsAccount" else name,
        )
        out[key] = f.status.value
    return out


def _seed_rds(client: Callable[..., Any]) -> None:
    rds = client("rds", HOME)
    common = {"MasterUsername": "admin", "MasterUserPassword": PASSWORD}
    rds.create_db_instance(
        DBInstanceIdentifier="pg-logged",
        Engine="postgres",
        DBInstanceClass="db.t3.micro",
        AllocatedStorage=20,
        EnableCloudwatchLogsExports=["postgresql", "upgrade"],
        **common,
    )
    rds.create_db_instance(
        DBInstanceIdentifier="mysql-silent",
        Engine="mysql",
        DBInstanceClass="db.t3.micro",
        AllocatedStorage=20,
        **common,
    )
    rds.create_db_cluster(
        DBClusterIdentifier="am-audit",
        Engine="aurora-mysql",
        EnableCloudwatchLogsExports=["audit", "error"],
        **common,
    )
    rds.create_db_instance(
        DBInstanceIdentifier="am-audit-1",
        Engine="aurora-mysql",
        DBInstanceClass="db.r5.large",
        DBClusterIdentifier="am-audit",
    )
    rds.create_db_cluster(
        DBClusterIdentifier="ap-logged",
        Engine="aurora-postgresql",
        EnableCloudwatchLogsExports=["postgresql"],
        **common,
    )
    rds.create_db_cluster(DBClusterIdentifier="graph-silent", Engine="neptune", **common)
    rds.create_db_cluster(
        DBClusterIdentifier="graph-audit",
        Engine="neptune",
        EnableCloudwatchLogsExports=["audit"],
        **common,
    )


def test_one_rds_listing_feeds_the_rds_aurora_and_neptune_controls(
    account_client: Callable[..., Any], scan_inventory: Callable[..., Inventory]
) -> None:
    _seed_rds(account_client)
    inv = scan_inventory(RDS_CHECKS)
    acct = inv.account(DEFAULT_ACCOUNT)
    assert acct is not None
    rec = acct.record(RDS_DATABASES.name, HOME)
    assert rec is not None and rec.error is None
    dbs = RDS_DATABASES.load(rec.data)
    assert {c.engine for c in dbs.clusters} == {"aurora-mysql", "aurora-postgresql", "neptune"}
    assert _statuses(inv, RDS_CHECKS) == {
        ("RDS.9", HOME, "pg-logged"): "PASS",
        ("RDS.9", HOME, "mysql-silent"): "FAIL",
        ("RDS.9", HOME, "am-audit-1"): "FAIL",  # its cluster exports audit and error only
        ("RDS.34", HOME, "am-audit"): "PASS",
        ("RDS.37", HOME, "ap-logged"): "PASS",
        ("Neptune.2", HOME, "graph-silent"): "FAIL",
        ("Neptune.2", HOME, "graph-audit"): "PASS",
    }


def test_denied_rds_listings_are_errors_of_what_they_feed(
    account_client: Callable[..., Any],
    scan_inventory: Callable[..., Inventory],
    faults: Faults,
) -> None:
    _seed_rds(account_client)
    faults.deny("DescribeDBClusters")
    statuses = _statuses(scan_inventory(RDS_CHECKS, regions=(HOME,)), RDS_CHECKS)
    # Clusters unreadable: every cluster control is ERROR, so is the Aurora instance; the other
    # instances are still judged from DescribeDBInstances.
    assert statuses == {
        ("RDS.9", HOME, "pg-logged"): "PASS",
        ("RDS.9", HOME, "mysql-silent"): "FAIL",
        ("RDS.9", HOME, "am-audit-1"): "ERROR",
        ("RDS.34", HOME, "-"): "ERROR",
        ("RDS.37", HOME, "-"): "ERROR",
        ("Neptune.2", HOME, "-"): "ERROR",
        ("DocumentDB.4", HOME, "-"): "ERROR",
    }
    faults.denied.clear()
    faults.deny("DescribeDBInstances")
    inv = scan_inventory(RDS_CHECKS, regions=(HOME,))
    statuses = _statuses(inv, RDS_CHECKS)
    assert statuses[("RDS.9", HOME, "-")] == "ERROR"
    assert statuses[("RDS.34", HOME, "am-audit")] == "PASS"
    errors = {e.iam_action for f in _findings(inv, ("RDS.9",)) for e in f.errors}
    assert errors == {"rds:DescribeDBInstances"}


def _seed_redshift(client: Callable[..., Any]) -> None:
    client("s3", HOME).create_bucket(Bucket="warehouse-audit-logs")
    redshift = client("redshift", HOME)
    for name in ("wh-logged", "wh-silent"):
        redshift.create_cluster(
            ClusterIdentifier=name,
            NodeType="dc2.large",
            ClusterType="single-node",
            MasterUsername="admin",
            MasterUserPassword="NotASecret1",
        )
    redshift.enable_logging(ClusterIdentifier="wh-logged", BucketName="warehouse-audit-logs")


def test_redshift_audit_logging_and_denied_calls(
    account_client: Callable[..., Any],
    scan_inventory: Callable[..., Inventory],
    faults: Faults,
) -> None:
    _seed_redshift(account_client)
    assert _statuses(scan_inventory(("Redshift.4",), regions=(HOME,)), ("Redshift.4",)) == {
        ("Redshift.4", HOME, "wh-logged"): "PASS",
        ("Redshift.4", HOME, "wh-silent"): "FAIL",
    }
    faults.deny("DescribeLoggingStatus")
    inv = scan_inventory(("Redshift.4",), regions=(HOME,))
    assert _statuses(inv, ("Redshift.4",)) == {
        ("Redshift.4", HOME, "wh-logged"): "ERROR",
        ("Redshift.4", HOME, "wh-silent"): "ERROR",
    }
    errors = {e.iam_action for f in _findings(inv, ("Redshift.4",)) for e in f.errors}
    assert errors == {"redshift:DescribeLoggingStatus"}
    faults.deny("DescribeClusters")
    assert _statuses(scan_inventory(("Redshift.4",), regions=(HOME,)), ("Redshift.4",)) == {
        ("Redshift.4", HOME, "-"): "ERROR"
    }


def _group(name: str) -> str:
    return f"arn:aws:logs:{HOME}:{DEFAULT_ACCOUNT}:log-group:/aws/opensearch/{name}"


def _seed_opensearch(client: Callable[..., Any]) -> None:
    opensearch = client("opensearch", HOME)
    opensearch.create_domain(
        DomainName="search-both",
        LogPublishingOptions={
            "ES_APPLICATION_LOGS": {"CloudWatchLogsLogGroupArn": _group("e"), "Enabled": True},
            "AUDIT_LOGS": {"CloudWatchLogsLogGroupArn": _group("a"), "Enabled": True},
        },
    )
    opensearch.create_domain(
        DomainName="search-errors",
        LogPublishingOptions={
            "ES_APPLICATION_LOGS": {"CloudWatchLogsLogGroupArn": _group("e2"), "Enabled": True},
            "AUDIT_LOGS": {"CloudWatchLogsLogGroupArn": _group("a2"), "Enabled": False},
        },
    )
    # Four silent domains: six in all, so DescribeDomains is called for two batches (5 + 1).
    for n in range(4):
        opensearch.create_domain(DomainName=f"search-silent-{n}")


def test_opensearch_error_and_audit_logs_in_batches_and_denied_calls(
    account_client: Callable[..., Any],
    scan_inventory: Callable[..., Inventory],
    faults: Faults,
) -> None:
    _seed_opensearch(account_client)
    checks = ("Opensearch.4", "Opensearch.5")
    inv = scan_inventory(checks, regions=(HOME,))
    acct = inv.account(DEFAULT_ACCOUNT)
    assert acct is not None
    rec = acct.record(OPENSEARCH_DOMAINS.name, HOME)
    assert rec is not None and len(OPENSEARCH_DOMAINS.load(rec.data)) == 6
    silent = {(c, HOME, f"search-silent-{n}"): "FAIL" for c in checks for n in range(4)}
    assert _statuses(inv, checks) == {
        ("Opensearch.4", HOME, "search-both"): "PASS",
        ("Opensearch.5", HOME, "search-both"): "PASS",
        ("Opensearch.4", HOME, "search-errors"): "PASS",
        ("Opensearch.5", HOME, "search-errors"): "FAIL",
        **silent,
    }
    faults.deny("DescribeDomains")
    statuses = _statuses(scan_inventory(checks, regions=(HOME,)), checks)
    assert len(statuses) == 12 and set(statuses.values()) == {"ERROR"}
    faults.deny("ListDomainNames")
    assert _statuses(scan_inventory(checks, regions=(HOME,)), checks) == {
        ("Opensearch.4", HOME, "-"): "ERROR",
        ("Opensearch.5", HOME, "-"): "ERROR",
    }
