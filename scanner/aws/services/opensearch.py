"""OpenSearch Service collector: domains (both engines) and their log publishing, per region.

ListDomainNames, then DescribeDomains for up to five names a call. A DescribeDomains call that
fails, or an answer without a listed domain, is recorded on those domains' fields
(scanner.core.model.Collected): they are ERROR, the other domains are still judged.
"""

from __future__ import annotations

from typing import Any

from scanner.aws.collector import Collector, on
from scanner.aws.engine import CollectContext, error_from_exception
from scanner.core.datasets.opensearch import OPENSEARCH_DOMAINS, Domain, LogPublishing
from scanner.core.model import CollectionError

#: DescribeDomains accepts at most this many domain names per call.
BATCH = 5
STATUS_FIELDS = ("deleted", "log_publishing")


def _publishing(raw: dict[str, Any]) -> dict[str, LogPublishing]:
    return {
        str(kind): LogPublishing(
            enabled=bool(opt.get("Enabled", False)),
            log_group_arn=opt.get("CloudWatchLogsLogGroupArn") or None,
        )
        for kind, opt in (raw.get("LogPublishingOptions") or {}).items()
    }


def _missing(region: str) -> CollectionError:
    return CollectionError(
        operation="DescribeDomains",
        iam_action="es:DescribeDomains",
        code="MissingFromAnswer",
        message="the listed domain is not in the DescribeDomains answer",
        region=region,
    )


def _arn(ctx: CollectContext, name: str) -> str:
    return f"arn:{ctx.partition}:es:{ctx.region}:{ctx.account_id}:domain/{name}"


def fetch_domains(ctx: CollectContext) -> list[Domain]:
    client = ctx.client("opensearch")
    listed = {
        str(d["DomainName"]): d.get("EngineType") or None
        for d in client.list_domain_names().get("DomainNames", ())
    }
    names = sorted(listed)
    out: list[Domain] = []
    for start in range(0, len(names), BATCH):
        batch = names[start : start + BATCH]
        try:
            answer = client.describe_domains(DomainNames=batch).get("DomainStatusList", ())
        except Exception as exc:  # recorded on these domains; the other batches are still read
            error = error_from_exception(exc, ctx.region)
            out.extend(
                Domain(
                    name=n,
                    engine_type=listed[n],
                    arn=_arn(ctx, n),
                    errors=Domain.failed(error, *STATUS_FIELDS),
                )
                for n in batch
            )
            continue
        by_name = {str(s.get("DomainName")): s for s in answer}
        for name in batch:
            raw = by_name.get(name)
            if raw is None:
                errors = Domain.failed(_missing(ctx.region), *STATUS_FIELDS)
                out.append(
                    Domain(name=name, engine_type=listed[name], arn=_arn(ctx, name), errors=errors)
                )
                continue
            out.append(
                Domain(
                    name=name,
                    engine_type=listed[name],
                    arn=str(raw.get("ARN") or _arn(ctx, name)),
                    deleted=bool(raw.get("Deleted", False)),
                    log_publishing=_publishing(raw),
                )
            )
    return out


# The OpenSearch Service API and its legacy Elasticsearch names are both recorded by CloudTrail
# with eventSource es.amazonaws.com.
COLLECTORS = (
    Collector(
        OPENSEARCH_DOMAINS,
        ("es:ListDomainNames", "es:DescribeDomains"),
        fetch_domains,
        events=on(
            "es.amazonaws.com",
            "CreateDomain",
            "UpdateDomainConfig",
            "DeleteDomain",
            "CreateElasticsearchDomain",
            "UpdateElasticsearchDomainConfig",
            "DeleteElasticsearchDomain",
        ),
    ),
)
