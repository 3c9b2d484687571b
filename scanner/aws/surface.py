"""The API operations the scanner calls, per botocore service: what its service models keep."""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping

from scanner.aws.iam import botocore_services, operations_of
from scanner.aws.permissions import DISCOVERY_ACTIONS
from scanner.aws.registry import all_collectors

#: Read calls made outside the collectors and discovery (tests/test_api_surface.py finds every
#: call in the code and fails on one that no list here or in the collectors names).
OTHER_READS: tuple[tuple[str, str], ...] = (
    ("s3", "HeadBucket"),  # botocore's S3 region redirector asks a bucket's region with it
    ("s3", "GetObject"),  # history, report pulls, real time's last inventory
    ("s3", "ListObjectsV2"),  # report pulls, real time's last inventory
    ("securityhub", "GetFindings"),  # the import's view of what Security Hub holds
    ("kms", "GetPublicKey"),  # signed evidence
    ("secretsmanager", "GetSecretValue"),  # real time's forwarder secret
)

#: Services whose models are loaded whole: botocore's own credential providers call STS
#: operations the scanner does not (AssumeRoleWithWebIdentity, ...).
WHOLE = frozenset({"sts"})


def services_of(actions: Iterable[str]) -> set[str]:
    """The botocore services behind IAM actions."""
    return {service for action in actions for service in botocore_services(action)}


@functools.cache
def read_operations() -> Mapping[str, frozenset[str]]:
    """Per botocore service, every read operation some part of the scanner calls.

    Derived from the collectors' declared IAM actions (which a test proves cover every call a
    scan makes), discovery's, and OTHER_READS; operation names a service does not have are
    dropped when its model is pruned."""
    actions = set(DISCOVERY_ACTIONS)
    for collector in all_collectors():
        actions.update(collector.iam_actions)
    found: dict[str, set[str]] = {}
    for action in actions:
        for service in botocore_services(action):
            found.setdefault(service, set()).update(operations_of(service, action))
    for service, operation in OTHER_READS:
        found.setdefault(service, set()).add(operation)
    return {s: frozenset(ops) for s, ops in sorted(found.items()) if s not in WHOLE}


def kept_operations(allow_writes: Iterable[tuple[str, str]]) -> Mapping[str, frozenset[str]]:
    """Per pruned service, the operations its model keeps: the reads, and the writes a
    session's settings allow (a service missing here is loaded whole)."""
    kept = {s: set(ops) for s, ops in read_operations().items()}
    for service, operation in allow_writes:
        if service not in WHOLE:
            kept.setdefault(service, set()).add(operation)
    return {s: frozenset(ops) for s, ops in kept.items()}
