"""AWS WAF (WAFV2) dataset: web ACLs per region (CloudFront-scope ones in the partition's global
region), each with its logging destinations."""

from __future__ import annotations

from scanner.core.dataset import Dataset, Scope
from scanner.core.model import Frozen


class WebAcl(Frozen):
    """A web ACL (ListWebACLs) and the destinations of its logging configuration
    (ListLoggingConfigurations, matched on the ACL's ARN; none: logging is off).

    `scope` is REGIONAL or CLOUDFRONT.
    """

    name: str
    id: str
    arn: str
    scope: str
    log_destinations: tuple[str, ...] = ()

    @property
    def logging_enabled(self) -> bool:
        return bool(self.log_destinations)


WAFV2_WEB_ACLS: Dataset[list[WebAcl]] = Dataset(
    "wafv2.web_acls",
    Scope.REGION,
    list[WebAcl],
    "wafv2 ListWebACLs and ListLoggingConfigurations (Scope REGIONAL in each region; CLOUDFRONT "
    "too in the partition's global region)",
)
