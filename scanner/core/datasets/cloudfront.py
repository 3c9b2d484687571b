"""CloudFront dataset: the account's distributions and their standard logging (legacy) setting."""

from __future__ import annotations

from scanner.core.dataset import Dataset, Scope
from scanner.core.model import Collected


class Distribution(Collected):
    """A distribution (ListDistributions) and its `Logging` (GetDistributionConfig).

    `logging_enabled`, `logging_bucket` and `logging_prefix` are unavailable (errors) when
    GetDistributionConfig failed for this distribution.
    """

    id: str
    arn: str
    domain_name: str | None = None
    enabled: bool | None = None
    logging_enabled: bool = False
    logging_bucket: str | None = None
    logging_prefix: str | None = None


CLOUDFRONT_DISTRIBUTIONS: Dataset[list[Distribution]] = Dataset(
    "cloudfront.distributions",
    Scope.ACCOUNT,
    list[Distribution],
    "ListDistributions, then GetDistributionConfig per distribution (global service)",
)
