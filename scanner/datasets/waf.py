"""AWS WAF datasets: WAFV2 web ACLs per region (CloudFront-scope ones in the global region) and
AWS WAF Classic global web ACLs, each with its logging destinations."""

from __future__ import annotations

from scanner.dataset import Dataset, Scope
from scanner.model import Frozen


class WebAcl(Frozen):
    """A web ACL (ListWebACLs) and the destinations of its logging configuration
    (ListLoggingConfigurations, matched on the ACL's ARN; none: logging is off).

    `scope` is REGIONAL or CLOUDFRONT for WAFV2, GLOBAL for AWS WAF Classic.
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
WAF_CLASSIC_WEB_ACLS: Dataset[list[WebAcl]] = Dataset(
    "waf.classic_global_web_acls",
    Scope.ACCOUNT,
    list[WebAcl],
    "waf (Classic, global) ListWebACLs and ListLoggingConfigurations",
)
