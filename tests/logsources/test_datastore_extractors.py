"""RDS API, Redshift and OpenSearch log sources over hand-built inventories."""

from __future__ import annotations

from scanner.core.datasets.opensearch import OPENSEARCH_DOMAINS, Domain, LogPublishing
from scanner.core.datasets.rds import RDS_DATABASES, Databases, DbCluster, DbInstance
from scanner.core.datasets.redshift import REDSHIFT_CLUSTERS, RedshiftCluster
from scanner.core.logsource import DestinationType, LogSource, extract
from scanner.core.model import CollectionError
from tests.builders import MGMT, InventoryBuilder

R1 = "us-east-1"


def _denied(operation: str, action: str) -> CollectionError:
    return CollectionError(
        operation=operation, iam_action=action, code="AccessDenied", message="denied", region=R1
    )


def _sources(inv: InventoryBuilder, kind: str, detail: str = "") -> dict[str, LogSource]:
    found = extract(inv.build()).sources
    return {s.name: s for s in found if s.kind == kind and s.detail.endswith(detail)}


def _cluster(name: str, engine: str, exports: tuple[str, ...] = ()) -> DbCluster:
    arn = f"arn:aws:rds:{R1}:{MGMT}:cluster:{name}"
    return DbCluster(
        identifier=name, arn=arn, engine=engine, status="available", log_exports=exports
    )


def _instance(
    name: str, engine: str, exports: tuple[str, ...] = (), cluster: str | None = None
) -> DbInstance:
    arn = f"arn:aws:rds:{R1}:{MGMT}:db:{name}"
    return DbInstance(
        identifier=name,
        arn=arn,
        engine=engine,
        status="available",
        cluster_identifier=cluster,
        log_exports=exports,
    )


DBS = Databases(
    instances=(
        _instance("pg", "postgres", ("postgresql", "upgrade")),
        _instance("silent", "mysql"),
        _instance("am-1", "aurora-mysql", cluster="am"),
    ),
    clusters=(
        _cluster("am", "aurora-mysql", ("audit",)),
        _cluster("graph", "neptune", ("audit",)),
        _cluster("docs", "docdb", ("audit", "profiler")),
        _cluster("lab", "neptune"),
    ),
)


def test_rds_instances_and_clusters_with_their_log_groups() -> None:
    inv = InventoryBuilder(regions=(R1,))
    inv.account(MGMT).put(RDS_DATABASES, DBS)
    instances = _sources(inv, "database", "DB instance")
    assert set(instances) == {"pg", "silent"}  # the Aurora member publishes through its cluster
    assert [d.target for d in instances["pg"].destinations] == [
        "/aws/rds/instance/pg/postgresql",
        "/aws/rds/instance/pg/upgrade",
    ]
    assert instances["pg"].destinations[0].type is DestinationType.CLOUDWATCH_LOGS
    assert (instances["silent"].logging, instances["silent"].destinations) == (False, ())
    clusters = _sources(inv, "database", "DB cluster")
    groups = {name: [d.target for d in s.destinations] for name, s in clusters.items()}
    assert groups == {
        "am": ["/aws/rds/cluster/am/audit"],
        "graph": ["/aws/neptune/graph/audit"],
        "docs": ["/aws/docdb/docs/audit", "/aws/docdb/docs/profiler"],
        "lab": [],
    }
    assert clusters["lab"].logging is False and clusters["graph"].logging is True


def test_a_failed_rds_listing_is_a_gap_of_its_extractor_only() -> None:
    dbs = DBS.model_copy(
        update={
            "errors": Databases.failed(
                _denied("DescribeDBInstances", "rds:DescribeDBInstances"), "instances"
            )
        }
    )
    inv = InventoryBuilder(regions=(R1,))
    inv.account(MGMT).put(RDS_DATABASES, dbs)
    result = extract(inv.build())
    assert {s.name for s in result.sources if s.kind == "database"} == {
        "am",
        "graph",
        "docs",
        "lab",
    }
    [gap] = [g for g in result.gaps if g.extractor.startswith("rds.")]
    assert gap.extractor == "rds.instances" and gap.kind == "database"
    assert gap.errors[0].iam_action == "rds:DescribeDBInstances"


def test_redshift_clusters_to_s3_cloudwatch_off_and_unread() -> None:
    arn = f"arn:aws:redshift:{R1}:{MGMT}:cluster:"
    clusters = [
        RedshiftCluster(
            identifier="s3",
            arn=arn + "s3",
            status="available",
            logging_enabled=True,
            bucket_name="audit",
            s3_key_prefix="rs/",
        ),
        RedshiftCluster(
            identifier="cw",
            arn=arn + "cw",
            status="available",
            logging_enabled=True,
            destination_type="cloudwatch",
            log_exports=("userlog",),
        ),
        RedshiftCluster(identifier="off", arn=arn + "off", status="available"),
        RedshiftCluster(
            identifier="unread",
            arn=arn + "unread",
            status="available",
            errors=RedshiftCluster.failed(
                _denied("DescribeLoggingStatus", "redshift:DescribeLoggingStatus"),
                "logging_enabled",
                "destination_type",
            ),
        ),
    ]
    inv = InventoryBuilder(regions=(R1,))
    inv.account(MGMT).put(REDSHIFT_CLUSTERS, clusters)
    found = _sources(inv, "cluster")
    assert found["s3"].logging is True
    assert (found["s3"].destinations[0].type, found["s3"].destinations[0].target) == (
        DestinationType.S3,
        "audit",
    )
    assert [d.target for d in found["cw"].destinations] == ["/aws/redshift/cluster/cw/userlog"]
    assert (found["off"].logging, found["off"].destinations) == (False, ())
    assert found["unread"].logging is None and "DescribeLoggingStatus" in found["unread"].note


def test_opensearch_domains_published_none_deleted_and_unread() -> None:
    arn = f"arn:aws:es:{R1}:{MGMT}:domain/"
    group = f"arn:aws:logs:{R1}:{MGMT}:log-group:/aws/opensearch/prod"
    on = LogPublishing(enabled=True, log_group_arn=group)
    domains = [
        Domain(
            name="prod",
            arn=arn + "prod",
            log_publishing={"ES_APPLICATION_LOGS": on, "AUDIT_LOGS": on},
        ),
        Domain(
            name="dev", arn=arn + "dev", log_publishing={"AUDIT_LOGS": LogPublishing(enabled=False)}
        ),
        Domain(name="gone", arn=arn + "gone", deleted=True),
        Domain(
            name="unread",
            arn=arn + "unread",
            errors=Domain.failed(
                _denied("DescribeDomains", "es:DescribeDomains"), "deleted", "log_publishing"
            ),
        ),
    ]
    inv = InventoryBuilder(regions=(R1,))
    inv.account(MGMT).put(OPENSEARCH_DOMAINS, domains)
    found = _sources(inv, "domain")
    assert set(found) == {"prod", "dev", "unread"}
    assert found["prod"].log_types == ("AUDIT_LOGS", "ES_APPLICATION_LOGS")
    assert [d.target for d in found["prod"].destinations] == ["/aws/opensearch/prod"]  # one group
    assert found["dev"].logging is False
    assert found["unread"].logging is None
