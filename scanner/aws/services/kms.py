"""KMS collectors: keys, aliases, DescribeKey per key and rotation status per rotatable key.

A failure on one key (AccessDenied on DescribeKey or GetKeyRotationStatus, say a key policy
that does not trust the scan role) is stored on that key against the fields the call fills, not
raised: the other keys of the region are still evaluated, and a check that reads such a field
reports that key as ERROR.
"""

from __future__ import annotations

from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from scanner.aws.collector import Collector, on
from scanner.aws.engine import CollectContext, error_from_exception
from scanner.core.datasets.kms import DESCRIBE_KEY_FIELDS, KMS_KEYS, ROTATION_FIELDS, KmsKey


def _text(value: Any) -> str | None:
    return None if value in (None, "") else str(value)


def _failed(key: KmsKey, exc: BaseException, fields: tuple[str, ...]) -> KmsKey:
    """`key` with `fields` unavailable: the call that fills them failed."""
    error = error_from_exception(exc, key.region)
    return key.model_copy(update={"errors": {**key.errors, **KmsKey.failed(error, *fields)}})


def _describe(client: Any, key: KmsKey) -> KmsKey | None:
    """The key with DescribeKey fields; None when the key no longer exists."""

    try:
        meta = client.describe_key(KeyId=key.arn)["KeyMetadata"]
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") == "NotFoundException":
            return None  # deleted between ListKeys and DescribeKey
        return _failed(key, exc, DESCRIBE_KEY_FIELDS)
    except BotoCoreError as exc:
        return _failed(key, exc, DESCRIBE_KEY_FIELDS)
    deletion = meta.get("DeletionDate")
    spec = _text(meta.get("KeySpec") or meta.get("CustomerMasterKeySpec"))
    usage = _text(meta.get("KeyUsage"))
    if usage is None and spec == "SYMMETRIC_DEFAULT":
        usage = "ENCRYPT_DECRYPT"  # the only usage of that spec; moto omits the field
    return key.model_copy(
        update={
            "key_manager": _text(meta.get("KeyManager")),
            "key_state": _text(meta.get("KeyState")),
            "key_spec": spec,
            "key_usage": usage,
            "origin": _text(meta.get("Origin")),
            "multi_region": bool(meta.get("MultiRegion", False)),
            "description": _text(meta.get("Description")),
            "deletion_date": deletion.isoformat() if deletion is not None else None,
            "pending_deletion_window_in_days": meta.get("PendingDeletionWindowInDays"),
        }
    )


def _rotation(client: Any, key: KmsKey) -> KmsKey:

    try:
        raw = client.get_key_rotation_status(KeyId=key.arn)
    except (ClientError, BotoCoreError) as exc:
        return _failed(key, exc, ROTATION_FIELDS)
    return key.model_copy(
        update={
            "rotation_enabled": bool(raw.get("KeyRotationEnabled", False)),
            "rotation_period_in_days": raw.get("RotationPeriodInDays"),
        }
    )


def fetch_keys(ctx: CollectContext) -> list[KmsKey]:
    listed = ctx.paginate("kms", "list_keys", "Keys")
    aliases: dict[str, list[str]] = {}
    for alias in ctx.paginate("kms", "list_aliases", "Aliases"):
        target = alias.get("TargetKeyId")
        if target:
            aliases.setdefault(target, []).append(alias["AliasName"])
    client = ctx.client("kms")
    out: list[KmsKey] = []
    for raw in listed:
        key_id = raw["KeyId"]
        arn = raw.get("KeyArn") or (
            f"arn:{ctx.partition}:kms:{ctx.region}:{ctx.account_id}:key/{key_id}"
        )
        key = _describe(
            client, KmsKey(key_id=key_id, arn=arn, aliases=tuple(sorted(aliases.get(key_id, ()))))
        )
        if key is None:
            continue
        if not key.errors and key.rotatable:
            key = _rotation(client, key)
        out.append(key)
    return sorted(out, key=lambda k: k.arn)


COLLECTORS = (
    Collector(
        KMS_KEYS,
        ("kms:ListKeys", "kms:ListAliases", "kms:DescribeKey", "kms:GetKeyRotationStatus"),
        fetch_keys,
        events=on(
            "kms.amazonaws.com",
            "CreateKey",
            "EnableKey",
            "DisableKey",
            "EnableKeyRotation",
            "DisableKeyRotation",
            "ScheduleKeyDeletion",
            "CancelKeyDeletion",
            "CreateAlias",
            "UpdateAlias",
            "DeleteAlias",
        ),
    ),
)
