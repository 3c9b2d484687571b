"""The demo Organization: accounts with boto3 clients bound to the moto endpoint."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import boto3

REGIONS = ("us-east-1", "eu-west-1")


@dataclass
class DemoAccount:
    """One demo account; `client(service, region)` talks to moto as this account."""

    account_id: str
    name: str
    endpoint_url: str
    credentials: dict[str, str] = field(default_factory=dict)
    _clients: dict[tuple[str, str], Any] = field(default_factory=dict)

    def client(self, service: str, region: str = "us-east-1") -> Any:
        key = (service, region)
        if key not in self._clients:
            self._clients[key] = boto3.client(
                service,
                region_name=region,
                endpoint_url=self.endpoint_url,
                **self.credentials,
            )
        return self._clients[key]

    def arn(self, service: str, region: str, resource: str) -> str:
        return f"arn:aws:{service}:{region}:{self.account_id}:{resource}"


@dataclass
class DemoOrg:
    """Management, log-archive and member accounts of the demo Organization."""

    endpoint_url: str
    management: DemoAccount
    log_archive: DemoAccount
    workloads: DemoAccount
    sandbox: DemoAccount
    regions: tuple[str, ...] = REGIONS
    organization_id: str = ""
    suffix: str = ""
    unreachable_account_id: str = ""
    """A member whose scan role cannot be assumed (its trust no longer allows us)."""
    suspended_account_id: str = ""
    names: dict[str, str] = field(default_factory=dict)
    """Names one seeder publishes for later ones (e.g. the organization trail's bucket)."""

    @property
    def accounts(self) -> list[DemoAccount]:
        return [self.management, self.log_archive, self.workloads, self.sandbox]

    @property
    def members(self) -> list[DemoAccount]:
        return [self.log_archive, self.workloads, self.sandbox]


def build_org(endpoint_url: str) -> DemoOrg:
    """Create the Organization and its member accounts; members are reached by AssumeRole."""
    mgmt = DemoAccount("", "management", endpoint_url)
    org_client = mgmt.client("organizations")
    org = org_client.create_organization(FeatureSet="ALL")["Organization"]
    mgmt.account_id = org["MasterAccountId"]
    root_id = org_client.list_roots()["Roots"][0]["Id"]
    security_ou = org_client.create_organizational_unit(ParentId=root_id, Name="Security")
    workloads_ou = org_client.create_organizational_unit(ParentId=root_id, Name="Workloads")
    ou_ids = {
        "log-archive": security_ou["OrganizationalUnit"]["Id"],
        "workloads-prod": workloads_ou["OrganizationalUnit"]["Id"],
        "sandbox": workloads_ou["OrganizationalUnit"]["Id"],
    }
    members: dict[str, DemoAccount] = {}
    for name, ou in ou_ids.items():
        created = org_client.create_account(
            Email=f"{name}@example.com",
            AccountName=name,
            Tags=[{"Key": "environment", "Value": name.split("-")[0]}],
        )["CreateAccountStatus"]
        account_id = created["AccountId"]
        org_client.move_account(
            AccountId=account_id, SourceParentId=root_id, DestinationParentId=ou
        )
        creds = mgmt.client("sts").assume_role(
            RoleArn=f"arn:aws:iam::{account_id}:role/OrganizationAccountAccessRole",
            RoleSessionName="demo-seed",
        )["Credentials"]
        members[name] = DemoAccount(
            account_id,
            name,
            endpoint_url,
            {
                "aws_access_key_id": creds["AccessKeyId"],
                "aws_secret_access_key": creds["SecretAccessKey"],
                "aws_session_token": creds["SessionToken"],
            },
        )
    legacy = org_client.create_account(Email="legacy@example.com", AccountName="legacy-app")
    retired = org_client.create_account(Email="retired@example.com", AccountName="retired")
    retired_id = retired["CreateAccountStatus"]["AccountId"]
    org_client.close_account(AccountId=retired_id)
    return DemoOrg(
        unreachable_account_id=legacy["CreateAccountStatus"]["AccountId"],
        suspended_account_id=retired_id,
        endpoint_url=endpoint_url,
        management=mgmt,
        log_archive=members["log-archive"],
        workloads=members["workloads-prod"],
        sandbox=members["sandbox"],
        organization_id=org["Id"],
        suffix=org["Id"][-6:],
    )
