"""AWS WAF web ACLs as log sources: the destinations of their logging configuration."""

from __future__ import annotations

from collections.abc import Iterator

from scanner.core.dataset import Scope
from scanner.core.datasets.waf import WAFV2_WEB_ACLS
from scanner.core.logsource import Destination, Extractor, LogSource
from scanner.core.view import View


def web_acls(view: View) -> Iterator[LogSource]:
    """WAFV2 web ACLs of the view's region (CloudFront ones in the global region)."""
    for acl in view.get(WAFV2_WEB_ACLS):
        yield LogSource(
            kind="web-acl",
            id=acl.arn,
            name=acl.name,
            account_id=view.account_id,
            region=view.region,
            logging=acl.logging_enabled,
            log_types=("waf",),
            destinations=tuple(Destination.from_arn(d) for d in acl.log_destinations),
            detail=f"{acl.scope.lower()} web ACL",
        )


EXTRACTORS = (
    Extractor(
        name="wafv2.web_acls",
        kind="web-acl",
        scope=Scope.REGION,
        requires=(WAFV2_WEB_ACLS,),
        extract=web_acls,
    ),
)
