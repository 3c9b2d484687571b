"""EventBridge pattern matching: every condition type, nesting, arrays, $or, and validation."""

from __future__ import annotations

from typing import Any

import pytest

from checks.lib.cloudtrail_events import (
    console_login,
    eventbridge_event,
    sample_events,
    securityhub_finding_event,
)
from checks.lib.event_pattern import EventPatternError, matches, parse_event_pattern

ACCOUNT = "111111111111"

EVENT: dict[str, Any] = {
    "source": "aws.ec2",
    "detail-type": "AWS API Call via CloudTrail",
    "region": "eu-west-1",
    "resources": ["arn:aws:ec2:eu-west-1:111111111111:security-group/sg-1"],
    "detail": {
        "eventSource": "ec2.amazonaws.com",
        "eventName": "AuthorizeSecurityGroupIngress",
        "sourceIPAddress": "10.0.3.7",
        "count": 5,
        "price": 2.5,
        "readOnly": False,
        "nothing": None,
        "tags": ["prod", "pci"],
        "userIdentity": {"type": "AssumedRole", "arn": "arn:aws:sts::1:assumed-role/Admin/bob"},
        "items": [{"port": 22, "cidr": "0.0.0.0/0"}, {"port": 443, "cidr": "10.0.0.0/8"}],
    },
}

CASES: list[tuple[str, dict[str, Any], bool]] = [
    ("exact", {"source": ["aws.ec2"]}, True),
    ("exact miss", {"source": ["aws.kms"]}, False),
    ("one of several", {"source": ["aws.kms", "aws.ec2"]}, True),
    ("nested", {"detail": {"eventName": ["AuthorizeSecurityGroupIngress"]}}, True),
    ("nested two levels", {"detail": {"userIdentity": {"type": ["AssumedRole"]}}}, True),
    ("nested miss", {"detail": {"userIdentity": {"type": ["Root"]}}}, False),
    ("all keys must match", {"source": ["aws.ec2"], "region": ["us-east-1"]}, False),
    ("case-sensitive exact", {"source": ["AWS.EC2"]}, False),
    ("number exact", {"detail": {"count": [5]}}, True),
    ("number exact as float", {"detail": {"count": [5.0]}}, True),
    ("string is not number", {"detail": {"count": ["5"]}}, False),
    ("boolean", {"detail": {"readOnly": [False]}}, True),
    ("null", {"detail": {"nothing": [None]}}, True),
    ("null does not match missing", {"detail": {"absent": [None]}}, False),
    ("prefix", {"detail": {"eventName": [{"prefix": "Authorize"}]}}, True),
    ("prefix miss", {"detail": {"eventName": [{"prefix": "Revoke"}]}}, False),
    ("prefix ignore case", {"source": [{"prefix": {"equals-ignore-case": "AWS."}}]}, True),
    ("suffix", {"detail": {"eventName": [{"suffix": "Ingress"}]}}, True),
    ("suffix miss", {"detail": {"eventName": [{"suffix": "Egress"}]}}, False),
    (
        "suffix ignore case",
        {"detail": {"eventName": [{"suffix": {"equals-ignore-case": "INGRESS"}}]}},
        True,
    ),
    ("equals-ignore-case", {"source": [{"equals-ignore-case": "AWS.Ec2"}]}, True),
    ("wildcard", {"detail": {"eventName": [{"wildcard": "Authorize*Ingress"}]}}, True),
    ("wildcard miss", {"detail": {"eventName": [{"wildcard": "Revoke*"}]}}, False),
    ("wildcard whole value", {"detail": {"eventName": [{"wildcard": "Security*"}]}}, False),
    ("anything-but value", {"source": [{"anything-but": "aws.kms"}]}, True),
    ("anything-but same value", {"source": [{"anything-but": "aws.ec2"}]}, False),
    ("anything-but list", {"source": [{"anything-but": ["aws.kms", "aws.ec2"]}]}, False),
    ("anything-but number", {"detail": {"count": [{"anything-but": [1, 2]}]}}, True),
    ("anything-but prefix", {"source": [{"anything-but": {"prefix": "aws."}}]}, False),
    ("anything-but prefix other", {"source": [{"anything-but": {"prefix": "custom."}}]}, True),
    (
        "anything-but suffix",
        {"detail": {"eventName": [{"anything-but": {"suffix": "Ingress"}}]}},
        False,
    ),
    (
        "anything-but ignore case",
        {"source": [{"anything-but": {"equals-ignore-case": ["AWS.EC2"]}}]},
        False,
    ),
    ("anything-but wildcard", {"source": [{"anything-but": {"wildcard": "aws.*"}}]}, False),
    ("anything-but needs the field", {"detail": {"absent": [{"anything-but": "x"}]}}, False),
    ("numeric range", {"detail": {"count": [{"numeric": [">", 0, "<=", 5]}]}}, True),
    ("numeric range miss", {"detail": {"count": [{"numeric": [">", 5]}]}}, False),
    ("numeric equals", {"detail": {"price": [{"numeric": ["=", 2.5]}]}}, True),
    ("numeric on a string", {"detail": {"eventName": [{"numeric": [">", 0]}]}}, False),
    ("exists", {"detail": {"eventName": [{"exists": True}]}}, True),
    ("exists miss", {"detail": {"errorCode": [{"exists": True}]}}, False),
    ("not exists", {"detail": {"errorCode": [{"exists": False}]}}, True),
    ("not exists but present", {"detail": {"eventName": [{"exists": False}]}}, False),
    ("exists on an object", {"detail": {"userIdentity": [{"exists": True}]}}, False),
    (
        "nested absence under a missing object",
        {"detail": {"absent": {"x": [{"exists": False}]}}},
        True,
    ),
    ("nested value under a missing object", {"detail": {"absent": {"x": ["a"]}}}, False),
    ("cidr", {"detail": {"sourceIPAddress": [{"cidr": "10.0.0.0/16"}]}}, True),
    ("cidr miss", {"detail": {"sourceIPAddress": [{"cidr": "192.168.0.0/16"}]}}, False),
    ("array value: one element", {"detail": {"tags": ["pci"]}}, True),
    ("array value: none", {"detail": {"tags": ["dev"]}}, False),
    ("array value: anything-but", {"detail": {"tags": [{"anything-but": "prod"}]}}, True),
    ("array in the event (resources)", {"resources": [{"prefix": "arn:aws:ec2:"}]}, True),
    ("array of objects", {"detail": {"items": {"port": [22], "cidr": ["0.0.0.0/0"]}}}, True),
    (
        "array of objects, one element each",
        {"detail": {"items": {"port": [22], "cidr": ["10.0.0.0/8"]}}},
        False,
    ),
    ("$or", {"$or": [{"source": ["aws.kms"]}, {"detail": {"count": [5]}}]}, True),
    ("$or none", {"$or": [{"source": ["aws.kms"]}, {"detail": {"count": [6]}}]}, False),
    ("$or nested", {"detail": {"$or": [{"eventName": ["X"]}, {"readOnly": [False]}]}}, True),
    (
        "$or with other keys",
        {"source": ["aws.kms"], "$or": [{"region": ["eu-west-1"]}, {"account": ["1"]}]},
        False,
    ),
]


@pytest.mark.parametrize(("name", "pattern", "expected"), CASES, ids=[c[0] for c in CASES])
def test_matching(name: str, pattern: dict[str, Any], expected: bool) -> None:
    assert matches(pattern, EVENT) is expected


INVALID = {
    "not json": "{source: aws.ec2}",
    "not an object": '["aws.ec2"]',
    "empty": "{}",
    "scalar instead of array": '{"source": "aws.ec2"}',
    "empty array": '{"source": []}',
    "unknown operator": '{"source": [{"begins-with": "aws"}]}',
    "two operators in one": '{"source": [{"prefix": "a", "suffix": "b"}]}',
    "numeric without number": '{"detail": {"count": [{"numeric": [">", "5"]}]}}',
    "numeric bad operator": '{"detail": {"count": [{"numeric": ["!=", 5]}]}}',
    "exists not boolean": '{"detail": {"x": [{"exists": "yes"}]}}',
    "bad cidr": '{"detail": {"ip": [{"cidr": "10.0.0.0/99"}]}}',
    "$or not a list": '{"$or": {"source": ["a"]}}',
    "$or with one alternative": '{"$or": [{"source": ["a"]}]}',
    "anything-but unknown": '{"source": [{"anything-but": {"numeric": [">", 1]}}]}',
}


@pytest.mark.parametrize("case", list(INVALID))
def test_invalid_patterns_are_rejected(case: str) -> None:
    with pytest.raises(EventPatternError):
        parse_event_pattern(INVALID[case])


def test_cloudtrail_envelopes_match_typical_rules() -> None:
    kms = sample_events(
        "kms.amazonaws.com", "ScheduleKeyDeletion", account=ACCOUNT, region="eu-west-1"
    )
    envelope = eventbridge_event(kms[0].record)
    assert envelope["source"] == "aws.kms" and envelope["region"] == "eu-west-1"
    rule = parse_event_pattern(
        '{"source":["aws.kms"],"detail-type":["AWS API Call via CloudTrail"],'
        '"detail":{"eventSource":["kms.amazonaws.com"],"eventName":["ScheduleKeyDeletion"]}}'
    )
    assert rule.matches(envelope)
    login = eventbridge_event(console_login(ACCOUNT, "Root", mfa=True, success=True))
    assert login["detail-type"] == "AWS Console Sign In via CloudTrail"
    assert login["source"] == "aws.signin"
    root = parse_event_pattern('{"detail":{"userIdentity":{"type":["Root"]}}}')
    assert root.matches(login) and not root.matches(envelope)


def test_securityhub_sample_matches_a_severity_filtered_rule() -> None:
    event = securityhub_finding_event(ACCOUNT, "us-east-1")
    assert matches(
        '{"source":["aws.securityhub"],"detail-type":["Security Hub Findings - Imported"],'
        '"detail":{"findings":{"Severity":{"Label":["CRITICAL","HIGH"]}}}}',
        event,
    )
    assert not matches('{"detail":{"findings":{"Severity":{"Label":["LOW"]}}}}', event)
