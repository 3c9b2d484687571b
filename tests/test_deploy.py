"""deploy/: the CodeBuild buildspec and the CloudFormation templates.

The templates inline the shipped scan policy and the buildspec (they must stay equal), lint clean
with cfn-lint, and the buildspec's shard and merge commands run as they are against moto.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from reports.history import History
from scanner.demo.run import seed_demo
from scanner.model import Severity

ROOT = Path(__file__).resolve().parent.parent
POLICY = ROOT / "deploy" / "iam" / "trailwatch-scan-policy.json"
BUILDSPEC = ROOT / "deploy" / "codebuild" / "buildspec.yml"
CFN = ROOT / "deploy" / "cloudformation"
SCANNER = CFN / "trailwatch-scanner.yaml"
MEMBER = CFN / "trailwatch-member-role.yaml"


class _CfnLoader(yaml.SafeLoader):
    """YAML with CloudFormation's short-form tags (!Ref x -> {"Ref": x}, !Sub -> Fn::Sub, ...)."""


def _tag(loader: yaml.SafeLoader, suffix: str, node: yaml.Node) -> dict[str, Any]:
    value: Any
    if isinstance(node, yaml.ScalarNode):
        value = loader.construct_scalar(node)
    elif isinstance(node, yaml.SequenceNode):
        value = loader.construct_sequence(node, deep=True)
    else:
        value = loader.construct_mapping(node, deep=True)  # type: ignore[arg-type]
    if suffix == "GetAtt" and isinstance(value, str):
        value = value.split(".", 1)
    return {suffix if suffix == "Ref" else f"Fn::{suffix}": value}


_CfnLoader.add_multi_constructor("!", _tag)


def template(path: Path) -> dict[str, Any]:
    doc: dict[str, Any] = yaml.load(path.read_text(encoding="utf-8"), Loader=_CfnLoader)
    return doc


def _policies(role: dict[str, Any]) -> dict[str, dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {}
    for policy in role["Properties"]["Policies"]:
        if "Fn::If" in policy:
            policy = policy["Fn::If"][1]
        out[policy["PolicyName"]] = policy["PolicyDocument"]
    return out


@pytest.mark.parametrize(("path", "role"), [(SCANNER, "ScannerRole"), (MEMBER, "ScanRole")])
def test_the_inlined_scan_policy_is_the_shipped_policy(path: Path, role: str) -> None:
    shipped = json.loads(POLICY.read_text(encoding="utf-8"))
    resource = template(path)["Resources"][role]
    assert _policies(resource)["trailwatch-scan"] == shipped


def test_the_scanner_project_runs_the_shipped_buildspec() -> None:
    project = template(SCANNER)["Resources"]["Project"]["Properties"]
    assert project["Source"]["BuildSpec"] == BUILDSPEC.read_text(encoding="utf-8")
    assert project["BuildBatchConfig"]["ServiceRole"] == {"Fn::GetAtt": ["BatchRole", "Arn"]}


def test_templates_are_in_sync_with_their_sources() -> None:
    sys.path.insert(0, str(CFN))
    try:
        import sync_templates
    finally:
        sys.path.remove(str(CFN))
    for path in (SCANNER, MEMBER):
        text = path.read_text(encoding="utf-8")
        assert sync_templates.synced(text) == text, f"run python {CFN}/sync_templates.py"


def test_the_scanner_stack_has_what_a_scheduled_scan_needs() -> None:
    res = template(SCANNER)["Resources"]
    bucket = res["OutputBucket"]["Properties"]
    (rule,) = bucket["BucketEncryption"]["ServerSideEncryptionConfiguration"]
    assert rule["ServerSideEncryptionByDefault"]["SSEAlgorithm"] == "aws:kms"
    assert set(bucket["PublicAccessBlockConfiguration"].values()) == {True}
    assert bucket["VersioningConfiguration"]["Status"] == "Enabled"
    assert bucket["LifecycleConfiguration"]["Rules"]
    statements = res["OutputBucketPolicy"]["Properties"]["PolicyDocument"]["Statement"]
    assert any(
        s["Effect"] == "Deny" and s["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
        for s in statements
    )
    assert res["OutputKey"]["Properties"]["EnableKeyRotation"] is True
    target = res["Schedule"]["Properties"]["Target"]
    assert target["Arn"]["Fn::Sub"].endswith(":aws-sdk:codebuild:startBuildBatch")
    assert target["RoleArn"] == {"Fn::GetAtt": ["SchedulerRole", "Arn"]}
    scheduler = res["SchedulerRole"]["Properties"]["Policies"][0]["PolicyDocument"]
    assert scheduler["Statement"][0]["Action"] == "codebuild:StartBuildBatch"
    build = _policies(res["ScannerRole"])["trailwatch-build"]["Statement"]
    actions = set()
    for s in build:
        if "Fn::If" in s:
            s = s["Fn::If"][1]
        listed = s["Action"] if isinstance(s["Action"], list) else [s["Action"]]
        actions.update(listed)
    assert {
        "sts:AssumeRole",
        "s3:PutObject",
        "securityhub:BatchImportFindings",
        "securityhub:GetFindings",
        "securityhub:DescribeHub",
        "kms:GenerateDataKey",
    } <= actions


def test_the_member_role_trusts_the_scanner_role_with_an_external_id() -> None:
    role = template(MEMBER)["Resources"]["ScanRole"]["Properties"]
    (statement,) = role["AssumeRolePolicyDocument"]["Statement"]
    # the scanner role, plus the realtime stack's function role when one is given
    assert statement["Principal"] == {
        "AWS": {
            "Fn::If": [
                "RealtimeAllowed",
                [{"Ref": "ScannerRoleArn"}, {"Ref": "RealtimeRoleArn"}],
                {"Ref": "ScannerRoleArn"},
            ]
        }
    }
    assert statement["Action"] == "sts:AssumeRole"
    assert statement["Condition"] == {"StringEquals": {"sts:ExternalId": {"Ref": "ExternalId"}}}


def test_cfn_lint_finds_nothing() -> None:
    lint = Path(sys.executable).with_name("cfn-lint")
    proc = subprocess.run(
        [str(lint), "--", str(SCANNER), str(MEMBER)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr


def buildspec() -> dict[str, Any]:
    doc: dict[str, Any] = yaml.safe_load(BUILDSPEC.read_text(encoding="utf-8"))
    return doc


def test_the_build_graph_is_n_shards_then_a_merge() -> None:
    spec = buildspec()
    graph = spec["batch"]["build-graph"]
    shards = [b for b in graph if "SHARD" in b.get("env", {}).get("variables", {})]
    (merge,) = [b for b in graph if b not in shards]
    n = len(shards)
    assert n >= 2
    assert sorted(b["env"]["variables"]["SHARD"] for b in shards) == sorted(
        f"{k}/{n}" for k in range(1, n + 1)
    )
    assert sorted(merge["depend-on"]) == sorted(b["identifier"] for b in shards)
    assert all("depend-on" not in b for b in shards)
    (report,) = spec["reports"].values()
    assert report["file-format"] == "JUNITXML"
    assert report["files"] == ["findings.junit.xml"]
    script = "\n".join(spec["phases"]["build"]["commands"])
    assert f"--output-dir {report['base-directory']}" in script and "junit" in script


# --- the buildspec's commands, run locally against moto -----------------------------------------


def _script(commands: list[str]) -> str:
    """The phase as CodeBuild runs it: one shell, stop at the first command that fails."""
    lines = ["set -o pipefail"]
    for command in commands:
        lines.append(command.rstrip("\n"))
        lines.append('rc=$?; if [ "$rc" -ne 0 ]; then exit "$rc"; fi')
    return "\n".join(lines) + "\n"


def _run_build(
    node: dict[str, Any], spec: dict[str, Any], env: dict[str, str], workdir: Path
) -> subprocess.CompletedProcess[str]:
    variables = {k: str(v) for k, v in spec["env"]["variables"].items()}
    variables.update({k: str(v) for k, v in node.get("env", {}).get("variables", {}).items()})
    variables.update(env)
    workdir.mkdir(parents=True)
    return subprocess.run(
        ["bash", "-c", _script(spec["phases"]["build"]["commands"])],
        cwd=workdir,
        env={**os.environ, **variables},
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def _objects(s3: Any, bucket: str, prefix: str) -> list[str]:
    pages = s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix)
    return [o["Key"] for page in pages for o in page.get("Contents", [])]


def test_the_buildspec_shard_and_merge_commands_run_locally(
    moto_endpoint: str, account_client: Callable[..., Any], tmp_path: Path
) -> None:
    org = seed_demo(moto_endpoint)
    s3 = account_client("s3")
    s3.create_bucket(Bucket="trailwatch-output")
    key_arn = account_client("kms").create_key()["KeyMetadata"]["Arn"]
    spec = buildspec()
    env = {
        # what the CodeBuild project sets (deploy/cloudformation/trailwatch-scanner.yaml)
        "OUTPUT_BUCKET": "trailwatch-output",
        "KMS_KEY_ID": key_arn,
        "ROLE_NAME": "OrganizationAccountAccessRole",
        "EXTERNAL_ID": "trailwatch-test",
        "SCAN_ARGS": "--regions us-east-1,eu-west-1",
        "FAIL_ON": "high",
        # what CodeBuild provides: the batch's initiator; here: moto instead of AWS
        "CODEBUILD_INITIATOR": "trailwatch-batch-role/AWSCodeBuild-0f1e2d3c",
        "AWS_ENDPOINT_URL": moto_endpoint,
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
    }
    graph = spec["batch"]["build-graph"]
    done: set[str] = set()
    results: dict[str, subprocess.CompletedProcess[str]] = {}
    while len(done) < len(graph):  # in dependency order, as CodeBuild runs the graph
        ready = [
            b for b in graph if b["identifier"] not in done and set(b.get("depend-on", ())) <= done
        ]
        assert ready, "the build graph has a cycle"
        for node in ready:
            ident = node["identifier"]
            results[ident] = _run_build(node, spec, env, tmp_path / ident)
            done.add(ident)

    shard_ids = [b["identifier"] for b in graph if "depend-on" not in b]
    for ident in shard_ids:
        assert results[ident].returncode == 0, results[ident].stderr
    run_id = "AWSCodeBuild-0f1e2d3c"
    shard_keys = _objects(s3, "trailwatch-output", f"shards/{run_id}/")
    folders: dict[str, set[str]] = {}
    for key in shard_keys:
        folder, name = key.rsplit("/", 1)
        folders.setdefault(folder, set()).add(name)
    assert len(folders) == len(shard_ids)  # shards/<run>/<date>/<scan-id>/, one per shard
    assert all({"findings.json", "inventory.json"} <= names for names in folders.values())

    merge_dir = tmp_path / "merge"
    merged = json.loads((merge_dir / "trailwatch-out" / "findings.json").read_text())
    active = {a.account_id for a in org.accounts} | {org.unreachable_account_id}
    assert {a["account_id"] for a in merged["scan"]["accounts"]} == active
    assert merged["scan"]["shard"] is None
    statuses = [(f["status"], Severity(f["severity"])) for f in merged["findings"]]
    expected = (
        1
        if any(s == "FAIL" and sev.rank >= Severity.HIGH.rank for s, sev in statuses)
        else 3
        if any(s == "ERROR" for s, _ in statuses)
        else 0
    )
    assert results["merge"].returncode == expected, results["merge"].stderr

    report = spec["reports"]["trailwatch-findings"]
    junit = merge_dir / report["base-directory"] / report["files"][0]
    assert junit.is_file()
    scan_id = merged["scan"]["scan_id"]
    date = merged["scan"]["started_at"][:10]
    uploaded = _objects(s3, "trailwatch-output", f"reports/{date}/{scan_id}/")
    local = sorted(p.name for p in (merge_dir / "trailwatch-out").iterdir())
    assert sorted(k.rsplit("/", 1)[1] for k in uploaded) == local
    # the merge's summary went to the history object in the bucket (the shards record none)
    history_key = "history/trailwatch-history.sqlite"
    assert _objects(s3, "trailwatch-output", "history/") == [history_key]
    copy = tmp_path / "history.sqlite"
    copy.write_bytes(s3.get_object(Bucket="trailwatch-output", Key=history_key)["Body"].read())
    assert [e.scan_id for e in History(copy).entries()] == [scan_id]
    for key in [*uploaded, *shard_keys, history_key]:
        head = s3.head_object(Bucket="trailwatch-output", Key=key)
        assert head["ServerSideEncryption"] == "aws:kms"
        assert head["SSEKMSKeyId"] == key_arn
