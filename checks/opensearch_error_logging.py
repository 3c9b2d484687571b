"""Opensearch.4: OpenSearch domains publish error logs to CloudWatch Logs.

Security Hub control Opensearch.4 "OpenSearch domain error logging to CloudWatch Logs should be
enabled" (severity Medium, resource AWS::OpenSearch::Domain, Config rule
opensearch-logs-to-cloudwatch, parameter logtype = 'error', not customizable). A domain PASSes
when LogPublishingOptions ES_APPLICATION_LOGS (the error log) is Enabled with a
CloudWatchLogsLogGroupArn.

Edge cases, as decided here: legacy Elasticsearch domains are listed by the same API and judged
alike; a domain marked Deleted gets no finding; an option that is Enabled without a log group
FAILs (nothing is delivered). DescribeDomains failing for a domain: ERROR on that domain;
ListDomainNames denied: ERROR on the account and region. No domain: no finding.
"""

from __future__ import annotations

from collections.abc import Iterator

from checks.lib.domains import publishing_results
from scanner.core.check import Check
from scanner.core.dataset import Scope
from scanner.core.datasets.opensearch import OPENSEARCH_DOMAINS
from scanner.core.model import Result, Severity
from scanner.core.view import View

LOG_TYPE = "ES_APPLICATION_LOGS"


def evaluate(view: View) -> Iterator[Result]:
    """One result per domain of the region."""
    yield from publishing_results(view, LOG_TYPE, "error logs (ES_APPLICATION_LOGS)")


CHECK = Check(
    id="opensearch_error_logging",
    control_id="Opensearch.4",
    title="OpenSearch domain error logging to CloudWatch Logs should be enabled",
    severity=Severity.MEDIUM,
    resource_type="AwsOpenSearchServiceDomain",
    scope=Scope.REGION,
    requires=(OPENSEARCH_DOMAINS,),
    evaluate=evaluate,
    rationale="Domain error logs help with security and access audits and with diagnosing "
    "availability issues; kept in CloudWatch Logs they can be retained and alarmed on.",
    remediation="aws opensearch update-domain-config --domain-name <name> --log-publishing-options "
    "ES_APPLICATION_LOGS={CloudWatchLogsLogGroupArn=<arn>,Enabled=true}",
    remediation_url="https://docs.aws.amazon.com/securityhub/latest/userguide/opensearch-controls.html#opensearch-4",
)
