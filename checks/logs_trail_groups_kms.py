"""The log groups CloudTrail delivers to are encrypted with a KMS key.

Our own check (no Security Hub control). CloudWatch Logs always encrypts log data; a KMS key
(`kmsKeyId` on DescribeLogGroups) adds control over who can decrypt the trail's events and an
audit trail of that use, as CloudTrail.2 does for the S3 log files. Same scope as CloudWatch.16
here: the groups the trails' CloudWatchLogsLogGroupArn name, in the account and region that own
them; a trail pointing at a group that does not exist fails.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from checks.lib.trail_log_groups import each_trail_group
from scanner.core.check import Check
from scanner.core.dataset import Scope
from scanner.core.datasets.cloudtrail import TRAILS, Trail
from scanner.core.datasets.logs import LOG_GROUPS, LogGroup
from scanner.core.model import Result, Severity, Status
from scanner.core.view import View


def _judge(
    group: LogGroup | None, name: str, trails: list[Trail], evidence: dict[str, Any]
) -> tuple[Status, str]:
    if group is None:
        evidence["exists"] = False
        return Status.FAIL, f"The trails deliver to log group {name}, which does not exist."
    evidence["kmsKeyId"] = group.kms_key_id or None
    if group.kms_key_id:
        return Status.PASS, f"The log group is encrypted with {group.kms_key_id}."
    return Status.FAIL, "The log group holding CloudTrail events is not encrypted with a KMS key."


def evaluate(view: View) -> Iterator[Result]:
    """One result per trail log group owned by this account in this region."""
    return each_trail_group(view, _judge)


CHECK = Check(
    id="logs_trail_groups_kms",
    title="CloudWatch Logs groups that receive CloudTrail events should be encrypted with KMS",
    severity=Severity.MEDIUM,
    resource_type="AwsLogsLogGroup",
    scope=Scope.REGION,
    requires=(TRAILS, LOG_GROUPS),
    evaluate=evaluate,
    rationale="A customer managed KMS key decides who can read the trail's events in CloudWatch "
    "Logs and records every use of the key, separately from the logs permissions.",
    remediation="aws logs associate-kms-key --log-group-name <group> --kms-key-id <key-arn> "
    "(the key policy must allow logs.<region>.amazonaws.com)",
    remediation_url="https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/encrypt-log-data-kms.html",
)
