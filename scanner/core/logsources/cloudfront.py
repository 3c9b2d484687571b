"""CloudFront distributions as log sources: standard logging (legacy) to an S3 bucket."""

from __future__ import annotations

from collections.abc import Iterator

from scanner.core.dataset import Scope
from scanner.core.datasets.cloudfront import CLOUDFRONT_DISTRIBUTIONS
from scanner.core.logsource import Destination, Extractor, LogSource
from scanner.core.model import peek
from scanner.core.view import View

_S3_HOST = ".s3.amazonaws.com"


def distributions(view: View) -> Iterator[LogSource]:
    """Every distribution of the account (global: no region); logging unknown when its
    configuration could not be read. Standard logging v2 is not read (not in the inventory)."""
    for dist in view.get(CLOUDFRONT_DISTRIBUTIONS):
        enabled = peek(dist, "logging_enabled")
        bucket = peek(dist, "logging_bucket") or ""
        if bucket.endswith(_S3_HOST):
            bucket = bucket[: -len(_S3_HOST)]
        yield LogSource(
            kind="distribution",
            id=dist.arn,
            name=dist.domain_name or dist.id,
            account_id=view.account_id,
            logging=enabled,
            log_types=("standard-legacy",),
            destinations=(
                (Destination.s3(bucket, peek(dist, "logging_prefix")),)
                if enabled and bucket
                else ()
            ),
            detail="CloudFront distribution",
            note="" if enabled is not None else "GetDistributionConfig could not be read",
        )


EXTRACTORS = (
    Extractor(
        name="cloudfront.distributions",
        kind="distribution",
        scope=Scope.ACCOUNT,
        requires=(CLOUDFRONT_DISTRIBUTIONS,),
        extract=distributions,
    ),
)
