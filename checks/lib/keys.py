"""KMS key helpers: the ASFF resource of a key, and whether a key reference names a key."""

from __future__ import annotations

from scanner.core.datasets.kms import KmsKey
from scanner.core.model import Resource


def key_resource(key: KmsKey) -> Resource:
    return Resource(type="AwsKmsKey", id=key.arn, region=key.region, account_id=key.account_id)


def key_home(ref: str | None, ref_account: str, ref_region: str) -> tuple[str, str] | None:
    """(account, region) of the key that `ref` names (resolved as refers_to does); None when
    `ref` names no KMS key. refers_to(ref, key, ...) is False for every key not homed there."""
    if not ref:
        return None
    if ref.startswith("arn:"):
        parts = ref.split(":", 5)
        if len(parts) != 6 or parts[2] != "kms":
            return None
        return parts[4], parts[3]
    return ref_account, ref_region


def refers_to(ref: str | None, key: KmsKey, ref_account: str, ref_region: str) -> bool:
    """Does `ref` (key ARN, key id, alias name or alias ARN) name `key`?

    A bare key id or alias name is resolved in `ref_account`/`ref_region` (the account and region
    of the resource that holds the reference), as AWS resolves it.
    """
    if not ref:
        return False
    if ref.startswith("arn:"):
        parts = ref.split(":", 5)
        if len(parts) != 6 or parts[2] != "kms":
            return False
        region, account, resource = parts[3], parts[4], parts[5]
    else:
        region, account, resource = ref_region, ref_account, ref
    if (account, region) != (key.account_id, key.region):
        return False
    if resource.startswith("alias/"):
        return resource in key.aliases
    return resource.removeprefix("key/") == key.key_id
