"""OpenSearch helpers: the ASFF resource of a domain and the per-domain log publishing verdict."""

from __future__ import annotations

from collections.abc import Iterator

from scanner.core.datasets.opensearch import OPENSEARCH_DOMAINS, Domain
from scanner.core.model import Resource, Result, Status
from scanner.core.view import View


def domain_resource(view: View, domain: Domain) -> Resource:
    return Resource(
        type="AwsOpenSearchServiceDomain",
        id=domain.arn,
        region=view.region,
        account_id=view.account_id,
    )


def publishing_results(view: View, log_type: str, what: str) -> Iterator[Result]:
    """One result per domain of the region (none deleted): PASS when `log_type` is enabled to a
    CloudWatch Logs group; a domain whose DescribeDomains failed is ERROR (View.judge)."""
    for domain in view.get(OPENSEARCH_DOMAINS):
        resource = domain_resource(view, domain)

        def decide(domain: Domain = domain, resource: Resource = resource) -> Result | None:
            if domain.deleted:
                return None
            option = domain.publishing(log_type)
            evidence = {
                "api": ["es:ListDomainNames", "es:DescribeDomains"],
                "EngineType": domain.engine_type,
                f"LogPublishingOptions.{log_type}": {
                    "Enabled": option.enabled,
                    "CloudWatchLogsLogGroupArn": option.log_group_arn,
                },
            }
            if option.to_cloudwatch:
                return Result(
                    status=Status.PASS,
                    resource=resource,
                    reason=f"The domain publishes {what} to {option.log_group_arn}.",
                    evidence=evidence,
                )
            return Result(
                status=Status.FAIL,
                resource=resource,
                reason=f"The domain does not publish {what} to CloudWatch Logs.",
                evidence=evidence,
            )

        result = view.judge(resource, decide)
        if result is not None:
            yield result
