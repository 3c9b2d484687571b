"""OpenSearch Service domains per region (OpenSearch and legacy Elasticsearch engines)."""

from __future__ import annotations

from pydantic import Field

from scanner.core.dataset import Dataset, Scope
from scanner.core.model import Collected, Frozen


class LogPublishing(Frozen):
    """One LogPublishingOptions entry (ES_APPLICATION_LOGS, AUDIT_LOGS, ...)."""

    enabled: bool = False
    log_group_arn: str | None = None

    @property
    def to_cloudwatch(self) -> bool:
        """Enabled and naming a CloudWatch Logs group (only then are logs delivered)."""
        return self.enabled and bool(self.log_group_arn)


class Domain(Collected):
    """ListDomainNames, then DescribeDomains (five names a call) for its status.

    `deleted` and `log_publishing` come from DescribeDomains; when that call failed for this
    domain they are recorded in `errors` (reading one raises FieldUnavailable). `arn` is the
    answer's ARN, or the domain's ARN built from its name when there is no answer.
    """

    name: str
    arn: str
    engine_type: str | None = None
    deleted: bool = False
    log_publishing: dict[str, LogPublishing] = Field(default_factory=dict)
    """LogPublishingOptions by log type; a type never configured is absent."""

    def publishing(self, log_type: str) -> LogPublishing:
        return self.log_publishing.get(log_type) or LogPublishing()


OPENSEARCH_DOMAINS: Dataset[list[Domain]] = Dataset(
    "opensearch.domains",
    Scope.REGION,
    list[Domain],
    "ListDomainNames and DescribeDomains in each region",
)
