"""No verdict depends on a call that failed: every per-resource sub-call of every collector is
denied in turn, and each finding is either exactly the fault-free verdict or ERROR naming the
denied call (API, IAM action, error code).

The demo Organization (tests/integration/conftest.py) has a resource for each call, and a
bucket whose verdict only GetBucketPolicyStatus decides: read as "not public" when that call is
denied, it would turn FAILED into PASSED.
"""

from __future__ import annotations

import threading
from collections import Counter
from dataclasses import dataclass
from typing import Any

import pytest

from scanner.aws.collection import ScanOptions, collect_inventory
from scanner.aws.iam import iam_action
from scanner.aws.registry import all_collectors
from scanner.aws.session import ClientSettings, Sessions
from scanner.core.evaluate import evaluate
from scanner.core.findings import Finding
from scanner.core.frameworks import Frameworks
from scanner.core.model import Status
from scanner.core.registry import all_checks
from scanner.demo.world import REGIONS
from tests.integration.conftest import Demo

#: The call that lists a dataset's resources: when it fails, the whole dataset is an error
#: (tests/integration/test_faults.py denies some of them). Every other call a collector
#: declares is made per resource (or after the listing call) and is denied below.
LISTING = frozenset(
    {
        "cloudtrail:DescribeTrails",
        "cloudwatch:DescribeAlarms",
        "config:DescribeConfigurationRecorders",
        "config:DescribeConfigurationAggregators",
        "ec2:DescribeVpcs",
        "events:ListRules",
        "guardduty:ListDetectors",
        "kms:ListKeys",
        "logs:DescribeLogGroups",
        "logs:DescribeMetricFilters",
        "logs:DescribeResourcePolicies",
        "s3:GetAccountPublicAccessBlock",
        "s3:ListAllMyBuckets",
        "securityhub:DescribeHub",
        "states:ListStateMachines",
        "codebuild:ListProjects",
        "mq:ListBrokers",
        "appsync:ListGraphqlApis",
        # apigateway:GET authorises the listings (GetRestApis, GetApis) and GetStages alike: it
        # is listed once, with GetStages below.
        "elasticloadbalancing:DescribeLoadBalancers",
        "cloudfront:ListDistributions",
        "route53:ListHostedZones",
        "route53:ListQueryLoggingConfigs",
        "wafv2:ListWebACLs",
        "wafv2:ListLoggingConfigurations",
        "eks:ListClusters",
        "network-firewall:ListFirewalls",
        "rds:DescribeDBInstances",
        "rds:DescribeDBClusters",
        "redshift:DescribeClusters",
        "es:ListDomainNames",
        "elasticbeanstalk:DescribeEnvironments",
        # Made per environment, but moto does not implement it, so the demo has no environment
        # to deny it on: tests/integration/test_elasticbeanstalk_collect.py denies it instead.
        "elasticbeanstalk:DescribeConfigurationSettings",
    }
)
#: (botocore service, operation) of every other call.
SUB_CALLS = (
    ("s3", "GetBucketLocation"),
    ("s3", "GetBucketPolicy"),
    ("s3", "GetBucketPolicyStatus"),
    ("s3", "GetBucketAcl"),
    ("s3", "GetPublicAccessBlock"),
    ("s3", "GetBucketLogging"),
    ("s3", "GetBucketVersioning"),
    ("s3", "GetObjectLockConfiguration"),
    ("s3", "GetBucketLifecycleConfiguration"),
    ("cloudtrail", "GetTrailStatus"),
    ("cloudtrail", "GetEventSelectors"),
    ("cloudtrail", "GetInsightSelectors"),
    ("cloudtrail", "ListTags"),
    ("guardduty", "GetDetector"),
    ("kms", "ListAliases"),
    ("kms", "DescribeKey"),
    ("kms", "GetKeyRotationStatus"),
    ("config", "DescribeConfigurationRecorderStatus"),
    ("config", "DescribeDeliveryChannels"),
    ("ec2", "DescribeFlowLogs"),
    ("events", "ListTargetsByRule"),
    ("sns", "ListSubscriptionsByTopic"),
    ("apigateway", "GetStages"),
    ("apigatewayv2", "GetStages"),
    ("stepfunctions", "DescribeStateMachine"),
    ("codebuild", "BatchGetProjects"),
    ("mq", "DescribeBroker"),
    ("elb", "DescribeLoadBalancerAttributes"),
    ("elbv2", "DescribeLoadBalancerAttributes"),
    ("cloudfront", "GetDistributionConfig"),
    ("eks", "DescribeCluster"),
    ("network-firewall", "DescribeLoggingConfiguration"),
    ("redshift", "DescribeLoggingStatus"),
    ("opensearch", "DescribeDomains"),
)


def test_every_declared_call_is_a_listing_call_or_denied_below() -> None:
    declared = {a for c in all_collectors() for a in c.iam_actions}
    denied = {iam_action(service, op) for service, op in SUB_CALLS}
    assert declared == LISTING | denied
    assert not LISTING & denied


class Deny:
    """A client hook: AccessDenied for the (service, operation) being denied, counted."""

    def __init__(self) -> None:
        self.target: tuple[str, str] | None = None
        self.count = 0
        self._lock = threading.Lock()

    def hook(self, client: Any, service: str, region: str, account_id: str) -> None:
        def before_call(model: Any, **_: Any) -> Any:
            if self.target != (service, model.name):
                return None
            from botocore.awsrequest import AWSResponse

            with self._lock:
                self.count += 1
            error = {"Code": "AccessDenied", "Message": f"injected on {model.name}"}
            return AWSResponse("http://127.0.0.1/", 403, {}, None), {"Error": error}

        client.meta.events.register("before-call.*.*", before_call)


@dataclass
class Scanner:
    sessions: Sessions
    deny: Deny


@pytest.fixture(scope="module")
def scanner(demo: Demo) -> Scanner:
    """One set of sessions for every scan of this module: roles are assumed and service models
    loaded once (the scans differ only in the call denied)."""
    deny = Deny()
    settings = ClientSettings(endpoint_url=demo.endpoint, max_attempts=2, client_hook=deny.hook)
    return Scanner(Sessions(None, settings), deny)


def _needing(action: str) -> set[str]:
    """Ids of the checks that require a dataset collected with `action` (or built on one)."""
    direct = {c.dataset.name for c in all_collectors() if action in c.iam_actions}
    built_on = {
        c.dataset.name for c in all_collectors() if {d.name for d in c.dataset.depends_on} & direct
    }
    datasets = direct | built_on
    return {c.id for c in all_checks() if any(d.name in datasets for d in c.requires)}


def _names(finding: Finding, operation: str, action: str) -> bool:
    return any(
        e.operation == operation and e.iam_action == action and e.code == "AccessDenied"
        for e in finding.errors
    )


@pytest.mark.parametrize(("service", "operation"), SUB_CALLS, ids=[op for _, op in SUB_CALLS])
def test_no_verdict_depends_on_a_denied_call(
    demo: Demo, scanner: Scanner, service: str, operation: str
) -> None:
    action = iam_action(service, operation)
    needing = _needing(action)
    assert needing
    checks = [c for c in all_checks() if c.id in needing]
    deny = scanner.deny
    deny.target, deny.count = (service, operation), 0
    options = ScanOptions(org=True, regions=REGIONS, endpoint_url=demo.endpoint)
    try:
        inventory = collect_inventory(options, checks, sessions=scanner.sessions).inventory
    finally:
        deny.target = None
    denied = list(evaluate(inventory, checks, Frameworks.load()))
    assert deny.count > 0, "the demo has no resource that makes this call"

    before = {f.id: f for f in demo.baseline if f.check_id in needing}
    errors = {f.id: f for f in denied if f.status is Status.ERROR and f.id not in before}
    moved = Counter[str]()
    for f in denied:
        was = before.get(f.id)
        if was is not None and (f.status is was.status or f.status is not Status.ERROR):
            # a verdict that stays must be the fault-free one
            assert f.status is was.status, (f.check_id, f.resource.id, was.status, f.status)
            continue
        # anything else is ERROR, naming the denied call
        assert f.status is Status.ERROR, (f.check_id, f.resource.id, f.status, f.reason)
        assert _names(f, operation, action), (f.check_id, f.resource.id, f.errors)
        moved[f.check_id] += 1
    # a fault-free finding that is gone was replaced by the ERROR of its check and account
    ids = {f.id for f in denied}
    for gone in (f for f in before.values() if f.id not in ids):
        assert any(
            e.check_id == gone.check_id and e.account_id == gone.account_id for e in errors.values()
        ), (gone.check_id, gone.account_id, gone.resource.id, gone.status)
    assert moved, "denying the call changed no finding"
    if operation == "GetBucketPolicyStatus":  # the bucket only IsPublic decides
        status_only = [
            f
            for f in denied
            if "sandbox-status-public" in f.resource.id
            and f.control_id in ("S3.2", "S3.3")  # the checks that read IsPublic
        ]
        assert len(status_only) == 2
        assert {f.status for f in status_only} == {Status.ERROR}
        assert {before[f.id].status for f in status_only} == {Status.FAIL}
