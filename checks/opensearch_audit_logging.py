"""Opensearch.5: OpenSearch domains have audit logging enabled.

Security Hub control Opensearch.5 "OpenSearch domains should have audit logging enabled"
(severity Medium, resource AWS::OpenSearch::Domain, Config rule
opensearch-audit-logging-enabled, parameter cloudWatchLogsLogGroupArnList: not customizable and
not populated by Security Hub, so any log group passes). A domain PASSes when
LogPublishingOptions AUDIT_LOGS is Enabled with a CloudWatchLogsLogGroupArn.

Edge cases, as decided here: audit logs need fine-grained access control; a domain without it
cannot enable them and FAILs. Legacy Elasticsearch domains are judged alike; a domain marked
Deleted gets no finding; Enabled without a log group FAILs. DescribeDomains failing for a domain:
ERROR on that domain; ListDomainNames denied: ERROR on the account and region. No domain: no
finding.
"""

from __future__ import annotations

from collections.abc import Iterator

from checks.lib.domains import publishing_results
from scanner.core.check import Check
from scanner.core.dataset import Scope
from scanner.core.datasets.opensearch import OPENSEARCH_DOMAINS
from scanner.core.model import Result, Severity
from scanner.core.view import View

LOG_TYPE = "AUDIT_LOGS"


def evaluate(view: View) -> Iterator[Result]:
    """One result per domain of the region."""
    yield from publishing_results(view, LOG_TYPE, "audit logs (AUDIT_LOGS)")


CHECK = Check(
    id="opensearch_audit_logging",
    control_id="Opensearch.5",
    title="OpenSearch domains should have audit logging enabled",
    severity=Severity.MEDIUM,
    resource_type="AwsOpenSearchServiceDomain",
    scope=Scope.REGION,
    requires=(OPENSEARCH_DOMAINS,),
    evaluate=evaluate,
    rationale="Audit logs record authentication successes and failures, requests, index changes "
    "and searches on the domain: who read or changed which data.",
    remediation="aws opensearch update-domain-config --domain-name <name> --log-publishing-options "
    "AUDIT_LOGS={CloudWatchLogsLogGroupArn=<arn>,Enabled=true} (needs fine-grained access control)",
    remediation_url="https://docs.aws.amazon.com/securityhub/latest/userguide/opensearch-controls.html#opensearch-5",
)
