"""AWS WAF (WAFV2) collector: web ACLs per region, each with the destinations of its logging
configuration.

Two listings per scope (web ACLs, logging configurations), no per-ACL call. CloudFront-scope
web ACLs live in the partition's global region (us-east-1 in the commercial partition): they are
listed there only, as part of that region's data.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from scanner.aws.collector import Collector, on
from scanner.aws.engine import CollectContext
from scanner.core.datasets.waf import WAFV2_WEB_ACLS, WebAcl

#: The region of each partition's global (CloudFront) endpoint.
GLOBAL_REGION = {"aws": "us-east-1", "aws-cn": "cn-northwest-1", "aws-us-gov": "us-gov-west-1"}

#: Page size of the WAFV2 listings (the API's maximum), which have no botocore paginator.
_PAGE = 100


def _wafv2_pages(client: Any, operation: str, key: str, scope: str) -> Iterator[dict[str, Any]]:
    """Every item under `key` across the NextMarker pages of a WAFV2 listing."""
    marker: str | None = None
    while True:
        kwargs: dict[str, Any] = {"Scope": scope, "Limit": _PAGE}
        if marker:
            kwargs["NextMarker"] = marker
        page = getattr(client, operation)(**kwargs)
        yield from page.get(key) or ()
        marker = page.get("NextMarker")
        if not marker or not page.get(key):
            return


def _acls(items: Any, configs: Any, scope: str) -> list[WebAcl]:
    destinations = {
        str(c["ResourceArn"]): tuple(str(d) for d in c.get("LogDestinationConfigs") or ())
        for c in configs
        if c.get("ResourceArn")
    }
    return [
        WebAcl(
            name=str(item.get("Name", "")),
            id=str(item.get("Id", "")),
            arn=str(item.get("ARN", "")),
            scope=scope,
            log_destinations=destinations.get(str(item.get("ARN", "")), ()),
        )
        for item in items
    ]


def fetch_wafv2(ctx: CollectContext) -> list[WebAcl]:
    scopes = ["REGIONAL"]
    if ctx.region == GLOBAL_REGION.get(ctx.partition, "us-east-1"):
        scopes.append("CLOUDFRONT")
    client = ctx.client("wafv2")
    out: list[WebAcl] = []
    for scope in scopes:
        acls = list(_wafv2_pages(client, "list_web_acls", "WebACLs", scope))
        configs = list(
            _wafv2_pages(client, "list_logging_configurations", "LoggingConfigurations", scope)
        )
        out.extend(_acls(acls, configs, scope))
    return sorted(out, key=lambda a: (a.scope, a.arn))


COLLECTORS = (
    Collector(
        WAFV2_WEB_ACLS,
        ("wafv2:ListWebACLs", "wafv2:ListLoggingConfigurations"),
        fetch_wafv2,
        events=on(
            "wafv2.amazonaws.com",
            "CreateWebACL",
            "DeleteWebACL",
            "PutLoggingConfiguration",
            "DeleteLoggingConfiguration",
        ),
    ),
)
