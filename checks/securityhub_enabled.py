"""Security Hub is enabled in each account and region (CIS v3.0.0 / v5.0.0 4.16).

No Security Hub control covers this. As the CIS audit: `describe-hub` must return the hub
(SubscribedAt); an InvalidAccessException "not subscribed" (or ResourceNotFoundException) is
FAIL. Any other error, such as AccessDeniedException, is ERROR: never read as "not enabled".
"""

from __future__ import annotations

from collections.abc import Iterator

from scanner.core.check import Check
from scanner.core.dataset import Scope
from scanner.core.datasets.detection import SECURITYHUB_HUB
from scanner.core.model import Result, Severity, Status
from scanner.core.view import View


def evaluate(view: View) -> Iterator[Result]:
    """One result per account and region."""
    hub = view.get(SECURITYHUB_HUB)
    evidence = {
        "api": "securityhub:DescribeHub",
        "HubArn": hub.hub_arn,
        "SubscribedAt": hub.subscribed_at,
        "error_code": hub.not_enabled_code,
    }
    if hub.enabled:
        status, reason = Status.PASS, "Security Hub is enabled."
    else:
        status = Status.FAIL
        reason = f"Security Hub is not enabled (DescribeHub: {hub.not_enabled_code})."
    yield Result(status=status, resource=view.account_resource(), reason=reason, evidence=evidence)


CHECK = Check(
    id="securityhub_enabled",
    title="Security Hub should be enabled",
    severity=Severity.MEDIUM,
    resource_type="AwsAccount",
    scope=Scope.REGION,
    requires=(SECURITYHUB_HUB,),
    evaluate=evaluate,
    rationale="Security Hub collects the findings of GuardDuty, Config and other services and "
    "evaluates the security standards; without it, findings are scattered and unnoticed.",
    remediation="aws securityhub enable-security-hub (in each region; in an Organization, use "
    "central configuration from the Security Hub delegated administrator)",
    remediation_url="https://docs.aws.amazon.com/securityhub/latest/userguide/securityhub-settingup.html",
)
