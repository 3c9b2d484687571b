"""Representative CloudTrail events, built from documented event names, for semantic pattern tests.

The corpus holds, for every event name the CIS / Security Hub monitoring controls name, the call
made by a role session in us-east-1, by a role session in eu-west-1 (regional services only),
and a denied attempt by an IAM user; plus console sign-ins (root, IAM user, federated; with and
without MFA; failed), root activity (API calls, a call made on the root's behalf by an AWS
service, an AWS service event), unauthorized calls of several services and error codes, and
decoys: the same event names from other services (Organizations and IoT `CreatePolicy`, API
Gateway `CreateRoute`, ...) and unrelated calls. Global services (IAM, Organizations, STS) and
root sign-ins are recorded in us-east-1, as CloudTrail records them; IAM users' console sign-ins
also appear in another region (regional sign-in endpoints).

A filter "covers" a control when it matches every corpus event the control's pattern matches;
the corpus is the yardstick, so it is deliberately varied in identity, region and outcome.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

GLOBAL_REGION = "us-east-1"
OTHER_REGION = "eu-west-1"
EVENT_TIME = "2026-01-15T10:00:00Z"
_NAMESPACE = uuid.UUID("6f1d0b8e-6f55-4b55-9a55-3c9ad7a0c0de")
_NAMESPACE_BYTES = _NAMESPACE.bytes


def name_uuid(name: str) -> str:
    """str(uuid.uuid5(_NAMESPACE, name)), without building a UUID object (the corpus of every
    evaluated account makes about 450 of them)."""
    digest = bytearray(hashlib.sha1(_NAMESPACE_BYTES + name.encode("utf-8")).digest()[:16])  # noqa: S324 - uuid5 is SHA-1
    digest[6] = (digest[6] & 0x0F) | 0x50  # version 5
    digest[8] = (digest[8] & 0x3F) | 0x80  # RFC 4122 variant
    h = digest.hex()
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


# Services whose events CloudTrail records (and EventBridge delivers) in us-east-1 only.
GLOBAL_SOURCES = frozenset(
    {
        "iam.amazonaws.com",
        "signin.amazonaws.com",
        "organizations.amazonaws.com",
        "sts.amazonaws.com",
    }
)

# --- documented event names (CIS AWS Foundations Benchmark monitoring section) -------------------

IAM_POLICY_EVENTS = (
    "DeleteGroupPolicy",
    "DeleteRolePolicy",
    "DeleteUserPolicy",
    "PutGroupPolicy",
    "PutRolePolicy",
    "PutUserPolicy",
    "CreatePolicy",
    "DeletePolicy",
    "CreatePolicyVersion",
    "DeletePolicyVersion",
    "AttachRolePolicy",
    "DetachRolePolicy",
    "AttachUserPolicy",
    "DetachUserPolicy",
    "AttachGroupPolicy",
    "DetachGroupPolicy",
)
CLOUDTRAIL_EVENTS = ("CreateTrail", "UpdateTrail", "DeleteTrail", "StartLogging", "StopLogging")
KMS_EVENTS = ("DisableKey", "ScheduleKeyDeletion")
S3_POLICY_EVENTS = (
    "PutBucketAcl",
    "PutBucketPolicy",
    "PutBucketCors",
    "PutBucketLifecycle",
    "PutBucketReplication",
    "DeleteBucketPolicy",
    "DeleteBucketCors",
    "DeleteBucketLifecycle",
    "DeleteBucketReplication",
)
CONFIG_EVENTS = (
    "StopConfigurationRecorder",
    "DeleteDeliveryChannel",
    "PutDeliveryChannel",
    "PutConfigurationRecorder",
)
SECURITY_GROUP_EVENTS = (
    "AuthorizeSecurityGroupIngress",
    "AuthorizeSecurityGroupEgress",
    "RevokeSecurityGroupIngress",
    "RevokeSecurityGroupEgress",
    "CreateSecurityGroup",
    "DeleteSecurityGroup",
    "ModifySecurityGroupRules",  # CIS v5.0.0 4.10 only
)
NACL_EVENTS = (
    "CreateNetworkAcl",
    "CreateNetworkAclEntry",
    "DeleteNetworkAcl",
    "DeleteNetworkAclEntry",
    "ReplaceNetworkAclEntry",
    "ReplaceNetworkAclAssociation",
)
GATEWAY_EVENTS = (
    "CreateCustomerGateway",
    "DeleteCustomerGateway",
    "AttachInternetGateway",
    "CreateInternetGateway",
    "DeleteInternetGateway",
    "DetachInternetGateway",
)
ROUTE_TABLE_EVENTS = (
    "CreateRoute",
    "CreateRouteTable",
    "ReplaceRoute",
    "ReplaceRouteTableAssociation",
    "DeleteRouteTable",
    "DeleteRoute",
    "DisassociateRouteTable",
)
VPC_EVENTS = (
    "CreateVpc",
    "DeleteVpc",
    "ModifyVpcAttribute",
    "AcceptVpcPeeringConnection",
    "CreateVpcPeeringConnection",
    "DeleteVpcPeeringConnection",
    "RejectVpcPeeringConnection",
    "AttachClassicLinkVpc",
    "DetachClassicLinkVpc",
    "DisableVpcClassicLink",
    "EnableVpcClassicLink",
)
ORGANIZATIONS_EVENTS = (
    "AcceptHandshake",
    "AttachPolicy",
    "CreateAccount",
    "CreateOrganizationalUnit",
    "CreatePolicy",
    "DeclineHandshake",
    "DeleteOrganization",
    "DeleteOrganizationalUnit",
    "DeletePolicy",
    "DetachPolicy",
    "DisablePolicyType",
    "EnablePolicyType",
    "InviteAccountToOrganization",
    "LeaveOrganization",
    "MoveAccount",
    "RemoveAccountFromOrganization",
    "UpdatePolicy",
    "UpdateOrganizationalUnit",
)

DOCUMENTED: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("iam.amazonaws.com", IAM_POLICY_EVENTS),
    ("cloudtrail.amazonaws.com", CLOUDTRAIL_EVENTS),
    ("kms.amazonaws.com", KMS_EVENTS),
    ("s3.amazonaws.com", S3_POLICY_EVENTS),
    ("config.amazonaws.com", CONFIG_EVENTS),
    ("ec2.amazonaws.com", SECURITY_GROUP_EVENTS),
    ("ec2.amazonaws.com", NACL_EVENTS),
    ("ec2.amazonaws.com", GATEWAY_EVENTS),
    ("ec2.amazonaws.com", ROUTE_TABLE_EVENTS),
    ("ec2.amazonaws.com", VPC_EVENTS),
    ("organizations.amazonaws.com", ORGANIZATIONS_EVENTS),
)

# The same event names from other services, and unrelated calls (must not be required).
DECOYS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("iot.amazonaws.com", ("CreatePolicy", "DeletePolicy", "CreatePolicyVersion", "AttachPolicy")),
    ("apigateway.amazonaws.com", ("CreateRoute", "DeleteRoute", "UpdateRoute")),
    ("iam.amazonaws.com", ("CreateUser", "CreateAccessKey", "DeleteRole")),
    ("ec2.amazonaws.com", ("RunInstances", "CreateTransitGatewayRoute")),
    ("kms.amazonaws.com", ("EnableKey", "CreateKey", "CancelKeyDeletion")),
    ("s3.amazonaws.com", ("CreateBucket", "PutBucketTagging")),
    ("cloudtrail.amazonaws.com", ("PutEventSelectors",)),
    ("config.amazonaws.com", ("StartConfigurationRecorder",)),
)

# Error codes a denied call carries, per service.
_DENIED = {
    "ec2.amazonaws.com": "Client.UnauthorizedOperation",
    "iam.amazonaws.com": "AccessDenied",
    "s3.amazonaws.com": "AccessDenied",
    "cloudtrail.amazonaws.com": "AccessDenied",
}
_DENIED_DEFAULT = "AccessDeniedException"


@dataclass(frozen=True)
class CorpusEvent:
    """One CloudTrail record and a readable, unique label for evidence."""

    label: str
    record: Mapping[str, Any] = field(compare=False, hash=False)


# --- builders -----------------------------------------------------------------------------------


def identity(kind: str, account: str, *, invoked_by: str | None = None) -> dict[str, Any]:
    """A `userIdentity` block of the given type (Root, IAMUser, AssumedRole, AWSService)."""
    if kind == "Root":
        ident: dict[str, Any] = {
            "type": "Root",
            "principalId": account,
            "arn": f"arn:aws:iam::{account}:root",
            "accountId": account,
            "accessKeyId": "ASIAEXAMPLEROOT00001",
        }
    elif kind == "IAMUser":
        ident = {
            "type": "IAMUser",
            "principalId": "AIDAEXAMPLEUSER00001",
            "arn": f"arn:aws:iam::{account}:user/alice",
            "accountId": account,
            "accessKeyId": "AKIAEXAMPLEUSER00001",
            "userName": "alice",
        }
    elif kind == "AssumedRole":
        ident = {
            "type": "AssumedRole",
            "principalId": "AROAEXAMPLEROLE00001:bob",
            "arn": f"arn:aws:sts::{account}:assumed-role/Admin/bob",
            "accountId": account,
            "accessKeyId": "ASIAEXAMPLEROLE00001",
            "sessionContext": {
                "sessionIssuer": {
                    "type": "Role",
                    "principalId": "AROAEXAMPLEROLE00001",
                    "arn": f"arn:aws:iam::{account}:role/Admin",
                    "accountId": account,
                    "userName": "Admin",
                },
                "attributes": {"creationDate": EVENT_TIME, "mfaAuthenticated": "false"},
            },
        }
    elif kind == "AWSService":
        ident = {"type": "AWSService", "invokedBy": invoked_by or "config.amazonaws.com"}
    else:
        raise ValueError(f"unknown identity type {kind}")
    if invoked_by and kind != "AWSService":
        ident["invokedBy"] = invoked_by
    return ident


def default_region(event_source: str) -> str:
    return GLOBAL_REGION if event_source in GLOBAL_SOURCES else OTHER_REGION


def api_event(
    event_source: str,
    event_name: str,
    *,
    account: str,
    region: str | None = None,
    who: str = "AssumedRole",
    error_code: str | None = None,
    error_message: str | None = None,
    read_only: bool = False,
    event_type: str = "AwsApiCall",
    invoked_by: str | None = None,
    source_ip: str = "198.51.100.7",
    label: str = "",
) -> dict[str, Any]:
    """A management-event record as CloudTrail delivers it to CloudWatch Logs."""
    region = region or GLOBAL_REGION
    record: dict[str, Any] = {
        "eventVersion": "1.09",
        "userIdentity": identity(who, account, invoked_by=invoked_by),
        "eventTime": EVENT_TIME,
        "eventSource": event_source,
        "eventName": event_name,
        "awsRegion": region,
        "sourceIPAddress": invoked_by or source_ip,
        "userAgent": invoked_by or "aws-cli/2.15.0",
        "requestParameters": {},
        "responseElements": None,
        "requestID": name_uuid(f"req:{label or event_name}"),
        "eventID": name_uuid(f"evt:{account}:{label or event_name}"),
        "readOnly": read_only,
        "eventType": event_type,
        "managementEvent": True,
        "recipientAccountId": account,
        "eventCategory": "Management",
    }
    if error_code:
        record["errorCode"] = error_code
        record["errorMessage"] = error_message or (
            f"User: {record['userIdentity'].get('arn')} is not authorized to perform: "
            f"{event_source.split('.')[0]}:{event_name}"
        )
    return record


def console_login(
    account: str,
    who: str,
    *,
    mfa: bool,
    success: bool,
    region: str = GLOBAL_REGION,
) -> dict[str, Any]:
    """A `ConsoleLogin` sign-in event (eventType AwsConsoleSignIn)."""
    label = f"ConsoleLogin {who} mfa={mfa} success={success} {region}"
    record = api_event(
        "signin.amazonaws.com",
        "ConsoleLogin",
        account=account,
        region=region,
        who=who,
        event_type="AwsConsoleSignIn",
        label=label,
    )
    record["userAgent"] = "Mozilla/5.0"
    record["requestParameters"] = None
    record["responseElements"] = {"ConsoleLogin": "Success" if success else "Failure"}
    record["additionalEventData"] = {
        "LoginTo": "https://console.aws.amazon.com/console/home",
        "MobileVersion": "No",
        "MFAUsed": "Yes" if mfa else "No",
    }
    if not success:
        record["errorMessage"] = "Failed authentication"
    return record


def _short(source: str) -> str:
    return source.split(".")[0]


# --- the corpus ---------------------------------------------------------------------------------


#: An evaluation reads the corpus of the account it evaluates (and that of checks.lib.alarm_chain's
#: placeholder account), one account after the other: a few entries suffice, and 64 held about
#: 20 MB.
@lru_cache(maxsize=8)
def corpus(account: str) -> tuple[CorpusEvent, ...]:
    """Every representative event, recorded in `account`."""
    events: list[CorpusEvent] = []

    def add(label: str, record: dict[str, Any]) -> None:
        events.append(CorpusEvent(label, record))

    for source, names in (*DOCUMENTED, *DECOYS):
        svc = _short(source)
        is_global = source in GLOBAL_SOURCES
        for name in names:
            label = f"{svc}:{name} by AssumedRole in {GLOBAL_REGION}"
            add(label, api_event(source, name, account=account, region=GLOBAL_REGION, label=label))
            if not is_global:
                label = f"{svc}:{name} by AssumedRole in {OTHER_REGION}"
                add(
                    label,
                    api_event(source, name, account=account, region=OTHER_REGION, label=label),
                )
            code = _DENIED.get(source, _DENIED_DEFAULT)
            region = default_region(source)
            label = f"{svc}:{name} by IAMUser denied ({code}) in {region}"
            add(
                label,
                api_event(
                    source,
                    name,
                    account=account,
                    region=region,
                    who="IAMUser",
                    error_code=code,
                    label=label,
                ),
            )

    # Console sign-ins.
    for who in ("Root", "IAMUser", "AssumedRole"):
        for mfa in (True, False):
            for success in (True, False):
                if who == "AssumedRole" and not success:
                    continue  # federated sign-ins fail at the identity provider
                add(
                    f"signin:ConsoleLogin by {who} mfa={'Yes' if mfa else 'No'} "
                    f"{'Success' if success else 'Failure'}",
                    console_login(account, who, mfa=mfa, success=success),
                )

    # Console sign-ins through a regional sign-in endpoint (IAM users only).
    for mfa in (True, False):
        mfa_used = "Yes" if mfa else "No"
        add(
            f"signin:ConsoleLogin by IAMUser mfa={mfa_used} Success in {OTHER_REGION}",
            console_login(account, "IAMUser", mfa=mfa, success=True, region=OTHER_REGION),
        )
    add(
        f"signin:ConsoleLogin by IAMUser mfa=No Failure in {OTHER_REGION}",
        console_login(account, "IAMUser", mfa=False, success=False, region=OTHER_REGION),
    )

    # Root activity.
    for source, name, region in (
        ("iam.amazonaws.com", "CreateAccessKey", GLOBAL_REGION),
        ("iam.amazonaws.com", "ListUsers", GLOBAL_REGION),
        ("s3.amazonaws.com", "PutBucketPolicy", OTHER_REGION),
        ("ec2.amazonaws.com", "DescribeInstances", OTHER_REGION),
        ("cloudtrail.amazonaws.com", "StopLogging", GLOBAL_REGION),
    ):
        label = f"{_short(source)}:{name} by Root in {region}"
        add(
            label,
            api_event(
                source,
                name,
                account=account,
                region=region,
                who="Root",
                read_only=name.startswith(("List", "Describe")),
                label=label,
            ),
        )
    label = "support:DescribeCases by Root invoked by support.amazonaws.com"
    add(
        label,
        api_event(
            "support.amazonaws.com",
            "DescribeCases",
            account=account,
            who="Root",
            invoked_by="support.amazonaws.com",
            read_only=True,
            label=label,
        ),
    )
    label = "signin:PasswordRecoveryRequested (AwsServiceEvent) for Root"
    add(
        label,
        api_event(
            "signin.amazonaws.com",
            "PasswordRecoveryRequested",
            account=account,
            who="Root",
            event_type="AwsServiceEvent",
            label=label,
        ),
    )

    # Unauthorized and failed calls of other kinds.
    for source, name, code, region, ip in (
        (
            "ec2.amazonaws.com",
            "DescribeInstances",
            "Client.UnauthorizedOperation",
            OTHER_REGION,
            "",
        ),
        ("ec2.amazonaws.com", "TerminateInstances", "UnauthorizedOperation", GLOBAL_REGION, ""),
        ("kms.amazonaws.com", "Decrypt", "AccessDeniedException", OTHER_REGION, ""),
        ("sts.amazonaws.com", "AssumeRole", "AccessDenied", GLOBAL_REGION, ""),
        ("s3.amazonaws.com", "HeadBucket", "AccessDenied", OTHER_REGION, ""),
        (
            "s3.amazonaws.com",
            "GetBucketAcl",
            "AccessDenied",
            OTHER_REGION,
            "delivery.logs.amazonaws.com",
        ),
        ("ec2.amazonaws.com", "RunInstances", "Client.InvalidParameterValue", OTHER_REGION, ""),
        ("s3.amazonaws.com", "GetBucketPolicy", "NoSuchBucketPolicy", OTHER_REGION, ""),
        ("dynamodb.amazonaws.com", "DescribeTable", "ThrottlingException", OTHER_REGION, ""),
    ):
        label = f"{_short(source)}:{name} failed ({code}) in {region}"
        if ip:
            label += f" from {ip}"
        add(
            label,
            api_event(
                source,
                name,
                account=account,
                region=region,
                who="IAMUser",
                error_code=code,
                read_only=name.startswith(("Describe", "Get", "Head")),
                source_ip=ip or "198.51.100.7",
                label=label,
            ),
        )

    # An AWS service acting on its own.
    label = "config:PutEvaluations by AWSService"
    add(
        label,
        api_event(
            "config.amazonaws.com",
            "PutEvaluations",
            account=account,
            region=OTHER_REGION,
            who="AWSService",
            invoked_by="config.amazonaws.com",
            label=label,
        ),
    )
    labels = [e.label for e in events]
    assert len(labels) == len(set(labels)), "corpus labels must be unique"
    return tuple(events)


# --- samples for the critical API check and EventBridge envelopes -------------------------------


def sample_events(
    event_source: str, event_name: str, *, account: str, region: str, root: bool = False
) -> tuple[CorpusEvent, ...]:
    """The events a critical call produces: a successful call by a role session (by the root
    user, for root sign-in: with and without MFA)."""
    svc = _short(event_source)
    if event_source == "signin.amazonaws.com" and event_name == "ConsoleLogin":
        who = "Root" if root else "IAMUser"
        return tuple(
            CorpusEvent(
                f"signin:ConsoleLogin by {who} mfa={'Yes' if mfa else 'No'} in {region}",
                console_login(account, who, mfa=mfa, success=True, region=region),
            )
            for mfa in (True, False)
        )
    who = "Root" if root else "AssumedRole"
    label = f"{svc}:{event_name} by {who} in {region}"
    return (
        CorpusEvent(
            label,
            api_event(
                event_source, event_name, account=account, region=region, who=who, label=label
            ),
        ),
    )


def eventbridge_event(record: Mapping[str, Any]) -> dict[str, Any]:
    """The event EventBridge puts on the default bus for a CloudTrail record."""
    signin = record.get("eventType") == "AwsConsoleSignIn"
    return {
        "version": "0",
        "id": name_uuid(f"eb:{record.get('eventID')}"),
        "detail-type": (
            "AWS Console Sign In via CloudTrail" if signin else "AWS API Call via CloudTrail"
        ),
        "source": "aws." + _short(str(record.get("eventSource", ""))),
        "account": record.get("recipientAccountId"),
        "time": record.get("eventTime"),
        "region": record.get("awsRegion"),
        "resources": [],
        "detail": dict(record),
    }


def securityhub_finding_event(
    account: str, region: str, *, severity: str = "CRITICAL"
) -> dict[str, Any]:
    """A "Security Hub Findings - Imported" event carrying one failed control finding."""
    finding_id = (
        f"arn:aws:securityhub:{region}:{account}:security-control/CloudTrail.1/finding/"
        f"{uuid.uuid5(_NAMESPACE, f'sh:{account}:{region}:{severity}')}"
    )
    return {
        "version": "0",
        "id": name_uuid(f"shevt:{account}:{region}:{severity}"),
        "detail-type": "Security Hub Findings - Imported",
        "source": "aws.securityhub",
        "account": account,
        "time": EVENT_TIME,
        "region": region,
        "resources": [finding_id],
        "detail": {
            "findings": [
                {
                    "SchemaVersion": "2018-10-08",
                    "Id": finding_id,
                    "ProductArn": f"arn:aws:securityhub:{region}::product/aws/securityhub",
                    "ProductName": "Security Hub",
                    "CompanyName": "AWS",
                    "AwsAccountId": account,
                    "Region": region,
                    "GeneratorId": "security-control/CloudTrail.1",
                    "Types": [
                        "Software and Configuration Checks/Industry and Regulatory Standards"
                    ],
                    "Title": "CloudTrail should be enabled and configured with at least one "
                    "multi-Region trail",
                    "Severity": {"Label": severity, "Normalized": 90},
                    "Compliance": {"Status": "FAILED", "SecurityControlId": "CloudTrail.1"},
                    "Workflow": {"Status": "NEW"},
                    "WorkflowState": "NEW",
                    "RecordState": "ACTIVE",
                    "Resources": [
                        {
                            "Type": "AwsAccount",
                            "Id": f"AWS::::Account:{account}",
                            "Partition": "aws",
                            "Region": region,
                        }
                    ],
                    "CreatedAt": EVENT_TIME,
                    "UpdatedAt": EVENT_TIME,
                }
            ]
        },
    }
