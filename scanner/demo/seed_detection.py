"""Demo detection services: GuardDuty and Security Hub on where the security team looked."""

from __future__ import annotations

from scanner.demo.world import DemoOrg

ORDER = 70


def seed(org: DemoOrg) -> None:
    # Management: GuardDuty and Security Hub in every region.
    for region in org.regions:
        org.management.client("guardduty", region).create_detector(Enable=True)
        org.management.client("securityhub", region).enable_security_hub()
    # Log archive: only in the home region (the other region fails GuardDuty.1 and CIS 4.16).
    org.log_archive.client("guardduty", "us-east-1").create_detector(Enable=True)
    org.log_archive.client("securityhub", "us-east-1").enable_security_hub()
    # Workloads: a GuardDuty detector that was suspended; the sandbox has neither service.
    org.workloads.client("guardduty", "eu-west-1").create_detector(Enable=False)
