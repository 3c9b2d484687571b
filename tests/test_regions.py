"""Region names: --regions parsing against the partitions' region lists, and the enabled-region
filter over DescribeRegions(AllRegions=True)."""

from __future__ import annotations

import pytest

from scanner.aws.regions import known_regions, parse_regions, split_enabled
from scanner.core.errors import UsageError


def test_known_regions_are_per_partition_or_all_of_them() -> None:
    assert {"us-east-1", "eu-west-1"} <= known_regions("aws")
    assert "cn-north-1" in known_regions("aws-cn") and "cn-north-1" not in known_regions("aws")
    assert known_regions("aws") | known_regions("aws-cn") <= known_regions()
    assert known_regions("no-such-partition") == frozenset()


def test_parse_regions_keeps_the_order_drops_blanks_and_duplicates() -> None:
    assert parse_regions(None) is None
    assert parse_regions(" us-east-1, eu-west-1,,us-east-1 ") == ("us-east-1", "eu-west-1")
    assert parse_regions("cn-north-1") == ("cn-north-1",)


@pytest.mark.parametrize("text", ["", " , ", "moon-1", "us-east-1,US-EAST-1", "us-east-99"])
def test_parse_regions_refuses_empty_lists_and_unknown_names(text: str) -> None:
    with pytest.raises(UsageError):
        parse_regions(text)


DESCRIBED = [
    {"RegionName": "us-east-1", "OptInStatus": "opt-in-not-required"},
    {"RegionName": "af-south-1", "OptInStatus": "not-opted-in"},
    {"RegionName": "me-south-1", "OptInStatus": "opted-in"},
    {"RegionName": "eu-west-1"},  # no status: not an opt-in region
    {"RegionName": "cn-north-1", "OptInStatus": "opt-in-not-required"},  # another partition
]


def test_without_a_region_list_every_enabled_region_is_scanned() -> None:
    scan, skipped = split_enabled(DESCRIBED, None, "aws")
    assert scan == ("eu-west-1", "me-south-1", "us-east-1")
    assert list(skipped) == ["af-south-1"]
    assert "not-opted-in" in skipped["af-south-1"]


def test_asked_for_regions_keep_their_order_and_the_others_are_skipped_with_a_reason() -> None:
    scan, skipped = split_enabled(DESCRIBED, ("us-east-1", "af-south-1", "ap-east-2", "eu-west-1"))
    assert scan == ("us-east-1", "eu-west-1")
    assert sorted(skipped) == ["af-south-1", "ap-east-2"]
    assert skipped["af-south-1"] != skipped["ap-east-2"]  # not enabled vs. not offered


def test_regions_of_another_partition_count_only_without_a_partition() -> None:
    assert "cn-north-1" not in split_enabled(DESCRIBED, None, "aws")[0]
    assert "cn-north-1" in split_enabled(DESCRIBED, None)[0]
