"""checks.lib.keys.refers_to: key ARN, key id, alias name and alias ARN references."""

from __future__ import annotations

import pytest

from checks.lib.keys import refers_to
from tests.builders import MEMBER, MGMT
from tests.checks.kms_keys import HOME, OTHER, key

KEY = key("1234abcd-12ab-34cd-56ef-1234567890ab", aliases=("alias/trail",))


@pytest.mark.parametrize(
    ("ref", "account", "region", "expected"),
    [
        (KEY.arn, MEMBER, OTHER, True),
        (f"arn:aws:kms:{HOME}:{MGMT}:alias/trail", MEMBER, OTHER, True),
        (f"arn:aws:kms:{HOME}:{MGMT}:alias/other", MGMT, HOME, False),
        (f"arn:aws:kms:{OTHER}:{MGMT}:key/{KEY.key_id}", MGMT, HOME, False),
        (f"arn:aws:kms:{HOME}:{MEMBER}:key/{KEY.key_id}", MGMT, HOME, False),
        (KEY.key_id, MGMT, HOME, True),
        (KEY.key_id, MEMBER, HOME, False),
        ("alias/trail", MGMT, HOME, True),
        ("alias/trail", MGMT, OTHER, False),
        ("alias/trail", MEMBER, HOME, False),
        ("key/" + KEY.key_id, MGMT, HOME, True),
        ("1234", MGMT, HOME, False),
        ("arn:aws:s3:::bucket", MGMT, HOME, False),
        (None, MGMT, HOME, False),
        ("", MGMT, HOME, False),
    ],
)
def test_refers_to(ref: str | None, account: str, region: str, expected: bool) -> None:
    assert refers_to(ref, KEY, account, region) is expected
