"""OpenSearch Service domains as log sources: each published log type to its log group."""

from __future__ import annotations

from collections.abc import Iterator

from scanner.core.dataset import Scope
from scanner.core.datasets.opensearch import OPENSEARCH_DOMAINS, Domain
from scanner.core.logsource import Destination, Extractor, LogSource
from scanner.core.model import FieldUnavailable
from scanner.core.view import View


def _source(view: View, domain: Domain, region: str) -> LogSource | None:
    base = {
        "kind": "domain",
        "id": domain.arn,
        "name": domain.name,
        "account_id": view.account_id,
        "region": region,
        "detail": f"{domain.engine_type or 'OpenSearch'} domain",
    }
    try:
        if domain.deleted:
            return None
        options = domain.log_publishing
    except FieldUnavailable as exc:  # DescribeDomains failed for this domain
        return LogSource(**base, logging=None, note=f"not read: {exc.errors[0].describe()}")
    published = {kind: opt for kind, opt in sorted(options.items()) if opt.to_cloudwatch}
    return LogSource(
        **base,
        logging=bool(published),
        log_types=tuple(published),
        destinations=tuple(
            dict.fromkeys(
                Destination.from_arn(opt.log_group_arn or "") for opt in published.values()
            )
        ),
        note="" if published else "no log type published to CloudWatch Logs",
    )


def domains(view: View) -> Iterator[LogSource]:
    """The region's domains (none marked deleted)."""
    region = view.region or view.home_region
    for domain in view.get(OPENSEARCH_DOMAINS):
        source = _source(view, domain, region)
        if source is not None:
            yield source


EXTRACTORS = (
    Extractor(
        name="opensearch.domains",
        kind="domain",
        scope=Scope.REGION,
        requires=(OPENSEARCH_DOMAINS,),
        extract=domains,
    ),
)
