"""GuardDuty.1: GuardDuty is enabled (a detector with status ENABLED) in each account and region.

As Security Hub and the Config rule guardduty-enabled-centralized: one finding per account and
scanned region, PASS when the region has an enabled detector. No detector, or only a suspended
one (status DISABLED), FAILs. ListDetectors/GetDetector denied is ERROR (the engine's rule).
"""

from __future__ import annotations

from collections.abc import Iterator

from scanner.core.check import Check
from scanner.core.dataset import Scope
from scanner.core.datasets.detection import GUARDDUTY_DETECTORS
from scanner.core.model import Result, Severity, Status
from scanner.core.view import View


def evaluate(view: View) -> Iterator[Result]:
    """One result per account and region."""
    detectors = view.get(GUARDDUTY_DETECTORS)
    evidence = {
        "api": ["guardduty:ListDetectors", "guardduty:GetDetector"],
        "detectors": [{"DetectorId": d.detector_id, "Status": d.status} for d in detectors],
    }
    enabled = [d.detector_id for d in detectors if d.enabled]
    if enabled:
        status, reason = Status.PASS, f"GuardDuty detector {enabled[0]} is enabled."
    elif detectors:
        status, reason = Status.FAIL, "The GuardDuty detector is suspended (status DISABLED)."
    else:
        status, reason = Status.FAIL, "GuardDuty is not enabled: the region has no detector."
    yield Result(status=status, resource=view.account_resource(), reason=reason, evidence=evidence)


CHECK = Check(
    id="guardduty_enabled",
    control_id="GuardDuty.1",
    title="GuardDuty should be enabled",
    severity=Severity.HIGH,
    resource_type="AwsAccount",
    scope=Scope.REGION,
    requires=(GUARDDUTY_DETECTORS,),
    evaluate=evaluate,
    rationale="GuardDuty analyses CloudTrail, VPC Flow Logs and DNS logs for threats; enabled in "
    "every region it also sees activity in regions you do not use, and global service events.",
    remediation="aws guardduty create-detector --enable (in each region; in an Organization, "
    "auto-enable from the GuardDuty delegated administrator)",
    remediation_url="https://docs.aws.amazon.com/securityhub/latest/userguide/guardduty-controls.html#guardduty-1",
)
