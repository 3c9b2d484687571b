"""Demo service logging: load balancers, CloudFront, Route 53, WAF, EKS and Network Firewall,
each with one resource that logs and one that does not."""

from __future__ import annotations

from typing import Any

from scanner.demo.world import DemoAccount, DemoOrg

ORDER = 80
HOME, OTHER = "us-east-1", "eu-west-1"


def distribution_config(reference: str, origin_bucket: str, log_bucket: str | None) -> Any:
    """A minimal CloudFront DistributionConfig; standard logging to `log_bucket` when given."""
    logging = {"Enabled": False, "IncludeCookies": False, "Bucket": "", "Prefix": ""}
    if log_bucket:
        logging = {**logging, "Enabled": True, "Bucket": f"{log_bucket}.s3.amazonaws.com"}
    return {
        "CallerReference": reference,
        "Comment": reference,
        "Enabled": True,
        "Origins": {
            "Quantity": 1,
            "Items": [
                {
                    "Id": "origin",
                    "DomainName": f"{origin_bucket}.s3.amazonaws.com",
                    "S3OriginConfig": {"OriginAccessIdentity": ""},
                }
            ],
        },
        "DefaultCacheBehavior": {
            "TargetOriginId": "origin",
            "ViewerProtocolPolicy": "redirect-to-https",
            "ForwardedValues": {"QueryString": False, "Cookies": {"Forward": "none"}},
            "MinTTL": 0,
            "TrustedSigners": {"Enabled": False, "Quantity": 0},
        },
        "Logging": logging,
    }


def _subnets(account: DemoAccount, region: str) -> tuple[str, list[str]]:
    ec2 = account.client("ec2", region)
    vpc = ec2.describe_vpcs(Filters=[{"Name": "is-default", "Values": ["true"]}])["Vpcs"][0]
    subnets = ec2.describe_subnets(Filters=[{"Name": "vpc-id", "Values": [vpc["VpcId"]]}])
    return str(vpc["VpcId"]), [str(s["SubnetId"]) for s in subnets["Subnets"][:2]]


def _load_balancers(account: DemoAccount, bucket: str) -> None:
    _, subnets = _subnets(account, HOME)
    elbv2 = account.client("elbv2", HOME)
    alb = elbv2.create_load_balancer(Name="shop-alb", Subnets=subnets, Type="application")
    elbv2.modify_load_balancer_attributes(
        LoadBalancerArn=alb["LoadBalancers"][0]["LoadBalancerArn"],
        Attributes=[
            {"Key": "access_logs.s3.enabled", "Value": "true"},
            {"Key": "access_logs.s3.bucket", "Value": bucket},
            {"Key": "access_logs.s3.prefix", "Value": "elb"},
        ],
    )
    elbv2.create_load_balancer(Name="shop-nlb", Subnets=subnets, Type="network")  # not in ELB.5
    account.client("elb", HOME).create_load_balancer(  # a legacy Classic one, without logs
        LoadBalancerName="legacy-clb",
        Listeners=[{"Protocol": "HTTP", "LoadBalancerPort": 80, "InstancePort": 8080}],
        AvailabilityZones=[f"{HOME}a"],
    )


def _cloudfront(account: DemoAccount, origin: str, log_bucket: str) -> None:
    cloudfront = account.client("cloudfront", HOME)
    for reference, logs in (("www", log_bucket), ("media", None)):
        config = distribution_config(reference, origin, logs)
        cloudfront.create_distribution(DistributionConfig=config)


def _route53(account: DemoAccount, suffix: str) -> None:
    route53 = account.client("route53", HOME)
    logged = route53.create_hosted_zone(Name=f"shop-{suffix}.example", CallerReference="shop")
    route53.create_hosted_zone(Name=f"promo-{suffix}.example", CallerReference="promo")
    vpc, _ = _subnets(account, HOME)
    route53.create_hosted_zone(  # private: outside Route53.2
        Name="corp.internal",
        CallerReference="corp",
        HostedZoneConfig={"PrivateZone": True},
        VPC={"VPCRegion": HOME, "VPCId": vpc},
    )
    group = f"/aws/route53/shop-{suffix}.example"
    account.client("logs", HOME).create_log_group(logGroupName=group)
    route53.create_query_logging_config(
        HostedZoneId=logged["HostedZone"]["Id"],
        CloudWatchLogsLogGroupArn=account.arn("logs", HOME, f"log-group:{group}:*"),
    )


def _web_acl(account: DemoAccount, region: str, name: str, scope: str, logged: bool) -> None:
    wafv2 = account.client("wafv2", region)
    acl = wafv2.create_web_acl(
        Name=name,
        Scope=scope,
        DefaultAction={"Allow": {}},
        VisibilityConfig={
            "SampledRequestsEnabled": True,
            "CloudWatchMetricsEnabled": True,
            "MetricName": name,
        },
    )
    if logged:
        group = f"aws-waf-logs-{name}"
        account.client("logs", region).create_log_group(logGroupName=group)
        wafv2.put_logging_configuration(
            LoggingConfiguration={
                "ResourceArn": acl["Summary"]["ARN"],
                "LogDestinationConfigs": [account.arn("logs", region, f"log-group:{group}")],
            }
        )


def _eks(account: DemoAccount, region: str, name: str, log_types: list[str]) -> None:
    _, subnets = _subnets(account, region)
    logging = {"clusterLogging": [{"types": log_types, "enabled": True}]} if log_types else None
    account.client("eks", region).create_cluster(
        name=name,
        roleArn=f"arn:aws:iam::{account.account_id}:role/eks-cluster",
        resourcesVpcConfig={"subnetIds": subnets},
        **({"logging": logging} if logging else {}),
    )


def _firewall(account: DemoAccount, region: str, name: str, bucket: str | None) -> None:
    vpc, subnets = _subnets(account, region)
    nfw = account.client("network-firewall", region)
    nfw.create_firewall(
        FirewallName=name,
        FirewallPolicyArn=account.arn("network-firewall", region, "firewall-policy/egress"),
        VpcId=vpc,
        SubnetMappings=[{"SubnetId": subnets[0]}],
    )
    if bucket:
        nfw.update_logging_configuration(
            FirewallName=name,
            LoggingConfiguration={
                "LogDestinationConfigs": [
                    {
                        "LogType": "ALERT",
                        "LogDestinationType": "S3",
                        "LogDestination": {"bucketName": bucket, "prefix": "nfw"},
                    }
                ]
            },
        )


def seed(org: DemoOrg) -> None:
    logs_bucket = org.names["org_trail_bucket"]  # in the log-archive account
    work = org.workloads
    # ELB.5: an Application Load Balancer with access logs, a Classic one without.
    _load_balancers(work, logs_bucket)
    # CloudFront.5 and Route53.2 (global, in the management account): one logs, one does not.
    _cloudfront(org.management, logs_bucket, logs_bucket)
    _route53(org.management, org.suffix)
    # WAF.11: a regional web ACL that logs; one that does not, and a CloudFront one without.
    _web_acl(work, HOME, "shop-api", "REGIONAL", logged=True)
    _web_acl(work, OTHER, "eu-api", "REGIONAL", logged=False)
    _web_acl(org.management, HOME, "cdn-edge", "CLOUDFRONT", logged=False)
    # EKS.8: audit logs in one cluster; the other sends only the API server log.
    _eks(work, HOME, "shop", ["api", "audit", "authenticator"])
    _eks(work, OTHER, "batch", ["api"])
    # NetworkFirewall.2: alerts to S3 in one region, nothing in the other.
    _firewall(work, HOME, "egress", logs_bucket)
    _firewall(work, OTHER, "egress-eu", None)
