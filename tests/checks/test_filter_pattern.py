"""Filter pattern parser/evaluator, and semantic coverage against the CloudTrail corpus.

Every pattern of controls.md 4.2 (Security Hub) and 6.3 (CIS) is parsed and judged; equivalent
rewrites (re-spaced, re-quoted, reordered, extra parentheses) must cover their control, narrowed
ones must fail and name the missed events, unparsable ones must raise with a position.
"""

from __future__ import annotations

import re
from typing import Any

import pytest

from checks.cloudwatch_alarms import CONTROLS
from checks.lib.alarm_chain import FilterVerdict, candidate, coverage, required_labels
from checks.lib.cloudtrail_events import ORGANIZATIONS_EVENTS, api_event, corpus
from checks.lib.filter_pattern import FilterPatternError, parse
from scanner.datasets.metric_filters import MetricFilter

ACCOUNT = "111111111111"
BY_ID = {c.control_id: c for c in CONTROLS}

# --- the oracle's patterns, verbatim --------------------------------------------------------------

SECURITY_HUB: dict[str, tuple[str, ...]] = {
    'CloudWatch.1': (
        (
            '{$.userIdentity.type="Root" && $.userIdentity.invokedBy NOT EXISTS && '
            '$.eventType !="AwsServiceEvent"}'
        ),
    ),
    'CloudWatch.2': (
        (
            '{($.errorCode="*UnauthorizedOperation") || '
            '($.errorCode="AccessDenied*")}'
        ),
    ),
    'CloudWatch.3': (
        (
            '{ ($.eventName = "ConsoleLogin") && ($.additionalEventData.MFAUsed != '
            '"Yes") && ($.userIdentity.type = "IAMUser") && '
            '($.responseElements.ConsoleLogin = "Success") }'
        ),
    ),
    'CloudWatch.4': (
        (
            '{($.eventSource=iam.amazonaws.com) && '
            '(($.eventName=DeleteGroupPolicy) || ($.eventName=DeleteRolePolicy) || '
            '($.eventName=DeleteUserPolicy) || ($.eventName=PutGroupPolicy) || '
            '($.eventName=PutRolePolicy) || ($.eventName=PutUserPolicy) || '
            '($.eventName=CreatePolicy) || ($.eventName=DeletePolicy) || '
            '($.eventName=CreatePolicyVersion) || '
            '($.eventName=DeletePolicyVersion) || ($.eventName=AttachRolePolicy) ||'
            ' ($.eventName=DetachRolePolicy) || ($.eventName=AttachUserPolicy) || '
            '($.eventName=DetachUserPolicy) || ($.eventName=AttachGroupPolicy) || '
            '($.eventName=DetachGroupPolicy))}'
        ),
    ),
    'CloudWatch.5': (
        (
            '{($.eventName=CreateTrail) || ($.eventName=UpdateTrail) || '
            '($.eventName=DeleteTrail) || ($.eventName=StartLogging) || '
            '($.eventName=StopLogging)}'
        ),
    ),
    'CloudWatch.6': (
        (
            '{($.eventName=ConsoleLogin) && ($.errorMessage="Failed '
            'authentication")}'
        ),
    ),
    'CloudWatch.7': (
        (
            '{($.eventSource=kms.amazonaws.com) && (($.eventName=DisableKey) || '
            '($.eventName=ScheduleKeyDeletion))}'
        ),
    ),
    'CloudWatch.8': (
        (
            '{($.eventSource=s3.amazonaws.com) && (($.eventName=PutBucketAcl) || '
            '($.eventName=PutBucketPolicy) || ($.eventName=PutBucketCors) || '
            '($.eventName=PutBucketLifecycle) || '
            '($.eventName=PutBucketReplication) || '
            '($.eventName=DeleteBucketPolicy) || ($.eventName=DeleteBucketCors) || '
            '($.eventName=DeleteBucketLifecycle) || '
            '($.eventName=DeleteBucketReplication))}'
        ),
    ),
    'CloudWatch.9': (
        (
            '{($.eventSource=config.amazonaws.com) && '
            '(($.eventName=StopConfigurationRecorder) || '
            '($.eventName=DeleteDeliveryChannel) || '
            '($.eventName=PutDeliveryChannel) || '
            '($.eventName=PutConfigurationRecorder))}'
        ),
    ),
    'CloudWatch.10': (
        (
            '{($.eventName=AuthorizeSecurityGroupIngress) || '
            '($.eventName=AuthorizeSecurityGroupEgress) || '
            '($.eventName=RevokeSecurityGroupIngress) || '
            '($.eventName=RevokeSecurityGroupEgress) || '
            '($.eventName=CreateSecurityGroup) || '
            '($.eventName=DeleteSecurityGroup)}'
        ),
    ),
    'CloudWatch.11': (
        (
            '{($.eventName=CreateNetworkAcl) || '
            '($.eventName=CreateNetworkAclEntry) || ($.eventName=DeleteNetworkAcl) '
            '|| ($.eventName=DeleteNetworkAclEntry) || '
            '($.eventName=ReplaceNetworkAclEntry) || '
            '($.eventName=ReplaceNetworkAclAssociation)}'
        ),
    ),
    'CloudWatch.12': (
        (
            '{($.eventName=CreateCustomerGateway) || '
            '($.eventName=DeleteCustomerGateway) || '
            '($.eventName=AttachInternetGateway) || '
            '($.eventName=CreateInternetGateway) || '
            '($.eventName=DeleteInternetGateway) || '
            '($.eventName=DetachInternetGateway)}'
        ),
    ),
    'CloudWatch.13': (
        (
            '{($.eventSource=ec2.amazonaws.com) && (($.eventName=CreateRoute) || '
            '($.eventName=CreateRouteTable) || ($.eventName=ReplaceRoute) || '
            '($.eventName=ReplaceRouteTableAssociation) || '
            '($.eventName=DeleteRouteTable) || ($.eventName=DeleteRoute) || '
            '($.eventName=DisassociateRouteTable))}'
        ),
        (
            '{($.eventName=CreateRoute) || ($.eventName=CreateRouteTable) || '
            '($.eventName=ReplaceRoute) || '
            '($.eventName=ReplaceRouteTableAssociation) || '
            '($.eventName=DeleteRouteTable) || ($.eventName=DeleteRoute) || '
            '($.eventName=DisassociateRouteTable)}'
        ),
    ),
    'CloudWatch.14': (
        (
            '{($.eventName=CreateVpc) || ($.eventName=DeleteVpc) || '
            '($.eventName=ModifyVpcAttribute) || '
            '($.eventName=AcceptVpcPeeringConnection) || '
            '($.eventName=CreateVpcPeeringConnection) || '
            '($.eventName=DeleteVpcPeeringConnection) || '
            '($.eventName=RejectVpcPeeringConnection) || '
            '($.eventName=AttachClassicLinkVpc) || '
            '($.eventName=DetachClassicLinkVpc) || '
            '($.eventName=DisableVpcClassicLink) || '
            '($.eventName=EnableVpcClassicLink)}'
        ),
    ),
}
CIS: dict[str, str] = {
    '4.1': (
        '{ ($.errorCode ="*UnauthorizedOperation") || ($.errorCode '
        '="AccessDenied*") && '
        '($.sourceIPAddress!="delivery.logs.amazonaws.com") && '
        '($.eventName!="HeadBucket") }'
    ),
    '4.2': (
        '{ ($.eventName = "ConsoleLogin") && ($.additionalEventData.MFAUsed != '
        '"Yes") }'
    ),
    '4.2 SSO': (
        '{ ($.eventName = "ConsoleLogin") && ($.additionalEventData.MFAUsed != '
        '"Yes") && ($.userIdentity.type = "IAMUser") && '
        '($.responseElements.ConsoleLogin = "Success") }'
    ),
    '4.3': (
        '{ $.userIdentity.type = "Root" && $.userIdentity.invokedBy NOT EXISTS '
        '&& $.eventType != "AwsServiceEvent" }'
    ),
    '4.4': (
        '{($.eventName=DeleteGroupPolicy)||($.eventName=DeleteRolePolicy)||'
        '($.eventName=DeleteUserPolicy)||($.eventName=PutGroupPolicy)||'
        '($.eventName=PutRolePolicy)||($.eventName=PutUserPolicy)||'
        '($.eventName=CreatePolicy)||($.eventName=DeletePolicy)||'
        '($.eventName=CreatePolicyVersion)||($.eventName=DeletePolicyVersion)||'
        '($.eventName=AttachRolePolicy)||($.eventName=DetachRolePolicy)||'
        '($.eventName=AttachUserPolicy)||($.eventName=DetachUserPolicy)||'
        '($.eventName=AttachGroupPolicy)||($.eventName=DetachGroupPolicy)}'
    ),
    '4.5': (
        '{ ($.eventName = CreateTrail) || ($.eventName = UpdateTrail) || '
        '($.eventName = DeleteTrail) || ($.eventName = StartLogging) || '
        '($.eventName = StopLogging) }'
    ),
    '4.6': (
        '{ ($.eventName = ConsoleLogin) && ($.errorMessage = "Failed '
        'authentication") }'
    ),
    '4.7': (
        '{($.eventSource = kms.amazonaws.com) && (($.eventName=DisableKey)||'
        '($.eventName=ScheduleKeyDeletion)) }'
    ),
    '4.8': (
        '{ ($.eventSource = s3.amazonaws.com) && (($.eventName = PutBucketAcl) '
        '|| ($.eventName = PutBucketPolicy) || ($.eventName = PutBucketCors) ||'
        ' ($.eventName = PutBucketLifecycle) || ($.eventName = '
        'PutBucketReplication) || ($.eventName = DeleteBucketPolicy) || '
        '($.eventName = DeleteBucketCors) || ($.eventName = '
        'DeleteBucketLifecycle) || ($.eventName = DeleteBucketReplication)) }'
    ),
    '4.9': (
        '{ ($.eventSource = config.amazonaws.com) && '
        '(($.eventName=StopConfigurationRecorder)||'
        '($.eventName=DeleteDeliveryChannel)||'
        '($.eventName=PutDeliveryChannel)||'
        '($.eventName=PutConfigurationRecorder)) }'
    ),
    '4.10': (
        '{ ($.eventName = AuthorizeSecurityGroupIngress) || ($.eventName = '
        'AuthorizeSecurityGroupEgress) || ($.eventName = '
        'RevokeSecurityGroupIngress) || ($.eventName = '
        'RevokeSecurityGroupEgress) || ($.eventName = CreateSecurityGroup) || '
        '($.eventName = DeleteSecurityGroup) || ($.eventName = '
        'ModifySecurityGroupRules) }'
    ),
    '4.11': (
        '{ ($.eventName = CreateNetworkAcl) || ($.eventName = '
        'CreateNetworkAclEntry) || ($.eventName = DeleteNetworkAcl) || '
        '($.eventName = DeleteNetworkAclEntry) || ($.eventName = '
        'ReplaceNetworkAclEntry) || ($.eventName = '
        'ReplaceNetworkAclAssociation) }'
    ),
    '4.12': (
        '{ ($.eventName = CreateCustomerGateway) || ($.eventName = '
        'DeleteCustomerGateway) || ($.eventName = AttachInternetGateway) || '
        '($.eventName = CreateInternetGateway) || ($.eventName = '
        'DeleteInternetGateway) || ($.eventName = DetachInternetGateway) }'
    ),
    '4.13 audit': (
        '{($.eventSource = ec2.amazonaws.com) && ($.eventName = CreateRoute) ||'
        ' ($.eventName = CreateRouteTable) || ($.eventName = ReplaceRoute) || '
        '($.eventName = ReplaceRouteTableAssociation) || ($.eventName = '
        'DeleteRouteTable) || ($.eventName = DeleteRoute) || ($.eventName = '
        'DisassociateRouteTable) }'
    ),
    '4.13 remediation': (
        '{ ($.eventName = CreateRoute) || ($.eventName = CreateRouteTable) || '
        '($.eventName = ReplaceRoute) || ($.eventName = '
        'ReplaceRouteTableAssociation) || ($.eventName = DeleteRouteTable) || '
        '($.eventName = DeleteRoute) || ($.eventName = DisassociateRouteTable) '
        '}'
    ),
    '4.14': (
        '{ ($.eventName = CreateVpc) || ($.eventName = DeleteVpc) || '
        '($.eventName = ModifyVpcAttribute) || ($.eventName = '
        'AcceptVpcPeeringConnection) || ($.eventName = '
        'CreateVpcPeeringConnection) || ($.eventName = '
        'DeleteVpcPeeringConnection) || ($.eventName = '
        'RejectVpcPeeringConnection) || ($.eventName = AttachClassicLinkVpc) ||'
        ' ($.eventName = DetachClassicLinkVpc) || ($.eventName = '
        'DisableVpcClassicLink) || ($.eventName = EnableVpcClassicLink) }'
    ),
    '4.15': (
        '{ ($.eventSource = organizations.amazonaws.com) && (($.eventName = '
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
    'v1.2.0 3.1': (
        '{ ($.errorCode = "*UnauthorizedOperation") || ($.errorCode = '
        '"AccessDenied*") }'
    ),
    'v1.2.0 3.2': (
        '{ ($.eventName = "ConsoleLogin") && ($.additionalEventData.MFAUsed != '
        '"Yes") }'
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
    """Quote unquoted values, unquote quoted identifiers."""

    def swap(m: re.Match[str]) -> str:
        op, value = m.group(1), m.group(2)
        if value.startswith('"'):
            inner = value[1:-1]
            return f"{op}{inner}" if re.fullmatch(r"[A-Za-z][\w.]*", inner) else m.group(0)
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

