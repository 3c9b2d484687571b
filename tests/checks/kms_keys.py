"""KMS keys and their failures as hand-built inventories for check tests."""

from __future__ import annotations

from typing import Any

from scanner.core.datasets.cloudtrail import TRAILS
from scanner.core.datasets.kms import DESCRIBE_KEY_FIELDS, KMS_KEYS, KmsKey
from scanner.core.model import CollectionError
from tests.builders import MGMT, InventoryBuilder

HOME = "us-east-1"
OTHER = "eu-west-1"


def key_arn(key_id: str, region: str = HOME, account: str = MGMT) -> str:
    return f"arn:aws:kms:{region}:{account}:key/{key_id}"


def key(key_id: str, region: str = HOME, account: str = MGMT, **fields: Any) -> KmsKey:
    values: dict[str, Any] = {
        "key_id": key_id,
        "arn": key_arn(key_id, region, account),
        "key_manager": "CUSTOMER",
        "key_state": "Enabled",
        "key_spec": "SYMMETRIC_DEFAULT",
        "key_usage": "ENCRYPT_DECRYPT",
        "origin": "AWS_KMS",
    }
    values.update(fields)
    return KmsKey(**values)


def denied(operation: str, region: str = HOME) -> CollectionError:
    return CollectionError(
        operation=operation,
        iam_action=f"kms:{operation}",
        code="AccessDeniedException",
        message="denied",
        region=region,
    )


def failed_describe(key_id: str, **fields: Any) -> KmsKey:
    """A key whose DescribeKey failed: only ListKeys/ListAliases fields are known."""
    errors = dict.fromkeys(DESCRIBE_KEY_FIELDS, denied("DescribeKey"))
    return KmsKey(key_id=key_id, arn=key_arn(key_id), errors=errors, **fields)


def inventory(*keys: KmsKey, region: str = HOME) -> InventoryBuilder:
    b = InventoryBuilder(regions=(HOME, OTHER), management_account_id=MGMT)
    acct = b.account(MGMT)
    acct.put(KMS_KEYS, [], OTHER if region == HOME else HOME)
    acct.put(KMS_KEYS, list(keys), region)
    acct.put(TRAILS, [])
    return b
