"""Service logging collectors against moto: load balancers, CloudFront, Route 53, WAFV2, EKS and
Network Firewall read, judged, and denied (listing: ERROR for the scope; per-resource call:
ERROR for that resource only)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from scanner.core.evaluate import evaluate
from scanner.core.findings import Finding
from scanner.core.frameworks import Frameworks
from scanner.core.inventory import Inventory
from scanner.core.registry import all_checks, select_checks
from scanner.demo.seed_edge import distribution_config
from tests.conftest import Faults

CHECKS = ("ELB.5", "CloudFront.5", "Route53.2", "WAF.11", "EKS.8", "NetworkFirewall.2")
HOME, OTHER = "us-east-1", "eu-west-1"


def _findings(inv: Inventory) -> list[Finding]:
    return list(evaluate(inv, select_checks(all_checks(), list(CHECKS)), Frameworks(())))


def _by_name(findings: list[Finding]) -> dict[tuple[str, str, str], str]:
    """(control, region, last part of the resource id) -> status."""
    return {
        (str(f.control_id), f.region, f.resource.id.rsplit("/", 1)[-1]): f.status.value
        for f in findings
    }


def _seed(client: Callable[..., Any]) -> dict[str, str]:
    """One logging and one silent resource per service; returns ids the assertions need."""
    ec2 = client("ec2", HOME)
    vpc = ec2.describe_vpcs()["Vpcs"][0]["VpcId"]
    subnets = [s["SubnetId"] for s in ec2.describe_subnets()["Subnets"][:2]]
    client("s3", HOME).create_bucket(Bucket="edge-logs")
    elbv2 = client("elbv2", HOME)
    alb = elbv2.create_load_balancer(Name="alb", Subnets=subnets, Type="application")
    alb_arn = alb["LoadBalancers"][0]["LoadBalancerArn"]
    elbv2.modify_load_balancer_attributes(
        LoadBalancerArn=alb_arn,
        Attributes=[
            {"Key": "access_logs.s3.enabled", "Value": "true"},
            {"Key": "access_logs.s3.bucket", "Value": "edge-logs"},
        ],
    )
    elbv2.create_load_balancer(Name="nlb", Subnets=subnets, Type="network")
    client("elb", HOME).create_load_balancer(
        LoadBalancerName="clb",
        Listeners=[{"Protocol": "HTTP", "LoadBalancerPort": 80, "InstancePort": 80}],
        AvailabilityZones=[f"{HOME}a"],
    )
    cloudfront = client("cloudfront", HOME)
    on = cloudfront.create_distribution(
        DistributionConfig=distribution_config("on", "edge-logs", "edge-logs")
    )["Distribution"]["Id"]
    off = cloudfront.create_distribution(
        DistributionConfig=distribution_config("off", "edge-logs", None)
    )["Distribution"]["Id"]
    route53 = client("route53", HOME)
    logged = route53.create_hosted_zone(Name="logged.example", CallerReference="a")
    silent = route53.create_hosted_zone(Name="silent.example", CallerReference="b")
    route53.create_hosted_zone(
        Name="private.example",
        CallerReference="c",
        HostedZoneConfig={"PrivateZone": True},
        VPC={"VPCRegion": HOME, "VPCId": vpc},
    )
    client("logs", HOME).create_log_group(logGroupName="/aws/route53/logged.example")
    group = client("logs", HOME).describe_log_groups()["logGroups"][0]["arn"]
    route53.create_query_logging_config(
        HostedZoneId=logged["HostedZone"]["Id"], CloudWatchLogsLogGroupArn=group
    )
    for region, name, scope, log in (
        (HOME, "api", "REGIONAL", True),
        (OTHER, "eu", "REGIONAL", False),
        (HOME, "cdn", "CLOUDFRONT", False),
    ):
        wafv2 = client("wafv2", region)
        acl = wafv2.create_web_acl(
            Name=name,
            Scope=scope,
            DefaultAction={"Allow": {}},
            VisibilityConfig={
                "SampledRequestsEnabled": False,
                "CloudWatchMetricsEnabled": False,
                "MetricName": name,
            },
        )["Summary"]
        if log:
            wafv2.put_logging_configuration(
                LoggingConfiguration={
                    "ResourceArn": acl["ARN"],
                    "LogDestinationConfigs": [f"{group[:-2]}aws-waf-logs-api"],
                }
            )
    eks = client("eks", HOME)
    for name, types in (("audited", ["audit"]), ("api-only", ["api"])):
        eks.create_cluster(
            name=name,
            roleArn="arn:aws:iam::123456789012:role/eks",
            resourcesVpcConfig={"subnetIds": subnets},
            logging={"clusterLogging": [{"types": types, "enabled": True}]},
        )
    nfw = client("network-firewall", HOME)
    for name in ("logged-fw", "silent-fw"):
        nfw.create_firewall(
            FirewallName=name,
            FirewallPolicyArn="arn:aws:network-firewall:us-east-1:123456789012:firewall-policy/p",
            VpcId=vpc,
            SubnetMappings=[{"SubnetId": subnets[0]}],
        )
    nfw.update_logging_configuration(
        FirewallName="logged-fw",
        LoggingConfiguration={
            "LogDestinationConfigs": [
                {
                    "LogType": "FLOW",
                    "LogDestinationType": "S3",
                    "LogDestination": {"bucketName": "edge-logs"},
                }
            ]
        },
    )
    return {
        "on": on,
        "off": off,
        "logged": logged["HostedZone"]["Id"].rsplit("/", 1)[-1],
        "silent": silent["HostedZone"]["Id"].rsplit("/", 1)[-1],
        "alb": alb_arn.rsplit("/", 1)[-1],
    }


def test_each_service_is_read_and_judged(
    account_client: Callable[..., Any], scan_inventory: Callable[..., Inventory]
) -> None:
    ids = _seed(account_client)
    found = _by_name(_findings(scan_inventory(CHECKS)))
    expected = {
        ("ELB.5", HOME, ids["alb"]): "PASS",
        ("ELB.5", HOME, "clb"): "FAIL",
        ("CloudFront.5", HOME, ids["on"]): "PASS",
        ("CloudFront.5", HOME, ids["off"]): "FAIL",
        ("Route53.2", HOME, ids["logged"]): "PASS",
        ("Route53.2", HOME, ids["silent"]): "FAIL",
        ("EKS.8", HOME, "audited"): "PASS",
        ("EKS.8", HOME, "api-only"): "FAIL",
        ("NetworkFirewall.2", HOME, "logged-fw"): "PASS",
        ("NetworkFirewall.2", HOME, "silent-fw"): "FAIL",
    }
    assert {k: v for k, v in found.items() if k[0] != "WAF.11"} == expected
    waf = {
        (region, status) for (control, region, _), status in found.items() if control == "WAF.11"
    }
    # regional ACLs in their region; the CloudFront-scope ACL in us-east-1
    assert sorted(waf) == [(OTHER, "FAIL"), (HOME, "FAIL"), (HOME, "PASS")]


def test_denied_listings_are_errors_never_verdicts(
    scan_inventory: Callable[..., Inventory], faults: Faults
) -> None:
    # Nothing seeded: a denied listing must not read as "no resources" (no finding).
    faults.deny(
        "DescribeLoadBalancers", "ListDistributions", "ListHostedZones", "ListClusters",
        "ListFirewalls",
    )  # fmt: skip
    faults.deny("ListLoggingConfigurations", code="AccessDeniedException")
    findings = _findings(scan_inventory(CHECKS))
    assert {f.status.value for f in findings} == {"ERROR"}
    assert {f.control_id for f in findings} == set(CHECKS)
    assert {e.iam_action for f in findings for e in f.errors} == {
        "elasticloadbalancing:DescribeLoadBalancers",
        "cloudfront:ListDistributions",
        "route53:ListHostedZones",
        "wafv2:ListLoggingConfigurations",
        "eks:ListClusters",
        "network-firewall:ListFirewalls",
    }


def test_denied_per_resource_calls_are_errors_on_those_resources_only(
    account_client: Callable[..., Any], scan_inventory: Callable[..., Inventory], faults: Faults
) -> None:
    ids = _seed(account_client)
    faults.deny(
        "DescribeLoadBalancerAttributes", "GetDistributionConfig", "DescribeCluster",
        "DescribeLoggingConfiguration",
    )  # fmt: skip
    found = _by_name(_findings(scan_inventory(CHECKS)))
    for key in (
        ("ELB.5", HOME, ids["alb"]),
        ("ELB.5", HOME, "clb"),
        ("CloudFront.5", HOME, ids["on"]),
        ("CloudFront.5", HOME, ids["off"]),
        ("EKS.8", HOME, "audited"),
        ("EKS.8", HOME, "api-only"),
        ("NetworkFirewall.2", HOME, "logged-fw"),
    ):
        assert found[key] == "ERROR", key
    # listings without per-resource calls are unaffected
    assert found[("Route53.2", HOME, ids["logged"])] == "PASS"
    assert "ERROR" not in {s for (c, _, _), s in found.items() if c == "WAF.11"}
