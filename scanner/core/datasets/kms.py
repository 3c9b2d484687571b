"""KMS datasets: keys (DescribeKey, rotation status for rotatable keys) and aliases per region."""

from __future__ import annotations

from typing import Any

from pydantic import model_validator

from scanner.core.dataset import Dataset, Scope
from scanner.core.model import Collected

AWS_ALIAS_PREFIX = "alias/aws/"
PENDING_DELETION_STATES = frozenset({"PendingDeletion", "PendingReplicaDeletion"})


#: The fields DescribeKey fills; all unavailable when it failed.
DESCRIBE_KEY_FIELDS = (
    "key_manager",
    "key_state",
    "key_spec",
    "key_usage",
    "origin",
    "multi_region",
    "description",
    "deletion_date",
    "pending_deletion_window_in_days",
)
#: The fields GetKeyRotationStatus fills; unavailable when it failed.
ROTATION_FIELDS = ("rotation_enabled", "rotation_period_in_days")


class KmsKey(Collected):
    """One key from ListKeys (`key_id`, `arn`) and ListAliases (`aliases`), with DescribeKey and
    GetKeyRotationStatus fields; a field whose call failed is unavailable (see `errors`).

    `rotation_enabled` is only collected for enabled, customer-managed, symmetric encryption keys
    with key material from AWS KMS (`rotatable`).
    """

    key_id: str
    arn: str
    aliases: tuple[str, ...] = ()
    key_manager: str | None = None
    key_state: str | None = None
    key_spec: str | None = None
    key_usage: str | None = None
    origin: str | None = None
    multi_region: bool = False
    description: str | None = None
    deletion_date: str | None = None
    pending_deletion_window_in_days: int | None = None
    rotation_enabled: bool | None = None
    rotation_period_in_days: int | None = None

    @model_validator(mode="before")
    @classmethod
    def _legacy_errors(cls, data: Any) -> Any:
        """Older inventories: `error` (DescribeKey) and `rotation_error` instead of `errors`."""
        if not isinstance(data, dict) or not ({"error", "rotation_error"} & data.keys()):
            return data
        data = dict(data)
        errors = dict(data.get("errors") or {})
        for key, fields in (("error", DESCRIBE_KEY_FIELDS), ("rotation_error", ROTATION_FIELDS)):
            error = data.pop(key, None)
            if error is not None:
                errors.update(dict.fromkeys(fields, error))
        data["errors"] = errors
        return data

    @property
    def account_id(self) -> str:
        return self.arn.split(":")[4]

    @property
    def region(self) -> str:
        return self.arn.split(":")[3]

    @property
    def aws_alias_only(self) -> bool:
        """Every alias is an `alias/aws/...` one: an AWS managed key.

        Only AWS creates aliases under alias/aws/, for its own managed keys; moto also reports
        those keys as KeyManager CUSTOMER, so this is used in addition to KeyManager.
        """
        return bool(self.aliases) and all(a.startswith(AWS_ALIAS_PREFIX) for a in self.aliases)

    @property
    def aws_managed(self) -> bool:
        return self.key_manager == "AWS" or self.aws_alias_only

    @property
    def customer_managed(self) -> bool:
        """KeyManager CUSTOMER and not an AWS managed key."""
        return self.key_manager == "CUSTOMER" and not self.aws_alias_only

    @property
    def rotatable(self) -> bool:
        """Enabled customer-managed symmetric encryption key with AWS_KMS key material."""
        return (
            self.customer_managed
            and self.key_state == "Enabled"
            and self.key_spec == "SYMMETRIC_DEFAULT"
            and self.key_usage == "ENCRYPT_DECRYPT"
            and self.origin == "AWS_KMS"
        )

    @property
    def pending_deletion(self) -> bool:
        return self.key_state in PENDING_DELETION_STATES


KMS_KEYS: Dataset[list[KmsKey]] = Dataset(
    "kms.keys",
    Scope.REGION,
    list[KmsKey],
    "ListKeys, ListAliases, DescribeKey per key and GetKeyRotationStatus per rotatable key, "
    "in each region",
)
