"""Detection services per region: GuardDuty detectors and the Security Hub hub."""

from __future__ import annotations

from scanner.core.dataset import Dataset, Scope
from scanner.core.model import Frozen


class Detector(Frozen):
    """A GuardDuty detector: ListDetectors, then GetDetector for its status."""

    detector_id: str
    status: str

    @property
    def enabled(self) -> bool:
        return self.status == "ENABLED"


class Hub(Frozen):
    """Security Hub DescribeHub: enabled (subscribed) or not.

    `enabled` is False when DescribeHub answers InvalidAccessException ("not subscribed") or
    ResourceNotFoundException; any other error fails the dataset (never read as "not enabled").
    """

    enabled: bool
    hub_arn: str | None = None
    subscribed_at: str | None = None
    not_enabled_code: str | None = None


GUARDDUTY_DETECTORS: Dataset[list[Detector]] = Dataset(
    "guardduty.detectors",
    Scope.REGION,
    list[Detector],
    "ListDetectors and GetDetector for each detector, in each region",
)
SECURITYHUB_HUB: Dataset[Hub] = Dataset(
    "securityhub.hub",
    Scope.REGION,
    Hub,
    "DescribeHub in each region",
)
