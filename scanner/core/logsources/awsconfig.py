"""AWS Config delivery channels as log sources (configuration history and snapshots)."""

from __future__ import annotations

from collections.abc import Iterator

from scanner.core.dataset import Scope
from scanner.core.datasets.awsconfig import CONFIG
from scanner.core.logsource import Destination, Extractor, LogSource
from scanner.core.view import View


def delivery_channels(view: View) -> Iterator[LogSource]:
    """Each delivery channel of the view's region; it delivers only while a customer-managed
    recorder records (`logging` False otherwise)."""
    config = view.get(CONFIG)
    recorders = [r for r in config.recorders if r.customer_managed]
    recording = any(r.recording for r in recorders)
    for channel in config.delivery_channels:
        dest = (
            Destination.s3(channel.s3_bucket_name, channel.s3_key_prefix, channel.s3_kms_key_arn)
            if channel.s3_bucket_name
            else None
        )
        note = ""
        if not recorders:
            note = "no configuration recorder"
        elif not recording:
            note = "recorder not recording"
        yield LogSource(
            kind="config-channel",
            id=channel.name,
            name=channel.name,
            account_id=view.account_id,
            region=view.region,
            logging=recording and dest is not None,
            log_types=("configuration history", "configuration snapshot"),
            destinations=(dest,) if dest else (),
            detail="AWS Config delivery channel",
            note=note,
        )


EXTRACTORS = (
    Extractor(
        name="config.delivery_channels",
        kind="config-channel",
        scope=Scope.REGION,
        requires=(CONFIG,),
        extract=delivery_channels,
    ),
)
