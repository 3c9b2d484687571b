"""KMS.4: automatic rotation is enabled on every enabled customer-managed symmetric key."""

from __future__ import annotations

from collections.abc import Iterator

from checks.lib.keys import key_resource
from checks.lib.trails import owned_trails_homed_here, trail_resource
from scanner.core.check import Check
from scanner.core.dataset import Scope
from scanner.core.datasets.cloudtrail import TRAILS
from scanner.core.datasets.kms import KMS_KEYS, KmsKey
from scanner.core.model import Resource, Result, Severity, Status
from scanner.core.view import View


def _evidence(key: KmsKey) -> dict[str, object]:
    return {
        "api": ["kms:ListKeys", "kms:ListAliases", "kms:DescribeKey", "kms:GetKeyRotationStatus"],
        "KeyId": key.key_id,
        "Aliases": list(key.aliases),
        "KeyManager": key.key_manager,
        "KeyState": key.key_state,
        "KeySpec": key.key_spec,
        "KeyUsage": key.key_usage,
        "Origin": key.origin,
        "KeyRotationEnabled": key.rotation_enabled,
        "RotationPeriodInDays": key.rotation_period_in_days,
    }


def evaluate(view: View) -> Iterator[Result]:
    """One result per key in scope.

    In scope: Enabled keys with KeyManager CUSTOMER, KeySpec SYMMETRIC_DEFAULT, KeyUsage
    ENCRYPT_DECRYPT and Origin AWS_KMS: the keys AWS can rotate automatically. AWS managed keys
    (rotated by AWS), asymmetric, HMAC, imported-material and custom/external key store keys
    (rotation unsupported), and disabled or pending-deletion keys get no finding. Keys whose
    aliases are all `alias/aws/...` are AWS managed keys and get no finding either: moto reports
    them as CUSTOMER, and only AWS can create such aliases, so this is also right on AWS.
    A key whose DescribeKey or GetKeyRotationStatus failed is ERROR (its scope or rotation is
    unknown: reading those fields raises, and view.judge makes the key ERROR), unless its aliases
    already show it is AWS managed.
    """
    for key in view.get(KMS_KEYS):
        if key.aws_alias_only:
            continue
        result = view.judge(key_resource(key), lambda: _judge(key))  # noqa: B023 - called at once
        if result is not None:
            yield result
    yield from _keys_outside_scan(view)


def _judge(key: KmsKey) -> Result | None:
    if not key.rotatable:
        return None
    ok = key.rotation_enabled is True
    return Result(
        status=Status.PASS if ok else Status.FAIL,
        resource=key_resource(key),
        reason=(
            "Automatic key rotation is enabled."
            if ok
            else "Automatic key rotation is disabled on this customer managed key."
        ),
        evidence=_evidence(key),
    )


def _keys_outside_scan(view: View) -> Iterator[Result]:
    """WARNING for a trail's key in an account the scan does not cover (never FAILED).

    A key in another scanned account is evaluated there, once; a key in an account outside the
    scan cannot be read, so its rotation is unknown: the trail owner gets a WARNING naming it.
    """
    seen: set[str] = set()
    for trail in owned_trails_homed_here(view):
        key = trail.kms_key_id or ""
        parts = key.split(":")
        if not key.startswith("arn:") or len(parts) < 6 or key in seen:
            continue
        owner = parts[4]
        if owner == view.account_id or view.org.in_scan(owner):
            continue
        seen.add(key)
        yield Result(
            status=Status.WARNING,
            resource=Resource(type="AwsKmsKey", id=key, region=parts[3], account_id=owner),
            reason=(
                f"Trail {trail.name} encrypts with a KMS key in account {owner}, which is outside "
                "this scan: the key's rotation could not be evaluated."
            ),
            evidence={"api": "cloudtrail:DescribeTrails", "Trail": trail.arn, "KmsKeyId": key},
            related_resources=(trail_resource(trail),),
        )


CHECK = Check(
    id="kms_key_rotation",
    control_id="KMS.4",
    title="AWS KMS key rotation should be enabled",
    severity=Severity.MEDIUM,
    resource_type="AwsKmsKey",
    scope=Scope.REGION,
    requires=(KMS_KEYS, TRAILS),
    evaluate=evaluate,
    rationale=(
        "Rotating key material limits how much data one key version protects and how long a "
        "compromised key version stays useful."
    ),
    remediation="aws kms enable-key-rotation --key-id <key-id>",
    remediation_url="https://docs.aws.amazon.com/securityhub/latest/userguide/kms-controls.html#kms-4",
)
