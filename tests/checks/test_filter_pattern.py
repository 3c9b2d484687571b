"""Filter pattern parser/evaluator, and semantic coverage against the CloudTrail corpus.

Every pattern of controls.md 4.2 (Security Hub) and 6.3 (CIS) is parsed and judged; equivalent
rewrites (re-spaced, re-quoted, reordered, extra parentheses) must cover their control, narrowed
ones must fail and name the missed events, unparsable ones must raise with a position.
"""

from __future__ import annotations

import re
import uuid
from typing import Any

import pytest

from checks.cloudwatch_alarms import CONTROLS
from checks.lib import cloudtrail_events
from checks.lib.alarm_chain import FilterVerdict, candidate, coverage, required_labels
from checks.lib.cloudtrail_events import ORGANIZATIONS_EVENTS, api_event, corpus
from checks.lib.filter_pattern import FilterPatternError, parse
from scanner.core.datasets.metric_filters import MetricFilter

ACCOUNT = "111111111111"
BY_ID = {c.control_id: c for c in CONTROLS}

# --- the oracle's patterns, verbatim --------------------------------------------------------------

SECURITY_HUB: dict[str, tuple[str, ...]] = {
    "CloudWatch.1": (
        (
            '{$.userIdentity.type="Root" && $.userIdentity.invokedBy NOT EXISTS && '
            '$.eventType !="AwsServiceEvent"}'
        ),
    ),
    "CloudWatch.2": (
        ('{($.errorCode="*UnauthorizedOperation") || ($.errorCode="AccessDenied*")}'),
    ),
    "CloudWatch.3": (
        (
            '{ ($.eventName = "ConsoleLogin") && ($.additionalEventData.MFAUsed != '
            '"Yes") && ($.userIdentity.type = "IAMUser") && '
            '($.responseElements.ConsoleLogin = "Success") }'
        ),
    ),
    "CloudWatch.4": (
        (
            "{($.eventSource=iam.amazonaws.com) && "
            "(($.eventName=DeleteGroupPolicy) || ($.eventName=DeleteRolePolicy) || "
            "($.eventName=DeleteUserPolicy) || ($.eventName=PutGroupPolicy) || "
            "($.eventName=PutRolePolicy) || ($.eventName=PutUserPolicy) || "
            "($.eventName=CreatePolicy) || ($.eventName=DeletePolicy) || "
            "($.eventName=CreatePolicyVersion) || "
            "($.eventName=DeletePolicyVersion) || ($.eventName=AttachRolePolicy) ||"
            " ($.eventName=DetachRolePolicy) || ($.eventName=AttachUserPolicy) || "
            "($.eventName=DetachUserPolicy) || ($.eventName=AttachGroupPolicy) || "
            "($.eventName=DetachGroupPolicy))}"
        ),
    ),
    "CloudWatch.5": (
        (
            "{($.eventName=CreateTrail) || ($.eventName=UpdateTrail) || "
            "($.eventName=DeleteTrail) || ($.eventName=StartLogging) || "
            "($.eventName=StopLogging)}"
        ),
    ),
    "CloudWatch.6": (('{($.eventName=ConsoleLogin) && ($.errorMessage="Failed authentication")}'),),
    "CloudWatch.7": (
        (
            "{($.eventSource=kms.amazonaws.com) && (($.eventName=DisableKey) || "
            "($.eventName=ScheduleKeyDeletion))}"
        ),
    ),
    "CloudWatch.8": (
        (
            "{($.eventSource=s3.amazonaws.com) && (($.eventName=PutBucketAcl) || "
            "($.eventName=PutBucketPolicy) || ($.eventName=PutBucketCors) || "
            "($.eventName=PutBucketLifecycle) || "
            "($.eventName=PutBucketReplication) || "
            "($.eventName=DeleteBucketPolicy) || ($.eventName=DeleteBucketCors) || "
            "($.eventName=DeleteBucketLifecycle) || "
            "($.eventName=DeleteBucketReplication))}"
        ),
    ),
    "CloudWatch.9": (
        (
            "{($.eventSource=config.amazonaws.com) && "
            "(($.eventName=StopConfigurationRecorder) || "
            "($.eventName=DeleteDeliveryChannel) || "
            "($.eventName=PutDeliveryChannel) || "
            "($.eventName=PutConfigurationRecorder))}"
        ),
    ),
    "CloudWatch.10": (
        (
            "{($.eventName=AuthorizeSecurityGroupIngress) || "
            "($.eventName=AuthorizeSecurityGroupEgress) || "
            "($.eventName=RevokeSecurityGroupIngress) || "
            "($.eventName=RevokeSecurityGroupEgress) || "
            "($.eventName=CreateSecurityGroup) || "
            "($.eventName=DeleteSecurityGroup)}"
        ),
    ),
    "CloudWatch.11": (
        (
            "{($.eventName=CreateNetworkAcl) || "
            "($.eventName=CreateNetworkAclEntry) || ($.eventName=DeleteNetworkAcl) "
            "|| ($.eventName=DeleteNetworkAclEntry) || "
            "($.eventName=ReplaceNetworkAclEntry) || "
            "($.eventName=ReplaceNetworkAclAssociation)}"
        ),
    ),
    "CloudWatch.12": (
        (
            "{($.eventName=CreateCustomerGateway) || "
            "($.eventName=DeleteCustomerGateway) || "
            "($.eventName=AttachInternetGateway) || "
            "($.eventName=CreateInternetGateway) || "
            "($.eventName=DeleteInternetGateway) || "
            "($.eventName=DetachInternetGateway)}"
        ),
    ),
    "CloudWatch.13": (
        (
            "{($.eventSource=ec2.amazonaws.com) && (($.eventName=CreateRoute) || "
            "($.eventName=CreateRouteTable) || ($.eventName=ReplaceRoute) || "
            "($.eventName=ReplaceRouteTableAssociation) || "
            "($.eventName=DeleteRouteTable) || ($.eventName=DeleteRoute) || "
            "($.eventName=DisassociateRouteTable))}"
        ),
        (
            "{($.eventName=CreateRoute) || ($.eventName=CreateRouteTable) || "
            "($.eventName=ReplaceRoute) || "
            "($.eventName=ReplaceRouteTableAssociation) || "
            "($.eventName=DeleteRouteTable) || ($.eventName=DeleteRoute) || "
            "($.eventName=DisassociateRouteTable)}"
        ),
    ),
    "CloudWatch.14": (
        (
            "{($.eventName=CreateVpc) || ($.eventName=DeleteVpc) || "
            "($.eventName=ModifyVpcAttribute) || "
            "($.eventName=AcceptVpcPeeringConnection) || "
            "($.eventName=CreateVpcPeeringConnection) || "
            "($.eventName=DeleteVpcPeeringConnection) || "
            "($.eventName=RejectVpcPeeringConnection) || "
            "($.eventName=AttachClassicLinkVpc) || "
            "($.eventName=DetachClassicLinkVpc) || "
            "($.eventName=DisableVpcClassicLink) || "
            "($.eventName=EnableVpcClassicLink)}"
        ),
    ),
}
CIS: dict[str, str] = {
    "4.1": (
        '{ ($.errorCode ="*UnauthorizedOperation") || ($.errorCode '
        '="AccessDenied*") && '
        '($.sourceIPAddress!="delivery.logs.amazonaws.com") && '
        '($.eventName!="HeadBucket") }'
    ),
    "4.2": ('{ ($.eventName = "ConsoleLogin") && ($.additionalEventData.MFAUsed != "Yes") }'),
    "4.2 SSO": (
        '{ ($.eventName = "ConsoleLogin") && ($.additionalEventData.MFAUsed != '
        '"Yes") && ($.userIdentity.type = "IAMUser") && '
        '($.responseElements.ConsoleLogin = "Success") }'
    ),
    "4.3": (
        '{ $.userIdentity.type = "Root" && $.userIdentity.invokedBy NOT EXISTS '
        '&& $.eventType != "AwsServiceEvent" }'
    ),
    "4.4": (
        "{($.eventName=DeleteGroupPolicy)||($.eventName=DeleteRolePolicy)||"
        "($.eventName=DeleteUserPolicy)||($.eventName=PutGroupPolicy)||"
        "($.eventName=PutRolePolicy)||($.eventName=PutUserPolicy)||"
        "($.eventName=CreatePolicy)||($.eventName=DeletePolicy)||"
        "($.eventName=CreatePolicyVersion)||($.eventName=DeletePolicyVersion)||"
        "($.eventName=AttachRolePolicy)||($.eventName=DetachRolePolicy)||"
        "($.eventName=AttachUserPolicy)||($.eventName=DetachUserPolicy)||"
        "($.eventName=AttachGroupPolicy)||($.eventName=DetachGroupPolicy)}"
    ),
    "4.5": (
        "{ ($.eventName = CreateTrail) || ($.eventName = UpdateTrail) || "
        "($.eventName = DeleteTrail) || ($.eventName = StartLogging) || "
        "($.eventName = StopLogging) }"
    ),
    "4.6": ('{ ($.eventName = ConsoleLogin) && ($.errorMessage = "Failed authentication") }'),
    "4.7": (
        "{($.eventSource = kms.amazonaws.com) && (($.eventName=DisableKey)||"
        "($.eventName=ScheduleKeyDeletion)) }"
    ),
    "4.8": (
        "{ ($.eventSource = s3.amazonaws.com) && (($.eventName = PutBucketAcl) "
        "|| ($.eventName = PutBucketPolicy) || ($.eventName = PutBucketCors) ||"
        " ($.eventName = PutBucketLifecycle) || ($.eventName = "
        "PutBucketReplication) || ($.eventName = DeleteBucketPolicy) || "
        "($.eventName = DeleteBucketCors) || ($.eventName = "
        "DeleteBucketLifecycle) || ($.eventName = DeleteBucketReplication)) }"
    ),
    "4.9": (
        "{ ($.eventSource = config.amazonaws.com) && "
        "(($.eventName=StopConfigurationRecorder)||"
        "($.eventName=DeleteDeliveryChannel)||"
        "($.eventName=PutDeliveryChannel)||"
        "($.eventName=PutConfigurationRecorder)) }"
    ),
    "4.10": (
        "{ ($.eventName = AuthorizeSecurityGroupIngress) || ($.eventName = "
        "AuthorizeSecurityGroupEgress) || ($.eventName = "
        "RevokeSecurityGroupIngress) || ($.eventName = "
        "RevokeSecurityGroupEgress) || ($.eventName = CreateSecurityGroup) || "
        "($.eventName = DeleteSecurityGroup) || ($.eventName = "
        "ModifySecurityGroupRules) }"
    ),
    "4.11": (
        "{ ($.eventName = CreateNetworkAcl) || ($.eventName = "
        "CreateNetworkAclEntry) || ($.eventName = DeleteNetworkAcl) || "
        "($.eventName = DeleteNetworkAclEntry) || ($.eventName = "
        "ReplaceNetworkAclEntry) || ($.eventName = "
        "ReplaceNetworkAclAssociation) }"
    ),
    "4.12": (
        "{ ($.eventName = CreateCustomerGateway) || ($.eventName = "
        "DeleteCustomerGateway) || ($.eventName = AttachInternetGateway) || "
        "($.eventName = CreateInternetGateway) || ($.eventName = "
        "DeleteInternetGateway) || ($.eventName = DetachInternetGateway) }"
    ),
    "4.13 audit": (
        "{($.eventSource = ec2.amazonaws.com) && ($.eventName = CreateRoute) ||"
        " ($.eventName = CreateRouteTable) || ($.eventName = ReplaceRoute) || "
        "($.eventName = ReplaceRouteTableAssociation) || ($.eventName = "
        "DeleteRouteTable) || ($.eventName = DeleteRoute) || ($.eventName = "
        "DisassociateRouteTable) }"
    ),
    "4.13 remediation": (
        "{ ($.eventName = CreateRoute) || ($.eventName = CreateRouteTable) || "
        "($.eventName = ReplaceRoute) || ($.eventName = "
        "ReplaceRouteTableAssociation) || ($.eventName = DeleteRouteTable) || "
        "($.eventName = DeleteRoute) || ($.eventName = DisassociateRouteTable) "
        "}"
    ),
    "4.14": (
        "{ ($.eventName = CreateVpc) || ($.eventName = DeleteVpc) || "
        "($.eventName = ModifyVpcAttribute) || ($.eventName = "
        "AcceptVpcPeeringConnection) || ($.eventName = "
        "CreateVpcPeeringConnection) || ($.eventName = "
        "DeleteVpcPeeringConnection) || ($.eventName = "
        "RejectVpcPeeringConnection) || ($.eventName = AttachClassicLinkVpc) ||"
        " ($.eventName = DetachClassicLinkVpc) || ($.eventName = "
        "DisableVpcClassicLink) || ($.eventName = EnableVpcClassicLink) }"
    ),
    "4.15": (
        "{ ($.eventSource = organizations.amazonaws.com) && (($.eventName = "
        '"AcceptHandshake") || ($.eventName = "AttachPolicy") || ($.eventName '
        '= "CreateAccount") || ($.eventName = "CreateOrganizationalUnit") || '
        '($.eventName = "CreatePolicy") || ($.eventName = "DeclineHandshake") '
        '|| ($.eventName = "DeleteOrganization") || ($.eventName = '
        '"DeleteOrganizationalUnit") || ($.eventName = "DeletePolicy") || '
        '($.eventName = "DetachPolicy") || ($.eventName = "DisablePolicyType") '
        '|| ($.eventName = "EnablePolicyType") || ($.eventName = '
        '"InviteAccountToOrganization") || ($.eventName = "LeaveOrganization") '
        '|| ($.eventName = "MoveAccount") || ($.eventName = '
        '"RemoveAccountFromOrganization") || ($.eventName = "UpdatePolicy") || '
        '($.eventName = "UpdateOrganizationalUnit")) }'
    ),
    "v1.2.0 3.1": (
        '{ ($.errorCode = "*UnauthorizedOperation") || ($.errorCode = "AccessDenied*") }'
    ),
    "v1.2.0 3.2": (
        '{ ($.eventName = "ConsoleLogin") && ($.additionalEventData.MFAUsed != "Yes") }'
    ),
}

# Which control each CIS pattern is expected to satisfy (None: no Security Hub control).
CIS_CONTROL = {
    "4.1": "CloudWatch.2",
    "4.2": "CloudWatch.3",
    "4.2 SSO": "CloudWatch.3",
    "4.3": "CloudWatch.1",
    "4.4": "CloudWatch.4",
    "4.5": "CloudWatch.5",
    "4.6": "CloudWatch.6",
    "4.7": "CloudWatch.7",
    "4.8": "CloudWatch.8",
    "4.9": "CloudWatch.9",
    "4.10": "CloudWatch.10",
    "4.11": "CloudWatch.11",
    "4.12": "CloudWatch.12",
    "4.13 audit": "CloudWatch.13",
    "4.13 remediation": "CloudWatch.13",
    "4.14": "CloudWatch.14",
    "4.15": None,
    "v1.2.0 3.1": "CloudWatch.2",
    "v1.2.0 3.2": "CloudWatch.3",
}


def verdict(control_id: str, pattern: str) -> FilterVerdict:
    control = BY_ID[control_id]
    required = required_labels(tuple(p.text for p in control.patterns), ACCOUNT)
    mf = MetricFilter(filter_name="f", log_group_name="/trail", filter_pattern=pattern)
    return coverage(required, ACCOUNT)(candidate(mf))


def matched(pattern: str) -> set[str]:
    p = parse(pattern)
    return {e.label for e in corpus(ACCOUNT) if p.matches(e.record)}


# --- rewrites that keep the meaning -------------------------------------------------------------


def _split_top(body: str, op: str) -> list[str]:
    parts, depth, start, i, quoted = [], 0, 0, 0, False
    while i < len(body):
        ch = body[i]
        if ch == '"':
            quoted = not quoted
        elif not quoted and ch == "(":
            depth += 1
        elif not quoted and ch == ")":
            depth -= 1
        elif not quoted and depth == 0 and body.startswith(op, i):
            parts.append(body[start:i])
            start = i + len(op)
            i += len(op)
            continue
        i += 1
    parts.append(body[start:])
    return [p.strip() for p in parts]


def _body(pattern: str) -> str:
    return pattern.strip()[1:-1].strip()


def reordered(pattern: str) -> str:
    """Reverse the top-level terms (|| if any, else &&), recursing into parenthesised groups."""

    def rev(expr: str) -> str:
        expr = expr.strip()
        for op in ("||", "&&"):
            parts = _split_top(expr, op)
            if len(parts) > 1:
                return f" {op} ".join(rev(p) for p in reversed(parts))
        if expr.startswith("(") and expr.endswith(")") and len(_split_top(expr[1:-1], "||")) > 1:
            return "(" + rev(expr[1:-1]) + ")"
        if expr.startswith("((") and expr.endswith("))"):
            return "(" + rev(expr[1:-1]) + ")"
        return expr

    return "{" + rev(_body(pattern)) + "}"


def respaced(pattern: str) -> str:
    """No whitespace outside quotes (keywords keep one space), then generous spacing."""
    out, quoted = [], False
    for ch in pattern:
        if ch == '"':
            quoted = not quoted
        if quoted or not ch.isspace():
            out.append(ch)
        else:
            out.append(" ")
    tight = re.sub(r" +(?=[()=!&|<>])|(?<=[()=!&|<>{}]) +", "", "".join(out))
    return "{   " + tight[1:-1].replace("&&", "  &&\n  ").replace("||", "\t||  ") + "   }"


def requoted(pattern: str) -> str:
    """Quote unquoted values, unquote quoted identifiers (wildcards included)."""

    def swap(m: re.Match[str]) -> str:
        op, value = m.group(1), m.group(2)
        if value.startswith('"'):
            inner = value[1:-1]
            return f"{op}{inner}" if re.fullmatch(r"[A-Za-z*][\w.*]*", inner) else m.group(0)
        return f'{op}"{value}"'

    return re.sub(r'(!?=\s*)("[^"]*"|[A-Za-z][\w.]*)', swap, pattern)


def parenthesised(pattern: str) -> str:
    """Wrap every comparison and the whole expression in (more) parentheses."""
    wrapped = re.sub(r'(\$\.[\w.]+\s*(?:!=|=)\s*(?:"[^"]*"|[^\s)]+))', r"(\1)", _body(pattern))
    wrapped = re.sub(r"(\$\.[\w.]+ NOT EXISTS)", r"(\1)", wrapped)
    return "{ ((" + wrapped + ")) }"


REWRITES = {
    "reordered": reordered,
    "respaced": respaced,
    "requoted": requoted,
    "parenthesised": parenthesised,
}

# --- every oracle pattern parses and satisfies its control -------------------------------------

SH_CASES = [(cid, i, p) for cid, pats in SECURITY_HUB.items() for i, p in enumerate(pats)]


@pytest.mark.parametrize(("control_id", "index", "pattern"), SH_CASES, ids=lambda v: str(v)[:20])
def test_security_hub_patterns_cover_their_control(
    control_id: str, index: int, pattern: str
) -> None:
    v = verdict(control_id, pattern)
    assert v.ok, v.why
    assert matched(pattern), "the pattern must match some corpus event"


@pytest.mark.parametrize("key", list(CIS))
def test_cis_patterns_parse_and_cover_their_control(key: str) -> None:
    pattern = CIS[key]
    parse(pattern)
    control = CIS_CONTROL[key]
    if control is not None:
        assert verdict(control, pattern).ok, verdict(control, pattern).why


def test_cis_4_15_matches_every_organizations_change_and_no_iot_policy() -> None:
    hits = matched(CIS["4.15"])
    for name in ORGANIZATIONS_EVENTS:
        assert f"organizations:{name} by AssumedRole in us-east-1" in hits
    assert not any(h.startswith("iot:") for h in hits)


def test_cis_v5_unauthorized_pattern_is_narrower_than_security_hubs_and_still_accepted() -> None:
    sh, cis = matched(SECURITY_HUB["CloudWatch.2"][0]), matched(CIS["4.1"])
    assert cis < sh
    assert {h for h in sh - cis} == {
        "s3:HeadBucket failed (AccessDenied) in eu-west-1",
        "s3:GetBucketAcl failed (AccessDenied) in eu-west-1 from delivery.logs.amazonaws.com",
    }
    assert verdict("CloudWatch.2", CIS["4.1"]).ok


@pytest.mark.parametrize("control_id", ["CloudWatch.4", "CloudWatch.13"])
def test_event_source_scoped_and_cis_patterns_both_pass(control_id: str) -> None:
    scoped, unscoped = (
        SECURITY_HUB[control_id][0],
        CIS["4.4" if control_id.endswith("4") else "4.13 remediation"],
    )
    assert matched(scoped) < matched(unscoped)  # the CIS one also matches other services
    assert verdict(control_id, scoped).ok
    assert verdict(control_id, unscoped).ok


def test_the_cis_4_13_audit_grouping_is_parsed_with_and_binding_tighter() -> None:
    hits = matched(CIS["4.13 audit"])
    assert "ec2:CreateRoute by AssumedRole in us-east-1" in hits
    assert "apigateway:CreateRoute by AssumedRole in us-east-1" not in hits  # (src && CreateRoute)
    assert "apigateway:DeleteRoute by AssumedRole in us-east-1" in hits  # || DeleteRoute alone


# --- equivalent rewrites cover, and match exactly the same events -------------------------------

REWRITE_CASES = [(c.control_id, name) for c in CONTROLS for name in REWRITES]


@pytest.mark.parametrize(("control_id", "rewrite"), REWRITE_CASES)
def test_equivalent_rewrites_cover_the_control(control_id: str, rewrite: str) -> None:
    original = SECURITY_HUB[control_id][0]
    variant = REWRITES[rewrite](original)
    assert variant != original
    assert matched(variant) == matched(original), variant
    assert verdict(control_id, variant).ok, variant


def test_rewrites_compose() -> None:
    original = SECURITY_HUB["CloudWatch.3"][0]
    variant = parenthesised(requoted(respaced(reordered(original))))
    assert matched(variant) == matched(original)


# --- narrowed filters fail and say what they miss ------------------------------------------------

NARROWED = {
    "CloudWatch.1": (
        '{ $.userIdentity.type = "Root" && $.eventName = "ConsoleLogin" }',
        "iam:CreateAccessKey by Root in us-east-1",
    ),
    "CloudWatch.2": (
        '{ $.errorCode = "AccessDenied*" }',
        "ec2:AuthorizeSecurityGroupIngress by IAMUser denied (Client.UnauthorizedOperation)",
    ),
    "CloudWatch.3": (
        SECURITY_HUB["CloudWatch.3"][0][:-1] + ' && ($.awsRegion = "us-east-1") }',
        "signin:ConsoleLogin by IAMUser mfa=No Success in eu-west-1",
    ),
    "CloudWatch.4": (
        SECURITY_HUB["CloudWatch.4"][0].replace("($.eventName=PutRolePolicy) || ", ""),
        "iam:PutRolePolicy by AssumedRole in us-east-1",
    ),
    "CloudWatch.5": (
        "{ ($.eventName = StopLogging) || ($.eventName = DeleteTrail) }",
        "cloudtrail:UpdateTrail by AssumedRole in us-east-1",
    ),
    "CloudWatch.6": (
        '{ ($.eventName = ConsoleLogin) && ($.errorMessage = "Failed authentication") && '
        '($.userIdentity.type = "IAMUser") }',
        "signin:ConsoleLogin by Root mfa=No Failure",
    ),
    "CloudWatch.7": (
        "{ ($.eventSource = kms.amazonaws.com) && ($.eventName = ScheduleKeyDeletion) }",
        "kms:DisableKey by AssumedRole in us-east-1",
    ),
    "CloudWatch.8": (
        SECURITY_HUB["CloudWatch.8"][0][:-1] + " && ($.errorCode NOT EXISTS)}",
        "s3:PutBucketAcl by IAMUser denied (AccessDenied) in eu-west-1",
    ),
    "CloudWatch.9": (
        SECURITY_HUB["CloudWatch.9"][0][:-1] + ' && ($.awsRegion = "us-east-1")}',
        "config:StopConfigurationRecorder by AssumedRole in eu-west-1",
    ),
    "CloudWatch.10": (
        SECURITY_HUB["CloudWatch.10"][0].replace(" || ($.eventName=DeleteSecurityGroup)", ""),
        "ec2:DeleteSecurityGroup by AssumedRole in us-east-1",
    ),
    "CloudWatch.11": (
        "{ ("
        + SECURITY_HUB["CloudWatch.11"][0][1:-1]
        + ') && ($.userIdentity.type != "IAMUser") }',
        "ec2:CreateNetworkAcl by IAMUser denied (Client.UnauthorizedOperation) in eu-west-1",
    ),
    "CloudWatch.12": (
        SECURITY_HUB["CloudWatch.12"][0].replace("CreateInternetGateway", "CreateInternetGatewayX"),
        "ec2:CreateInternetGateway by AssumedRole in us-east-1",
    ),
    "CloudWatch.13": (
        "{ ($.eventSource = ec2.amazonaws.com) && ($.eventName = *Route) }",
        "ec2:CreateRouteTable by AssumedRole in us-east-1",
    ),
    "CloudWatch.14": (
        "{ $.eventName = *Vpc }",
        "ec2:ModifyVpcAttribute by AssumedRole in us-east-1",
    ),
}


@pytest.mark.parametrize("control_id", list(NARROWED))
def test_narrowed_filters_fail_naming_the_missed_events(control_id: str) -> None:
    pattern, missed = NARROWED[control_id]
    v = verdict(control_id, pattern)
    assert not v.ok
    assert v.facts["missed_count"] >= 1
    assert any(label.startswith(missed) for label in v.facts["missed_events"]), v.facts
    assert "narrower" in v.why


def test_an_appended_and_term_binds_only_to_the_last_alternative() -> None:
    """`{A || B && C}` is `A || (B && C)`: appending a condition without grouping narrows only
    the last alternative."""
    pattern = SECURITY_HUB["CloudWatch.11"][0][:-1] + ' && ($.userIdentity.type != "IAMUser")}'
    v = verdict("CloudWatch.11", pattern)
    assert not v.ok
    assert v.facts["missed_events"] == [
        "ec2:ReplaceNetworkAclAssociation by IAMUser denied (Client.UnauthorizedOperation) "
        "in eu-west-1"
    ]


def test_a_broader_filter_covers_and_counts_its_other_matches() -> None:
    v = verdict("CloudWatch.7", "{ $.eventSource = kms.amazonaws.com }")
    assert v.ok
    assert v.facts["other_events_matched"] > 0


def test_an_empty_pattern_matches_everything_so_it_covers() -> None:
    assert verdict("CloudWatch.5", "").ok


# --- unparsable patterns -------------------------------------------------------------------------

UNPARSABLE = {
    "single quotes": "{$.userIdentity.type = 'Root' && $.eventType != 'AwsServiceEvent'}",
    "missing closing brace": '{ $.eventName = "ConsoleLogin" ',
    "unbalanced parenthesis": "{ (($.eventName = StopLogging) || ($.eventName = DeleteTrail) }",
    "double equals": "{ $.eventName == StopLogging }",
    "pdf artefact": "{($.eventNa me=DeleteGroupPolicy)}",
    "empty braces": "{ }",
    "selector without property": "{ $. = x }",
    "unknown IS test": "{ $.a IS MAYBE }",
    "numeric operator on a string": '{ $.eventName > "a" }',
    "missing value": "{ $.eventName = }",
    "dangling operator": "{ $.a = 1 && }",
    "text after the pattern": "{ $.a = 1 } extra",
    "bad regex": "{ $.a = %[% }",
    "space-delimited": "[ip, user, status_code = 4*]",
    "lone ampersand": "{ $.a = 1 & $.b = 2 }",
}


@pytest.mark.parametrize("case", list(UNPARSABLE))
def test_unparsable_patterns_raise_and_fail_with_the_parse_error(case: str) -> None:
    with pytest.raises(FilterPatternError):
        parse(UNPARSABLE[case])
    v = verdict("CloudWatch.1", UNPARSABLE[case])
    assert not v.ok
    assert "unparsable" in v.why and v.facts["parse_error"]


def test_parse_errors_carry_a_position() -> None:
    with pytest.raises(FilterPatternError) as exc:
        parse("{ $.a = 'x' }")
    assert exc.value.position == 8


# --- evaluator semantics -------------------------------------------------------------------------

EVENT: dict[str, Any] = {
    "eventName": "StopLogging",
    "errorCode": "Client.UnauthorizedOperation",
    "latency": 120,
    "ratio": 0.5,
    "flag": True,
    "off": False,
    "nothing": None,
    "userIdentity": {"type": "IAMUser", "sessionContext": {"attributes": {"mfa": "false"}}},
    "resources": [{"ARN": "arn:aws:s3:::a"}, {"ARN": "arn:aws:s3:::b", "type": "AWS::S3::Bucket"}],
    "tags": ["x", "y"],
    "path": "a*b",
}

SEMANTICS = [
    ("{ $.eventName = StopLogging }", True),
    ('{ $.eventName = "StopLogging" }', True),
    ('{ $.eventName = "stoplogging" }', False),  # case-sensitive
    ('{ $.eventName = "Stop*" }', True),
    ('{ $.eventName = "*Logging" }', True),
    ('{ $.eventName = "*op*in*" }', True),
    ('{ $.eventName = "Stop" }', False),  # whole value, not a substring
    ("{ $.errorCode = *UnauthorizedOperation }", True),
    ('{ $.path = "a\\*b" }', True),  # escaped star is literal
    ('{ $.path = "a\\*c" }', False),
    ("{ $.eventName = %^Stop.*g$% }", True),
    ("{ $.eventName = %Stop% }", False),  # a regex must match the whole value
    ("{ $.eventName != DeleteTrail }", True),
    ("{ $.eventName != StopLogging }", False),
    ("{ $.missing != x }", False),  # != needs the property
    ("{ $.nothing != x }", False),  # ...with a value of the compared type
    ("{ $.latency > 100 }", True),
    ("{ $.latency >= 120 }", True),
    ("{ $.latency < 120 }", False),
    ("{ $.latency <= 120 && $.ratio = 0.5 }", True),
    ("{ $.latency = 120 }", True),
    ("{ $.latency != 120 }", False),
    ("{ $.latency = 1.2e2 }", True),
    ('{ $.latency = "120" }', False),  # a string does not equal a number
    ("{ $.eventName > 1 }", False),  # numeric comparison of a string
    ("{ $.flag IS TRUE }", True),
    ("{ $.off IS FALSE }", True),
    ("{ $.flag IS FALSE }", False),
    ("{ $.nothing IS NULL }", True),
    ("{ $.missing IS NULL }", False),
    ("{ $.missing NOT EXISTS }", True),
    ("{ $.nothing NOT EXISTS }", False),
    ("{ $.userIdentity.sessionContext.attributes.mfa = false }", True),  # unquoted: a string
    ("{ $.userIdentity.type = IAMUser && $.eventName = StopLogging }", True),
    ("{ $.userIdentity.type = Root || $.eventName = StopLogging }", True),
    ("{ $.userIdentity.type = Root || $.eventName = X && $.latency > 1 }", False),
    ("{ ($.userIdentity.type = Root || $.eventName = StopLogging) && $.latency > 1 }", True),
    ("{ $.eventName = StopLogging || $.eventName = X && $.latency > 1000 }", True),  # && first
    ('{ $.resources[0].ARN = "arn:aws:s3:::a" }', True),
    ('{ $.resources[1].ARN = "arn:aws:s3:::a" }', False),
    ('{ $.resources[*].ARN = "arn:aws:s3:::b" }', True),
    ("{ $.resources[*].type NOT EXISTS }", False),
    ("{ $.tags[1] = y }", True),
    ("{ $.tags[5] = y }", False),
    ("{ $.userIdentity = IAMUser }", False),  # an object is not a string
    ("", True),
    ("   ", True),
    ("StopLogging", True),  # unstructured: a term in the event text
    ('"StopLogging"', True),
    ("StopLogging -IAMUser", False),
    ("?DeleteTrail ?StopLogging", True),
    ("?DeleteTrail ?CreateTrail", False),
    ("StopLogging UnauthorizedOperation", True),
    ("StopLogging Nope", False),
    ("%Stop[A-Z]ogging%", True),
]


@pytest.mark.parametrize(("pattern", "expected"), SEMANTICS)
def test_evaluator_semantics(pattern: str, expected: bool) -> None:
    assert parse(pattern).matches(EVENT) is expected


def test_a_json_pattern_does_not_match_a_non_object_event() -> None:
    not_an_object: Any = [1, 2]  # what json.loads can return for an event
    assert parse("{ $.a NOT EXISTS }").matches(not_an_object) is False


def test_mixing_any_of_and_plain_terms_is_rejected() -> None:
    with pytest.raises(FilterPatternError):
        parse("?a b")


def test_corpus_events_are_cloudtrail_records_of_the_account() -> None:
    events = corpus(ACCOUNT)
    assert len({e.label for e in events}) == len(events)
    assert all(e.record["recipientAccountId"] == ACCOUNT for e in events)
    iam = [e for e in events if e.record["eventSource"] == "iam.amazonaws.com"]
    assert iam and all(e.record["awsRegion"] == "us-east-1" for e in iam)
    root_logins = [
        e
        for e in events
        if e.record["eventName"] == "ConsoleLogin" and e.record["userIdentity"]["type"] == "Root"
    ]
    assert root_logins and all(e.record["awsRegion"] == "us-east-1" for e in root_logins)


def test_api_event_denied_call_carries_error_fields() -> None:
    rec = api_event("kms.amazonaws.com", "DisableKey", account=ACCOUNT, error_code="X")
    assert rec["errorCode"] == "X" and "not authorized" in rec["errorMessage"]


@pytest.mark.parametrize(
    "name", ["", "evt:123456789012:iam:DeleteRole", "req:é ünïcode ✓", "x" * 1000]
)
def test_event_ids_are_uuid5_of_their_name(name: str) -> None:
    assert cloudtrail_events.name_uuid(name) == str(uuid.uuid5(cloudtrail_events._NAMESPACE, name))
