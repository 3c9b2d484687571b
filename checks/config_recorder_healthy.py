"""AWS Config recorders are not failing (recorder status lastStatus is not FAILURE)."""

from __future__ import annotations

from collections.abc import Iterator

from scanner.core.check import Check
from scanner.core.dataset import Scope
from scanner.core.datasets.awsconfig import CONFIG
from scanner.core.model import Result, Severity, Status
from scanner.core.view import View

HEALTHY = frozenset({"SUCCESS", "PENDING"})


def evaluate(view: View) -> Iterator[Result]:
    """One result per region with a customer-managed recorder, on the account.

    FAIL when DescribeConfigurationRecorderStatus reports lastStatus FAILURE (with
    lastErrorCode). SUCCESS and PENDING pass (moto always reports PENDING). A recorder with no
    status entry, or one that never ran (no lastStatus), is a WARNING: there is nothing to judge
    (Config.1 reports a recorder that is not recording). No recorder: no finding (Config.1).
    """
    for rec in view.get(CONFIG).recorders:
        if not rec.customer_managed:
            continue
        evidence = {
            "api": "config:DescribeConfigurationRecorderStatus",
            "name": rec.name,
            "recording": rec.recording,
            "lastStatus": rec.last_status,
            "lastErrorCode": rec.last_error_code,
            "lastErrorMessage": rec.last_error_message,
            "lastStatusChangeTime": rec.last_status_change_time,
        }
        if rec.last_status == "FAILURE":
            status = Status.FAIL
            reason = (
                f"Recorder {rec.name} last failed: {rec.last_error_code or 'unknown error'}"
                + (f" ({rec.last_error_message})" if rec.last_error_message else "")
                + "."
            )
        elif rec.last_status in HEALTHY:
            status, reason = Status.PASS, f"Recorder {rec.name} status is {rec.last_status}."
        elif not rec.has_status:
            status, reason = Status.WARNING, f"No status was returned for recorder {rec.name}."
        else:
            status = Status.WARNING
            reason = f"Recorder {rec.name} has no last status ({rec.last_status or 'never ran'})."
        yield Result(
            status=status, resource=view.account_resource(), reason=reason, evidence=evidence
        )


CHECK = Check(
    id="config_recorder_healthy",
    title="AWS Config recorders should not be failing",
    severity=Severity.MEDIUM,
    resource_type="AwsAccount",
    scope=Scope.REGION,
    requires=(CONFIG,),
    evaluate=evaluate,
    rationale=(
        "A recorder that fails to record or deliver (for instance after its role lost "
        "permissions) leaves gaps in the configuration history while AWS Config looks enabled."
    ),
    remediation=(
        "aws configservice describe-configuration-recorder-status; fix the reported "
        "lastErrorCode (usually the recorder role or the delivery bucket policy)."
    ),
    remediation_url="https://docs.aws.amazon.com/config/latest/developerguide/stop-start-recorder.html",
)
