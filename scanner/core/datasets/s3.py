"""S3 datasets: the account's public access block, its buckets, and per-bucket settings.

Per-bucket settings are split by aspect (policy, ACL, public access block, logging, versioning,
lifecycle) so that a scan collects only what its checks need. Each per-bucket value is
`Collected`: a sub-call that failed for one bucket is recorded in `errors` against every field it
would have filled (instead of failing the dataset), and reading such a field raises
FieldUnavailable.
"""

from __future__ import annotations

from typing import ClassVar

from pydantic import Field

from scanner.core.dataset import Dataset, Scope
from scanner.core.model import Collected, Frozen

ALL_USERS = "http://acs.amazonaws.com/groups/global/AllUsers"
AUTHENTICATED_USERS = "http://acs.amazonaws.com/groups/global/AuthenticatedUsers"
PUBLIC_GROUPS = frozenset({ALL_USERS, AUTHENTICATED_USERS})


class PublicAccessBlock(Frozen):
    """The four block public access settings (account or bucket level)."""

    block_public_acls: bool = False
    ignore_public_acls: bool = False
    block_public_policy: bool = False
    restrict_public_buckets: bool = False

    def api_fields(self) -> dict[str, bool]:
        return {
            "BlockPublicAcls": self.block_public_acls,
            "IgnorePublicAcls": self.ignore_public_acls,
            "BlockPublicPolicy": self.block_public_policy,
            "RestrictPublicBuckets": self.restrict_public_buckets,
        }

    def disabled(self) -> list[str]:
        """API names of the settings that are off."""
        return [name for name, on in self.api_fields().items() if not on]


class AccountPublicAccessBlock(Frozen):
    """s3control GetPublicAccessBlock for the account; not configured means all four off."""

    configured: bool
    settings: PublicAccessBlock = Field(default_factory=PublicAccessBlock)


class Bucket(Collected):
    """A bucket from ListBuckets, with its region (BucketRegion or GetBucketLocation).

    `region` is unavailable when the location could not be read (errors["region"] says why).
    """

    name: str
    region: str | None = None
    creation_date: str | None = None


class BucketPolicy(Collected):
    """GetBucketPolicy (`policy`, None: no policy) and GetBucketPolicyStatus (`is_public`, None
    when there is no policy). A failed GetBucketPolicy makes both fields unavailable."""

    LEGACY_ERROR_KEYS: ClassVar[dict[str, tuple[str, ...]]] = {
        "policy": ("policy", "is_public"),
        "policy_status": ("is_public",),
    }

    policy: str | None = None
    is_public: bool | None = None


class Grant(Frozen):
    """One ACL grant: grantee type (CanonicalUser, Group, ...), grantee id/URI, permission."""

    grantee_type: str
    grantee: str
    permission: str


class BucketAcl(Collected):
    """GetBucketAcl (`owner_id`, `grants`)."""

    LEGACY_ERROR_KEYS: ClassVar[dict[str, tuple[str, ...]]] = {"acl": ("owner_id", "grants")}

    owner_id: str | None = None
    grants: tuple[Grant, ...] = ()


class BucketPublicAccessBlock(Collected):
    """GetPublicAccessBlock for the bucket (`settings`, None: not configured)."""

    LEGACY_ERROR_KEYS: ClassVar[dict[str, tuple[str, ...]]] = {"public_access_block": ("settings",)}

    settings: PublicAccessBlock | None = None


class BucketLogging(Collected):
    """GetBucketLogging (`enabled`, `target_bucket`, `target_prefix`)."""

    LEGACY_ERROR_KEYS: ClassVar[dict[str, tuple[str, ...]]] = {
        "logging": ("enabled", "target_bucket", "target_prefix")
    }

    enabled: bool = False
    target_bucket: str | None = None
    target_prefix: str | None = None


class BucketVersioning(Collected):
    """GetBucketVersioning (`status`, `mfa_delete`) and GetObjectLockConfiguration
    (`object_lock_enabled`).

    `status` is Enabled, Suspended or None (never enabled); `mfa_delete` Enabled, Disabled or None.
    """

    LEGACY_ERROR_KEYS: ClassVar[dict[str, tuple[str, ...]]] = {
        "versioning": ("status", "mfa_delete"),
        "object_lock": ("object_lock_enabled",),
    }

    status: str | None = None
    mfa_delete: str | None = None
    object_lock_enabled: bool = False


class BucketLifecycle(Collected):
    """GetBucketLifecycleConfiguration: `configured` is False when the bucket has none; `rules`
    counts its rules."""

    LEGACY_ERROR_KEYS: ClassVar[dict[str, tuple[str, ...]]] = {
        "lifecycle": ("configured", "rules"),
    }

    configured: bool = False
    rules: int = 0


S3_ACCOUNT_PUBLIC_ACCESS_BLOCK: Dataset[AccountPublicAccessBlock] = Dataset(
    "s3.account_public_access_block",
    Scope.ACCOUNT,
    AccountPublicAccessBlock,
    "s3control GetPublicAccessBlock for the account, in the home region",
)
S3_BUCKETS: Dataset[list[Bucket]] = Dataset(
    "s3.buckets",
    Scope.ACCOUNT,
    list[Bucket],
    "ListBuckets, with each bucket's region (GetBucketLocation when BucketRegion is missing)",
)
S3_BUCKET_POLICIES: Dataset[dict[str, BucketPolicy]] = Dataset(
    "s3.bucket_policies",
    Scope.ACCOUNT,
    dict[str, BucketPolicy],
    "GetBucketPolicy and GetBucketPolicyStatus per bucket in a scanned region",
    depends_on=(S3_BUCKETS,),
)
S3_BUCKET_ACLS: Dataset[dict[str, BucketAcl]] = Dataset(
    "s3.bucket_acls",
    Scope.ACCOUNT,
    dict[str, BucketAcl],
    "GetBucketAcl per bucket in a scanned region",
    depends_on=(S3_BUCKETS,),
)
S3_BUCKET_PUBLIC_ACCESS_BLOCKS: Dataset[dict[str, BucketPublicAccessBlock]] = Dataset(
    "s3.bucket_public_access_blocks",
    Scope.ACCOUNT,
    dict[str, BucketPublicAccessBlock],
    "GetPublicAccessBlock per bucket in a scanned region",
    depends_on=(S3_BUCKETS,),
)
S3_BUCKET_LOGGING: Dataset[dict[str, BucketLogging]] = Dataset(
    "s3.bucket_logging",
    Scope.ACCOUNT,
    dict[str, BucketLogging],
    "GetBucketLogging per bucket in a scanned region",
    depends_on=(S3_BUCKETS,),
)
S3_BUCKET_VERSIONING: Dataset[dict[str, BucketVersioning]] = Dataset(
    "s3.bucket_versioning",
    Scope.ACCOUNT,
    dict[str, BucketVersioning],
    "GetBucketVersioning and GetObjectLockConfiguration per bucket in a scanned region",
    depends_on=(S3_BUCKETS,),
)
S3_BUCKET_LIFECYCLE: Dataset[dict[str, BucketLifecycle]] = Dataset(
    "s3.bucket_lifecycle",
    Scope.ACCOUNT,
    dict[str, BucketLifecycle],
    "GetBucketLifecycleConfiguration per bucket in a scanned region",
    depends_on=(S3_BUCKETS,),
)
