"""The benchmark back end (bench/proxy.py, bench/replay.py): a member's AssumeRole and
Organizations lookups replayed from its template equal moto's own answers for the member, and the
proxy answers pipelined requests in order.
"""

from __future__ import annotations

import json
import socket
import urllib.request
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import ModuleType
from typing import Any

import boto3
import pytest

from tests.scripts import load_script

ROOT = Path(__file__).resolve().parent.parent
ROLE = "OrganizationAccountAccessRole"


def _load(path: Path) -> ModuleType:
    """A script of bench/ (not a package) as a module."""
    return load_script(path, "_bench_")


proxy = _load(ROOT / "bench" / "proxy.py")
replay = _load(ROOT / "bench" / "replay.py")


def _post(url: str, value: Any) -> Any:
    with urllib.request.urlopen(url, data=json.dumps(value).encode(), timeout=30) as resp:
        return json.loads(resp.read())


def _stats(url: str) -> dict[str, Any]:
    with urllib.request.urlopen(f"{url}/__bench/stats", timeout=30) as resp:
        stats: dict[str, Any] = json.loads(resp.read())
    return stats


class _Org:
    """An Organization on moto: the management account, a template and a member mapped to it
    (in one OU, with the same tags), and another member in the root."""

    def __init__(self, endpoint: str) -> None:
        orgs = boto3.client("organizations", region_name="us-east-1", endpoint_url=endpoint)
        self.mgmt = orgs.create_organization(FeatureSet="ALL")["Organization"]["MasterAccountId"]
        root = orgs.list_roots()["Roots"][0]["Id"]
        ou = orgs.create_organizational_unit(ParentId=root, Name="workloads")
        tags = [{"Key": "team", "Value": "blue"}]
        ids = []
        for name in ("template", "member", "other"):
            status = orgs.create_account(
                Email=f"{name}@example.com", AccountName=name, Tags=[] if name == "other" else tags
            )
            ids.append(status["CreateAccountStatus"]["AccountId"])
        self.template, self.member, self.other = ids
        for account in (self.template, self.member):
            orgs.move_account(
                AccountId=account,
                SourceParentId=root,
                DestinationParentId=ou["OrganizationalUnit"]["Id"],
            )


@pytest.fixture
def backend(moto_endpoint: str) -> Iterator[tuple[str, str, _Org]]:
    """(moto's URL, the replaying proxy's URL, the Organization)."""
    org = _Org(moto_endpoint)
    url, stop = proxy.start_in_thread(moto_endpoint, 0.0)
    _post(f"{url}/__bench/templates", {org.template: org.template, org.member: org.template})
    _post(f"{url}/__bench/keys", {"testing": org.mgmt})
    yield moto_endpoint, url, org
    stop()


def _assume(endpoint: str, account: str) -> dict[str, Any]:
    sts = boto3.client("sts", region_name="us-east-1", endpoint_url=endpoint)
    answer: dict[str, Any] = sts.assume_role(
        RoleArn=f"arn:aws:iam::{account}:role/{ROLE}", RoleSessionName="trailwatch"
    )
    return answer


def test_key_ids_encode_the_account_as_motos_do() -> None:
    from moto.iam.utils import generate_access_key_id_from_account_id

    for account in ("123456789012", "000000000001", "999999999998", "314159265358"):
        ours = replay.key_id(account.encode(), b"ASIA", 20).decode()
        motos = generate_access_key_id_from_account_id(account, "ASIA", 20)
        assert len(ours) == len(motos) == 20
        assert ours[:12] == motos[:12]  # the prefix and the account's 8 characters
        half = "ABCDEFGHIJKLMNOP" if int(account) % 2 == 0 else "QRSTUVWXYZ234567"
        assert ours[12] in half and motos[12] in half  # the account's parity


def test_assume_role_replayed_for_a_member_is_motos_answer_made_the_members(
    backend: tuple[str, str, _Org],
) -> None:
    moto, url, org = backend
    first = _assume(url, org.template)  # moto answers the template's; cached
    before = _stats(url)
    ours = _assume(url, org.member)
    again = _assume(url, org.member)
    after = _stats(url)
    assert after["forwarded"] == before["forwarded"]  # both from the cached answer
    assert after["assume_role_replayed"] == before["assume_role_replayed"] + 2
    motos = _assume(moto, org.member)  # what moto itself says for the member
    assert ours.keys() == motos.keys()
    assert ours["AssumedRoleUser"]["Arn"] == motos["AssumedRoleUser"]["Arn"]
    assert ours["AssumedRoleUser"]["Arn"].split(":")[4] == org.member
    assert ours["AssumedRoleUser"]["AssumedRoleId"].endswith(":trailwatch")
    assert (
        ours["AssumedRoleUser"]["AssumedRoleId"][:12]
        == motos["AssumedRoleUser"]["AssumedRoleId"][:12]
    )  # a role id of the member's account
    ours_c, motos_c = ours["Credentials"], motos["Credentials"]
    assert ours_c.keys() == motos_c.keys()
    for field in ("AccessKeyId", "SecretAccessKey", "SessionToken"):
        assert len(ours_c[field]) == len(motos_c[field])
    assert ours_c["AccessKeyId"][:12] == motos_c["AccessKeyId"][:12]  # the member's account
    assert ours_c["SessionToken"][:17] == motos_c["SessionToken"][:17]
    # new credentials on every call, as moto gives
    keys = {c["Credentials"]["AccessKeyId"] for c in (first, ours, again)}
    secrets = {c["Credentials"]["SecretAccessKey"] for c in (first, ours, again)}
    assert len(keys) == 3 and len(secrets) == 3
    # an expiry as far ahead as moto's (an hour)
    now = datetime.now(UTC)
    for answer in (ours, again, motos):
        ahead = answer["Credentials"]["Expiration"] - now
        assert timedelta(minutes=58) < ahead <= timedelta(hours=1)
    # the member's key is now the member's: its calls are the template's, rewritten
    creds = ours["Credentials"]
    sts = boto3.client(
        "sts",
        region_name="us-east-1",
        endpoint_url=url,
        aws_access_key_id=creds["AccessKeyId"],
        aws_secret_access_key=creds["SecretAccessKey"],
        aws_session_token=creds["SessionToken"],
    )
    assert sts.get_caller_identity()["Account"] == org.member


def test_organizations_lookups_of_a_member_equal_motos(backend: tuple[str, str, _Org]) -> None:
    moto, url, org = backend
    via_proxy = boto3.client("organizations", region_name="us-east-1", endpoint_url=url)
    direct = boto3.client("organizations", region_name="us-east-1", endpoint_url=moto)
    for account in (org.template, org.member, org.other, org.mgmt):
        before = _stats(url)
        parents = via_proxy.list_parents(ChildId=account)["Parents"]
        tags = via_proxy.list_tags_for_resource(ResourceId=account)["Tags"]
        assert parents == direct.list_parents(ChildId=account)["Parents"]
        assert tags == direct.list_tags_for_resource(ResourceId=account)["Tags"]
        after = _stats(url)
        if account == org.member:  # the template's answers, cached a moment ago
            assert after["forwarded"] == before["forwarded"]
    assert [t["Key"] for t in via_proxy.list_tags_for_resource(ResourceId=org.member)["Tags"]] == [
        "team"
    ]


def test_pipelined_requests_are_answered_in_order(backend: tuple[str, str, _Org]) -> None:
    _, url, _ = backend
    port = int(url.rsplit(":", 1)[1])
    to_moto = b"GET /moto-api/ HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n"  # moto: a thread
    stats = b"GET /__bench/stats HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"  # at once
    with socket.create_connection(("127.0.0.1", port), timeout=30) as sock:
        sock.sendall(to_moto + stats)
        data = b""
        while chunk := sock.recv(65536):
            data += chunk
    first, _, rest = data.partition(b"\r\n\r\n")
    assert first.startswith(b"HTTP/1.1 ")
    length = next(
        int(line.split(b":", 1)[1])
        for line in first.split(b"\r\n")
        if line.lower().startswith(b"content-length:")
    )
    second = rest[length:]
    assert b"application/json" not in first  # moto's page came first
    assert second.startswith(b"HTTP/1.1 200 ") and b'"requests"' in second
