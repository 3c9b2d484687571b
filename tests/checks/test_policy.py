"""Bucket policy analysis: parsing, principals, wildcards, public grants, TLS, cross-account."""

from __future__ import annotations

import json
from typing import Any

import pytest

from checks.lib.policy import (
    ANY_ACTION,
    READ_ACTIONS,
    WRITE_ACTIONS,
    Condition,
    PolicyError,
    Principal,
    cross_account_grants,
    glob_covers,
    glob_match,
    glob_overlaps,
    includes_action,
    parse_policy,
    public_grants,
    restricts_allow,
    tls_required,
)

BUCKET = "arn:aws:s3:::b"
OWNER = "111111111111"
OTHER = "222222222222"
S3_6 = (
    "s3:DeleteBucketPolicy",
    "s3:PutBucketAcl",
    "s3:PutBucketPolicy",
    "s3:PutEncryptionConfiguration",
    "s3:PutObjectAcl",
)


def stmt(**fields: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "Effect": "Allow",
        "Principal": "*",
        "Action": "s3:GetObject",
        "Resource": f"{BUCKET}/*",
    }
    base.update(fields)
    return {k: v for k, v in base.items() if v is not None}


def policy(*statements: dict[str, Any]) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


def is_public(*statements: dict[str, Any], family: tuple[str, ...] = READ_ACTIONS) -> bool:
    return bool(public_grants(parse_policy(policy(*statements)), family))


# --- parsing -------------------------------------------------------------------------------


def test_single_statement_object_and_string_fields_are_tolerated() -> None:
    doc = json.dumps(
        {
            "Statement": {
                "Effect": "Allow",
                "Principal": {"AWS": OTHER},
                "Action": "s3:GetObject",
                "Resource": BUCKET,
                "Condition": {"Bool": {"aws:SecureTransport": False}},
            }
        }
    )
    p = parse_policy(doc)
    (s,) = p.statements
    assert s.principals == (Principal("AWS", OTHER),)
    assert s.actions == ("s3:GetObject",)
    assert s.resources == (BUCKET,)
    assert s.conditions == (Condition("Bool", "aws:SecureTransport", ("false",)),)


def test_dict_document_and_lists() -> None:
    p = parse_policy(
        {
            "Statement": [
                stmt(
                    Principal={"AWS": [OTHER, f"arn:aws:iam::{OWNER}:root"]},
                    Action=["s3:GetObject", "s3:ListBucket"],
                )
            ]
        }
    )
    assert [x.value for x in p.statements[0].principals or ()] == [
        OTHER,
        f"arn:aws:iam::{OWNER}:root",
    ]
    assert p.statements[0].actions == ("s3:GetObject", "s3:ListBucket")


@pytest.mark.parametrize(
    "document",
    [
        "{not json",
        "[]",
        json.dumps({"Version": "2012-10-17"}),
        policy({"Effect": "Maybe", "Principal": "*", "Action": "s3:*", "Resource": "*"}),
        policy({"Effect": "Allow", "Action": "s3:*", "Resource": "*"}),
        policy({"Effect": "Allow", "Principal": "*", "Resource": "*"}),
        policy({"Effect": "Allow", "Principal": "*", "Action": "s3:*"}),
        policy(stmt(Action="s3:*", NotAction="s3:Get*")),
        policy(stmt(Principal="someone")),
        policy(stmt(Action=[1, 2])),
        policy(stmt(Condition=["x"])),
        policy(stmt(Condition={"StringEquals": "x"})),
        json.dumps({"Statement": ["x"]}),
    ],
)
def test_malformed_policies_raise_policy_error(document: str) -> None:
    with pytest.raises(PolicyError):
        parse_policy(document)


# --- principals ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("principal", "everyone", "account"),
    [
        (Principal("*", "*"), True, None),
        (Principal("AWS", "*"), True, None),
        (Principal("AWS", OTHER), False, OTHER),
        (Principal("AWS", f"arn:aws:iam::{OTHER}:root"), False, OTHER),
        (Principal("AWS", f"arn:aws:iam::{OTHER}:role/admin"), False, OTHER),
        (Principal("AWS", f"arn:aws:iam::{OTHER}:user/alice"), False, OTHER),
        (Principal("AWS", f"arn:aws:sts::{OTHER}:assumed-role/r/s"), False, OTHER),
        (
            Principal("AWS", "arn:aws:iam::cloudfront:user/CloudFront Origin Access Identity E1"),
            False,
            None,
        ),
        (Principal("Service", "cloudtrail.amazonaws.com"), False, None),
        (Principal("CanonicalUser", "79a59df900b949e55d96a1e698fbaced"), False, None),
        (Principal("Federated", "cognito-identity.amazonaws.com"), False, None),
        (Principal("Federated", f"arn:aws:iam::{OTHER}:saml-provider/idp"), False, OTHER),
    ],
)
def test_principal_forms(principal: Principal, everyone: bool, account: str | None) -> None:
    assert principal.everyone is everyone
    assert principal.account == account


@pytest.mark.parametrize(
    "principal",
    ["*", {"AWS": "*"}, {"AWS": ["*"]}, {"AWS": [OTHER, "*"]}],
)
def test_every_form_of_everyone_is_public(principal: Any) -> None:
    assert is_public(stmt(Principal=principal))


@pytest.mark.parametrize(
    "principal",
    [
        {"AWS": OTHER},
        {"AWS": f"arn:aws:iam::{OTHER}:root"},
        {"AWS": f"arn:aws:iam::{OTHER}:role/reader"},
        {"Service": "cloudtrail.amazonaws.com"},
        {"Service": ["logging.s3.amazonaws.com", "cloudtrail.amazonaws.com"]},
        {"CanonicalUser": "79a59df900b949e55d96a1e698fbaced"},
        {"Federated": "cognito-identity.amazonaws.com"},
    ],
)
def test_fixed_principals_are_not_public(principal: Any) -> None:
    assert not is_public(stmt(Principal=principal))


def test_allow_with_not_principal_is_public() -> None:
    assert is_public(stmt(Principal=None, NotPrincipal={"AWS": OTHER}))


def test_allow_with_not_principal_everyone_is_not_public() -> None:
    assert not is_public(stmt(Principal=None, NotPrincipal={"AWS": "*"}))


# --- actions and wildcards -----------------------------------------------------------------


def test_glob_match_is_case_insensitive_with_star_and_question_mark() -> None:
    assert glob_match("s3:Get*", "S3:GETOBJECT")
    assert glob_match("s3:?etObject", "s3:GetObject")
    assert not glob_match("s3:?etObject", "s3:GGetObject")
    assert glob_match("*", "iam:PassRole")
    assert not glob_match("s3:List*", "s3:GetObject")
    assert not glob_match("arn:aws:s3:::B", "arn:aws:s3:::b", fold=False)


def test_glob_covers_and_overlaps() -> None:
    assert glob_covers("s3:*", "s3:Get*")
    assert glob_covers("s3:Get*", "s3:GetObject*")
    assert not glob_covers("s3:Get*", "s3:*")
    assert not glob_covers("s3:?etObject", "s3:*etObject")
    assert glob_covers("*", "s3:*")
    assert glob_overlaps("s3:*Object", "s3:Get*")
    assert glob_overlaps("S3:G?T*", "s3:GetObject")
    assert not glob_overlaps("s3:Put*", "s3:Get*")
    assert not glob_overlaps("s3:GetObject", "s3:GetObjectAcl")


@pytest.mark.parametrize(
    ("action", "read", "write"),
    [
        ("s3:GetObject", True, False),
        ("s3:ListBucket", True, False),
        ("s3:PutObject", False, True),
        ("s3:DeleteObject", False, True),
        ("s3:Get*", True, False),
        ("s3:*Object", True, True),
        ("s3:*", True, True),
        ("*", True, True),
        (["s3:GetObject", "s3:PutObject"], True, True),
        ("s3:AbortMultipartUpload", False, True),
        ("s3:RestoreObject", False, True),
        ("iam:PassRole", False, False),
    ],
)
def test_read_and_write_families(action: Any, read: bool, write: bool) -> None:
    assert is_public(stmt(Action=action), family=READ_ACTIONS) is read
    assert is_public(stmt(Action=action), family=WRITE_ACTIONS) is write


def test_not_action_grants_everything_it_does_not_exclude() -> None:
    s = stmt(Action=None, NotAction="s3:Get*")
    assert not is_public(s, family=("s3:Get*",))
    assert is_public(s, family=READ_ACTIONS)  # s3:List* is still granted
    assert is_public(s, family=WRITE_ACTIONS)


def test_not_action_excluding_all_s3_grants_no_s3_action() -> None:
    s = stmt(Action=None, NotAction="s3:*")
    assert not is_public(s, family=READ_ACTIONS)
    assert not is_public(s, family=WRITE_ACTIONS)
    assert is_public(s, family=ANY_ACTION)  # e.g. non-S3 actions: conservative


def test_includes_action_with_not_action() -> None:
    s = parse_policy(policy(stmt(Action=None, NotAction=["s3:PutBucketPolicy"]))).statements[0]
    assert not includes_action(s, "s3:PutBucketPolicy")
    assert includes_action(s, "s3:PutBucketAcl")


# --- conditions ----------------------------------------------------------------------------

FIXED_CONDITIONS = [
    ("StringEquals", "aws:SourceArn", "arn:aws:cloudtrail:us-east-1:111111111111:trail/t"),
    ("ArnEquals", "aws:SourceArn", "arn:aws:cloudtrail:us-east-1:111111111111:trail/t"),
    ("StringEquals", "aws:SourceAccount", OWNER),
    ("StringEquals", "aws:SourceOwner", OWNER),
    ("StringEquals", "aws:PrincipalOrgID", "o-abc123"),
    ("StringEquals", "aws:PrincipalAccount", OWNER),
    ("ArnEquals", "aws:PrincipalArn", f"arn:aws:iam::{OWNER}:role/reader"),
    ("StringEquals", "aws:SourceVpc", "vpc-1234"),
    ("StringEquals", "aws:SourceVpce", "vpce-1234"),
    ("IpAddress", "aws:SourceIp", "203.0.113.0/24"),
    ("StringEquals", "aws:userid", "AROAEXAMPLE:alice"),
    ("StringEquals", "aws:username", "alice"),
    ("ForAnyValue:StringEquals", "aws:PrincipalOrgPaths", "o-abc/r-ab12/ou-ab12-11111111/"),
    ("StringEquals", "s3:DataAccessPointAccount", OWNER),
    ("StringEquals", "s3:DataAccessPointArn", f"arn:aws:s3:us-east-1:{OWNER}:accesspoint/ap"),
    ("StringLike", "aws:SourceVpc", "vpc-1234"),
    ("StringEqualsIgnoreCase", "aws:username", "alice"),
]


@pytest.mark.parametrize(("op", "key", "value"), FIXED_CONDITIONS)
def test_fixed_value_condition_makes_grant_not_public(op: str, key: str, value: str) -> None:
    assert not is_public(stmt(Condition={op: {key: value}}))


@pytest.mark.parametrize(
    ("op", "key", "value"),
    [
        ("StringLike", "aws:SourceArn", "arn:aws:cloudtrail:*"),
        ("StringEquals", "aws:PrincipalArn", "arn:aws:iam::*:role/x"),
        ("StringLike", "aws:userid", "AROAEXAMPLE:*"),
        ("StringEquals", "aws:username", "${aws:username}"),
        ("StringLike", "aws:SourceVpc", "vpc-?234"),
        ("IpAddress", "aws:SourceIp", "0.0.0.0/0"),
        ("IpAddress", "aws:SourceIp", "::/0"),
        ("IpAddress", "aws:SourceIp", "not-an-ip"),
        ("StringNotEquals", "aws:SourceVpc", "vpc-1234"),
        ("NotIpAddress", "aws:SourceIp", "203.0.113.0/24"),
        ("StringEqualsIfExists", "aws:SourceVpc", "vpc-1234"),
        ("ForAllValues:StringEquals", "aws:PrincipalOrgPaths", "o-abc/r-ab12/"),
        ("StringEquals", "s3:x-amz-acl", "bucket-owner-full-control"),
        ("Bool", "aws:SecureTransport", "true"),
    ],
)
def test_wildcard_variable_negated_or_unrelated_conditions_stay_public(
    op: str, key: str, value: str
) -> None:
    assert is_public(stmt(Condition={op: {key: value}}))


def test_one_fixed_condition_among_others_is_enough() -> None:
    cond = {
        "Bool": {"aws:SecureTransport": "true"},
        "StringEquals": {"aws:PrincipalOrgID": ["o-abc123", "o-def456"]},
    }
    assert not is_public(stmt(Condition=cond))


def test_source_ip_list_with_one_whole_internet_range_stays_public() -> None:
    cond = {"IpAddress": {"aws:SourceIp": ["203.0.113.0/24", "0.0.0.0/0"]}}
    assert is_public(stmt(Condition=cond))


def test_condition_keys_are_case_insensitive() -> None:
    assert restricts_allow(Condition("stringequals", "AWS:SOURCEVPC", ("vpc-1",)))


# --- Deny overriding -----------------------------------------------------------------------


def deny(**fields: Any) -> dict[str, Any]:
    return stmt(Effect="Deny", **fields)


def test_unconditional_deny_of_the_same_grant_overrides_it() -> None:
    assert not is_public(stmt(), deny(Action="s3:*", Resource=f"{BUCKET}/*"))
    assert not is_public(stmt(), deny(Action="s3:GetObject", Resource="*"))


def test_deny_restricting_to_fixed_values_overrides() -> None:
    d = deny(Action="s3:*", Condition={"StringNotEquals": {"aws:SourceVpc": "vpc-1"}})
    assert not is_public(stmt(), d)
    d2 = deny(Action="s3:*", Condition={"StringNotEqualsIfExists": {"aws:PrincipalOrgID": "o-1"}})
    assert not is_public(stmt(), d2)


def test_deny_with_not_principal_of_fixed_principals_overrides() -> None:
    d = deny(Principal=None, NotPrincipal={"AWS": f"arn:aws:iam::{OWNER}:role/r"}, Action="s3:*")
    assert not is_public(stmt(), d)


@pytest.mark.parametrize(
    "d",
    [
        deny(Action="s3:PutObject"),  # other action
        deny(Action="s3:GetObjectAcl"),  # narrower action
        deny(Resource=f"{BUCKET}/private/*"),  # narrower resource
        deny(Principal={"AWS": OTHER}),  # one principal only
        deny(Condition={"Bool": {"aws:SecureTransport": "false"}}),  # only plain HTTP
        deny(Condition={"StringNotLike": {"aws:SourceVpc": "vpc-*"}}),  # wildcard
        deny(Condition={"ForAnyValue:StringNotEquals": {"aws:PrincipalOrgID": "o-1"}}),
        deny(Action=None, NotAction="s3:Get*"),  # excludes the granted action
    ],
)
def test_narrower_denies_do_not_override(d: dict[str, Any]) -> None:
    assert is_public(stmt(), d)


def test_two_denies_together_cover_bucket_and_objects() -> None:
    allow = stmt(Action="s3:*", Resource=[BUCKET, f"{BUCKET}/*"])
    d1 = deny(Action="s3:*", Resource=BUCKET)
    d2 = deny(Action="s3:*", Resource=f"{BUCKET}/*")
    assert is_public(allow, d1, family=ANY_ACTION)
    assert not is_public(allow, d1, d2, family=ANY_ACTION)


def test_deny_covering_only_part_of_a_wildcard_grant_leaves_the_rest_public() -> None:
    allow = stmt(Action="s3:*")
    grants = public_grants(parse_policy(policy(allow, deny(Action="s3:Get*"))), READ_ACTIONS)
    assert [g.actions for g in grants] == [("s3:List*",)]


# --- S3.5 TLS ------------------------------------------------------------------------------


def tls(**fields: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "Effect": "Deny",
        "Principal": "*",
        "Action": "s3:*",
        "Resource": [BUCKET, f"{BUCKET}/*"],
        "Condition": {"Bool": {"aws:SecureTransport": "false"}},
    }
    base.update(fields)
    return {k: v for k, v in base.items() if v is not None}


@pytest.mark.parametrize(
    "s",
    [
        tls(),
        tls(Principal={"AWS": "*"}),
        tls(Action="*"),
        tls(Resource="*"),
        tls(Resource=f"{BUCKET}*"),
        tls(Condition={"BoolIfExists": {"aws:SecureTransport": False}}),
        tls(Action=["s3:*", "s3:GetObject"]),
    ],
)
def test_tls_deny_shapes_that_pass(s: dict[str, Any]) -> None:
    assert tls_required(parse_policy(policy(s)), BUCKET).ok


def test_tls_split_over_two_statements_passes() -> None:
    p = parse_policy(policy(tls(Resource=BUCKET), tls(Resource=f"{BUCKET}/*")))
    assert tls_required(p, BUCKET).ok


@pytest.mark.parametrize(
    "s",
    [
        tls(Resource=f"{BUCKET}/*"),
        tls(Resource=BUCKET),
        tls(Action="s3:GetObject"),
        tls(Action=["s3:GetObject", "s3:PutObject"]),
        tls(Principal={"AWS": OTHER}),
        tls(Principal=None, NotPrincipal={"AWS": OTHER}),
        tls(Effect="Allow", Condition={"Bool": {"aws:SecureTransport": "true"}}),
        tls(Condition={"Bool": {"aws:SecureTransport": "true"}}),
        tls(
            Condition={
                "Bool": {"aws:SecureTransport": "false"},
                "StringEquals": {"aws:SourceVpc": "vpc-1"},
            }
        ),
        tls(Condition={"StringEquals": {"aws:SecureTransport": "false"}}),
        tls(Condition={"NumericLessThan": {"s3:TlsVersion": "1.2"}}),
        tls(Resource="arn:aws:s3:::other/*"),
    ],
)
def test_narrower_tls_denies_fail_with_a_reason(s: dict[str, Any]) -> None:
    verdict = tls_required(parse_policy(policy(s)), BUCKET)
    assert not verdict.ok
    assert verdict.why


def test_no_tls_statement_fails() -> None:
    verdict = tls_required(parse_policy(policy(stmt())), BUCKET)
    assert not verdict.ok


# --- S3.6 cross-account --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fields", "external"),
    [
        ({"Principal": {"AWS": OTHER}, "Action": "s3:PutBucketPolicy"}, True),
        ({"Principal": {"AWS": f"arn:aws:iam::{OTHER}:role/x"}, "Action": "s3:Put*"}, True),
        ({"Principal": "*", "Action": "s3:*"}, True),
        ({"Principal": {"AWS": "*"}, "Action": "*"}, True),
        ({"Principal": None, "NotPrincipal": {"AWS": OWNER}, "Action": "s3:PutObjectAcl"}, True),
        ({"Principal": {"AWS": OTHER}, "Action": None, "NotAction": "s3:GetObject"}, True),
        ({"Principal": {"CanonicalUser": "abc"}, "Action": "s3:PutBucketAcl"}, True),
        ({"Principal": {"AWS": OTHER}, "Action": "s3:GetObject"}, False),
        ({"Principal": {"AWS": OTHER}, "Action": None, "NotAction": "s3:Put*"}, True),
        (
            {
                "Principal": {"AWS": OTHER},
                "Action": None,
                "NotAction": ["s3:Put*", "s3:DeleteBucketPolicy"],
            },
            False,
        ),
        ({"Principal": {"AWS": OWNER}, "Action": "s3:*"}, False),
        ({"Principal": {"AWS": f"arn:aws:iam::{OWNER}:root"}, "Action": "s3:*"}, False),
        ({"Principal": {"Service": "cloudtrail.amazonaws.com"}, "Action": "s3:*"}, False),
        ({"Effect": "Deny", "Principal": {"AWS": OTHER}, "Action": "s3:*"}, False),
    ],
)
def test_cross_account_blacklisted_actions(fields: dict[str, Any], external: bool) -> None:
    grants = cross_account_grants(parse_policy(policy(stmt(**fields))), OWNER, S3_6)
    assert bool(grants) is external


def test_cross_account_ignores_conditions() -> None:
    s = stmt(
        Principal={"AWS": OTHER},
        Action="s3:PutBucketPolicy",
        Condition={"StringEquals": {"aws:PrincipalOrgID": "o-1"}},
    )
    (grant,) = cross_account_grants(parse_policy(policy(s)), OWNER, S3_6)
    assert grant.actions == ("s3:PutBucketPolicy",)
    assert grant.principals == (f"AWS:{OTHER}",)
