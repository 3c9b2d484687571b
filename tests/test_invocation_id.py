"""The amz-sdk-invocation-id of a lean call: a version 4 UUID, as botocore's uuid4()."""

from __future__ import annotations

import random
import uuid

from scanner.aws.lean import invocation_id


def test_invocation_ids_are_version_4_uuids_and_differ() -> None:
    ids = {invocation_id() for _ in range(1000)}
    assert len(ids) == 1000
    for text in ids:
        parsed = uuid.UUID(text)
        assert str(parsed) == text
        assert parsed.version == 4 and parsed.variant == uuid.RFC_4122


def test_an_invocation_id_is_the_uuid_of_its_random_bits() -> None:
    state = random.getstate()
    bits = random.getrandbits(128)
    random.setstate(state)
    assert invocation_id() == str(uuid.UUID(int=bits, version=4))
