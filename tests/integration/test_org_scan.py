"""An Organization scanned as one graph: org trail coverage, isolation, skipped accounts."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from scanner.app.demo import deny_assume_role
from scanner.app.scan import ScanRequest, run_scan
from scanner.aws.collection import ScanOptions
from scanner.aws.session import ClientSettings, Sessions
from scanner.core.model import Status
from tests.conftest import DEFAULT_ACCOUNT
from tests.integration.helpers import good_trail, make_bucket


@pytest.fixture
def org(account_client: Callable[..., Any]) -> dict[str, str]:
    orgs = account_client("organizations")
    orgs.create_organization(FeatureSet="ALL")
    ids: dict[str, str] = {}
    for name in ("member", "archive", "unreachable", "closed"):
        created = orgs.create_account(Email=f"{name}@example.com", AccountName=name)
        ids[name] = created["CreateAccountStatus"]["AccountId"]
    orgs.close_account(AccountId=ids["closed"])
    # organization trail in the management account, bucket in the log-archive account
    bucket = make_bucket(account_client, "central-org-logs", account_id=ids["archive"])
    good_trail(account_client, name="org", S3BucketName=bucket, IsOrganizationTrail=True)
    # the member also has its own single-Region trail without validation
    own_bucket = make_bucket(account_client, "member-own-logs", "eu-west-1", ids["member"])
    account_client("cloudtrail", "eu-west-1", ids["member"]).create_trail(
        Name="own", S3BucketName=own_bucket
    )
    return ids


def _scan(
    endpoint: str,
    out: Path,
    ids: dict[str, str],
    regions: tuple[str, ...],
    deny: tuple[str, ...] = (),
    checks: tuple[str, ...] = ("CloudTrail.1", "CloudTrail.3", "CloudTrail.4", "CloudTrail.5"),
) -> Any:
    refuse = deny_assume_role(ids["unreachable"])

    def hook(client: Any, service: str, region: str, account_id: str) -> None:
        refuse(client, service, region, account_id)
        deny_operations(client, deny)

    sessions = Sessions(
        None, ClientSettings(endpoint_url=endpoint, max_attempts=1, client_hook=hook)
    )
    request = ScanRequest(
        options=ScanOptions(org=True, regions=regions, endpoint_url=endpoint),
        checks=checks,
        output_dir=out,
    )
    return run_scan(request, sessions=sessions)


def test_org_trail_covers_members_and_one_account_cannot_break_the_run(
    moto_endpoint: str, org: dict[str, str], tmp_path: Path
) -> None:
    outcome = _scan(moto_endpoint, tmp_path / "out", org, ("us-east-1", "eu-west-1"))
    found = {
        (f.check_id, f.control_id, f.account_id, f.region, f.resource.id): f
        for f in outcome.findings
    }

    def status(control: str, account: str, region: str, resource: str | None = None) -> Status:
        resource = resource or f"AWS::::Account:{account}"
        (match,) = [
            f for k, f in found.items() if k[1] == control and k[2:] == (account, region, resource)
        ]
        return match.status

    for account in (DEFAULT_ACCOUNT, org["member"], org["archive"]):
        assert status("CloudTrail.1", account, "us-east-1") is Status.PASS
        assert status("CloudTrail.3", account, "eu-west-1") is Status.PASS
    # the org trail is evaluated once, in the management account
    org_trail = f"arn:aws:cloudtrail:us-east-1:{DEFAULT_ACCOUNT}:trail/org"
    assert status("CloudTrail.4", DEFAULT_ACCOUNT, "us-east-1", org_trail) is Status.PASS
    members_trail_findings = [
        f
        for f in outcome.findings
        if f.resource.id == org_trail and f.account_id != DEFAULT_ACCOUNT
    ]
    assert members_trail_findings == []
    # the member's own trail is judged in the member
    own = f"arn:aws:cloudtrail:eu-west-1:{org['member']}:trail/own"
    assert status("CloudTrail.4", org["member"], "eu-west-1", own) is Status.FAIL
    # the unreachable account: exactly one NOT_AVAILABLE finding on the account, naming AssumeRole
    unreachable = [f for f in outcome.findings if f.account_id == org["unreachable"]]
    assert len(unreachable) == 1
    assert unreachable[0].status is Status.ERROR
    assert unreachable[0].resource.type == "AwsAccount"
    assert unreachable[0].errors[0].operation == "AssumeRole"
    assert unreachable[0].errors[0].iam_action == "sts:AssumeRole"
    asff = (tmp_path / "out" / "findings.asff.json").read_text()
    assert "(sts:AssumeRole)" in asff and "unknown:" not in asff
    # the suspended account is listed as skipped, not scanned
    skipped = {s.account_id: s.status for s in outcome.inventory.skipped_accounts}
    assert skipped == {org["closed"]: "SUSPENDED"}
    assert not [f for f in outcome.findings if f.account_id == org["closed"]]
    assert outcome.exit_code == 1  # the member's failing trail


def deny_operations(client: Any, operations: tuple[str, ...]) -> None:
    """AccessDenied for `operations` on this client (a botocore before-call hook)."""

    def before_call(model: Any, **_: Any) -> Any:
        if model.name not in operations:
            return None
        from botocore.awsrequest import AWSResponse

        error = {"Code": "AccessDenied", "Message": f"not authorized: {model.name}"}
        return AWSResponse("http://127.0.0.1/", 403, {}, None), {"Error": error}

    client.meta.events.register("before-call.*.*", before_call)


def test_unreadable_account_metadata_is_a_gap_not_an_abort(
    moto_endpoint: str, org: dict[str, str], tmp_path: Path, account_client: Callable[..., Any]
) -> None:
    import json

    orgs = account_client("organizations")
    root = orgs.list_roots()["Roots"][0]["Id"]
    ou = orgs.create_organizational_unit(ParentId=root, Name="Workloads")["OrganizationalUnit"]
    orgs.move_account(AccountId=org["member"], SourceParentId=root, DestinationParentId=ou["Id"])
    orgs.tag_resource(ResourceId=org["member"], Tags=[{"Key": "team", "Value": "payments"}])
    regions, checks = ("us-east-1",), ("CloudTrail.1", "CloudTrail.4")
    full = _scan(moto_endpoint, tmp_path / "full", org, regions, checks=checks)
    member = full.inventory.account(org["member"])
    assert member is not None
    assert member.info.ou_path == ("Root", "Workloads") and member.info.tags == {"team": "payments"}
    assert not [a for a in full.inventory.accounts if a.info.metadata_errors]
    assert "account-metadata-gaps" not in (tmp_path / "full" / "report.html").read_text()

    for denied in ("ListParents", "DescribeOrganizationalUnit", "ListTagsForResource"):
        out = tmp_path / denied
        gap = _scan(moto_endpoint, out, org, regions, deny=(denied,), checks=checks)
        # the same findings and verdicts, the same exit code: the metadata only enriches findings
        assert {f.id: f.status for f in gap.findings} == {f.id: f.status for f in full.findings}
        assert gap.exit_code == full.exit_code
        # the gap is recorded per account, naming the real IAM action
        affected = [a for a in gap.inventory.accounts if a.info.metadata_errors]
        assert org["member"] in {a.account_id for a in affected}
        for acct in affected:
            (error,) = acct.info.metadata_errors
            assert (error.operation, error.code) == (denied, "AccessDenied")
            assert error.iam_action == f"organizations:{denied}"
        gapped = gap.inventory.account(org["member"])
        assert gapped is not None
        if denied == "ListTagsForResource":
            assert gapped.info.tags == {} and gapped.info.ou_path == ("Root", "Workloads")
        else:
            assert gapped.info.ou_path == () and gapped.info.tags == {"team": "payments"}
        # ... and shown in findings.json's scan metadata and in the HTML report
        doc = json.loads((out / "findings.json").read_text())
        shown = {a["account_id"]: a["metadata_errors"] for a in doc["scan"]["accounts"]}
        assert shown[org["member"]][0]["operation"] == denied
        assert "account-metadata-gaps" in (out / "report.html").read_text()


def test_unreadable_account_list_stops_the_scan(
    moto_endpoint: str, org: dict[str, str], tmp_path: Path
) -> None:
    from scanner.core.errors import CredentialsError

    with pytest.raises(CredentialsError) as info:
        _scan(moto_endpoint, tmp_path / "out", org, ("us-east-1",), deny=("ListAccounts",))
    assert info.value.exit_code == 2
    assert "organizations:ListAccounts" in str(info.value)


def test_regions_not_opted_in_are_out_of_scope_not_failed(
    moto_endpoint: str, org: dict[str, str], tmp_path: Path
) -> None:
    outcome = _scan(moto_endpoint, tmp_path / "out", org, ("us-east-1", "ap-east-1"))
    assert not [f for f in outcome.findings if f.region == "ap-east-1"]
    mgmt = outcome.inventory.account(DEFAULT_ACCOUNT)
    assert mgmt is not None and mgmt.regions == ("us-east-1",)
    assert "ap-east-1" in mgmt.skipped_regions
