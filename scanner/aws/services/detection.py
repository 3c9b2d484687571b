"""Detection services collectors: GuardDuty detectors and Security Hub, per region."""

from __future__ import annotations

from typing import Any

from botocore.exceptions import ClientError

from scanner.aws.collector import Collector, on
from scanner.aws.engine import CollectContext
from scanner.core.datasets.detection import GUARDDUTY_DETECTORS, SECURITYHUB_HUB, Detector, Hub

#: DescribeHub's answers for an account/region where Security Hub is not enabled.
HUB_NOT_ENABLED = frozenset({"InvalidAccessException", "ResourceNotFoundException"})


def fetch_detectors(ctx: CollectContext) -> list[Detector]:
    client = ctx.client("guardduty")
    out: list[Detector] = []
    for detector_id in ctx.paginate("guardduty", "list_detectors", "DetectorIds"):
        raw = client.get_detector(DetectorId=detector_id)
        out.append(Detector(detector_id=detector_id, status=str(raw.get("Status") or "UNKNOWN")))
    return sorted(out, key=lambda d: d.detector_id)


def _text(value: Any) -> str | None:
    if value in (None, ""):
        return None
    return value.isoformat() if hasattr(value, "isoformat") else str(value)


def fetch_hub(ctx: CollectContext) -> Hub:

    try:
        raw = ctx.client("securityhub").describe_hub()
    except ClientError as exc:
        code = exc.response.get("Error", {}).get("Code")
        if code in HUB_NOT_ENABLED:
            return Hub(enabled=False, not_enabled_code=str(code))
        raise
    return Hub(
        enabled=True,
        hub_arn=raw.get("HubArn") or None,
        subscribed_at=_text(raw.get("SubscribedAt")),
    )


COLLECTORS = (
    Collector(
        GUARDDUTY_DETECTORS,
        ("guardduty:ListDetectors", "guardduty:GetDetector"),
        fetch_detectors,
        events=on("guardduty.amazonaws.com", "CreateDetector", "UpdateDetector", "DeleteDetector"),
    ),
    Collector(
        SECURITYHUB_HUB,
        ("securityhub:DescribeHub",),
        fetch_hub,
        events=on("securityhub.amazonaws.com", "EnableSecurityHub", "DisableSecurityHub"),
    ),
)
