"""deploy/: the CodeBuild buildspec and the CloudFormation templates.

The templates inline the shipped scan policy and the buildspec (they must stay equal), and the
buildspec's shard and merge commands run as they are against moto. cfn-lint and checkov run over
the templates in `make test` (the `cfnlint` and `checkov` targets).
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
import tomllib
import zipfile
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
import yaml

from reports.history import History
from scanner.app.demo import seed_demo
from scanner.core.model import Severity
from tests.scripts import load_script

ROOT = Path(__file__).resolve().parent.parent
POLICY = ROOT / "deploy" / "iam" / "trailwatch-scan-policy.json"
BUILDSPEC = ROOT / "deploy" / "codebuild" / "buildspec.yml"
CFN = ROOT / "deploy" / "cloudformation"
SCANNER = CFN / "trailwatch-scanner.yaml"
MEMBER = CFN / "trailwatch-member-role.yaml"


def _load(path: Path) -> ModuleType:
    """A script of deploy/ (not a package) as a module."""
    return load_script(path, "_deploy_")


class _CfnLoader(yaml.SafeLoader):
    """YAML with CloudFormation's short-form tags (!Ref x -> {"Ref": x}, !Sub -> Fn::Sub, ...)."""


def _tag(loader: yaml.SafeLoader, suffix: str, node: yaml.Node) -> dict[str, Any]:
    value: Any
    if isinstance(node, yaml.ScalarNode):
        value = loader.construct_scalar(node)
    elif isinstance(node, yaml.SequenceNode):
        value = loader.construct_sequence(node, deep=True)
    elif isinstance(node, yaml.MappingNode):
        value = loader.construct_mapping(node, deep=True)
    else:
        raise TypeError(f"unexpected YAML node {node!r}")
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


# --- what the build installs: this project, from the bundle, every file by its hash --------------

LOCK = ROOT / "deploy" / "requirements.lock"


def _bundle_module() -> ModuleType:
    return _load(ROOT / "deploy" / "bundle.py")


@pytest.fixture(scope="module")
def bundle_dir(wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The bundle `make bundle` makes from this checkout's wheel, unpacked (the build's source)."""
    out = tmp_path_factory.mktemp("bundle")
    archive = _bundle_module().write_bundle(wheel, out / "trailwatch-bundle.zip")
    src = out / "src"
    with zipfile.ZipFile(archive) as zf:
        zf.extractall(src)
    return src


def _run_install(bundle: Path, deps: Path, venv: Path) -> subprocess.CompletedProcess[str]:
    """The buildspec's install phase in a fresh venv, offline: no index, no configured links."""
    subprocess.run(
        [sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True, timeout=120
    )
    (site,) = (venv / "lib").glob("python*/site-packages")
    (site / "locked-dependencies.pth").write_text(f"{deps}\n", encoding="utf-8")
    env = {
        **os.environ,
        "PATH": f"{venv / 'bin'}{os.pathsep}{os.environ['PATH']}",
        "VIRTUAL_ENV": str(venv),
        "PIP_CONFIG_FILE": os.devnull,
        "PIP_NO_INDEX": "1",
        "PIP_NO_CACHE_DIR": "1",
        "PIP_DISABLE_PIP_VERSION_CHECK": "1",
    }
    env.pop("PYTHONPATH", None)
    return subprocess.run(
        ["bash", "-c", _script(buildspec()["phases"]["install"]["commands"])],
        cwd=bundle,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def test_the_buildspec_installs_this_project_from_the_bundle(
    bundle_dir: Path, locked_dependencies: Path, tmp_path: Path
) -> None:
    from scanner import __version__

    venv = tmp_path / "venv"
    proc = _run_install(bundle_dir, locked_dependencies, venv)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert __version__ in proc.stdout  # `trailwatch --version`, the install phase's last command

    # the command is the one just installed, and it runs this project's code from the wheel
    probe = subprocess.run(
        [
            str(venv / "bin" / "python"),
            "-c",
            "import importlib.metadata as m, scanner, checks;"
            "print(scanner.__file__); print(m.version('trailwatch-cspm'))",
        ],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    module, version = probe.stdout.split()
    assert Path(module).is_relative_to(venv) and version == __version__
    listing = subprocess.run(
        [str(venv / "bin" / "trailwatch"), "checks", "--json"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert listing.returncode == 0, listing.stderr
    assert "CloudTrail.1" in listing.stdout


def test_a_changed_wheel_is_refused(
    bundle_dir: Path, locked_dependencies: Path, tmp_path: Path
) -> None:
    bundle = tmp_path / "bundle"
    shutil.copytree(bundle_dir, bundle)
    (wheel,) = bundle.glob("*.whl")
    with wheel.open("ab") as fh:  # still a readable zip, not the file that was hashed
        fh.write(b"\0")
    venv = tmp_path / "venv"
    proc = _run_install(bundle, locked_dependencies, venv)
    assert proc.returncode != 0
    assert not (venv / "bin" / "trailwatch").exists()


def _requirements(text: str) -> list[str]:
    """The requirement entries of a requirements file (continuation lines joined)."""
    joined = text.replace("\\\n", " ")
    lines = (line.strip() for line in joined.splitlines())
    return [line for line in lines if line and not line.startswith("#")]


def test_every_requirement_of_the_bundle_is_pinned_by_hash(bundle_dir: Path) -> None:
    from packaging.requirements import Requirement

    entries = _requirements((bundle_dir / "requirements.txt").read_text(encoding="utf-8"))
    assert entries and all("--hash=sha256:" in e for e in entries)
    (own,) = [e for e in entries if e.startswith("./")]
    (wheel,) = bundle_dir.glob("*.whl")
    assert own.split()[0] == f"./{wheel.name}"
    assert own.split("--hash=sha256:")[1].strip() == hashlib.sha256(wheel.read_bytes()).hexdigest()
    pinned = {Requirement(e.split()[0]).name for e in entries if not e.startswith("./")}
    # every runtime dependency of the project (pyproject.toml) is in the lock: `make lock`
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert project["name"] == "trailwatch-cspm"
    wanted = {Requirement(d).name.lower() for d in project["dependencies"]}
    assert wanted <= {n.lower() for n in pinned}
    assert all("==" in e.split()[0] for e in entries if not e.startswith("./"))


def test_nothing_is_installed_by_name_alone() -> None:
    spec = buildspec()
    commands = [c for phase in spec["phases"].values() for c in phase["commands"]]
    installs = [c for c in commands if "pip install" in c]
    assert installs and all(
        "--require-hashes" in c and "-r requirements.txt" in c for c in installs
    )
    assert "TRAILWATCH_PACKAGE" not in spec["env"]["variables"]
    scanner = template(SCANNER)
    assert "TrailwatchPackage" not in scanner["Parameters"]
    project = scanner["Resources"]["Project"]["Properties"]
    assert project["Source"]["Type"] == "S3"
    assert project["Source"]["Location"] == {"Fn::Sub": "${ArtifactBucket}/${ArtifactKey}"}
    assert project["SourceVersion"]["Fn::If"][1] == {"Ref": "ArtifactObjectVersion"}
    names = [v["Name"] for v in project["Environment"]["EnvironmentVariables"]]
    assert "TRAILWATCH_PACKAGE" not in names


# --- hardening: who may use each role, what it may assume, where the external id lives ----------

REALTIME = CFN / "realtime.yaml"
FORWARDER = CFN / "realtime-forwarder.yaml"
TEMPLATES = (SCANNER, MEMBER, REALTIME, FORWARDER)


def _statements(role: dict[str, Any]) -> list[dict[str, Any]]:
    """Every statement of a role's inline policies (both branches of an Fn::If taken as given)."""
    out = []
    for document in _policies(role).values():
        for statement in document["Statement"]:
            if "Fn::If" in statement:
                statement = statement["Fn::If"][1]
            out.append(statement)
    return out


def _actions(statement: dict[str, Any]) -> list[str]:
    action = statement["Action"]
    return action if isinstance(action, list) else [action]


def _walk(node: Any) -> Any:
    yield node
    if isinstance(node, dict):
        for value in node.values():
            yield from _walk(value)
    elif isinstance(node, list):
        for value in node:
            yield from _walk(value)


@pytest.mark.parametrize(("path", "role"), [(SCANNER, "ScannerRole"), (REALTIME, "FunctionRole")])
def test_roles_assume_only_into_their_own_organization(path: Path, role: str) -> None:
    statements = _statements(template(path)["Resources"][role])
    assume = [s for s in statements if "sts:AssumeRole" in _actions(s)]
    assert assume
    for statement in assume:
        assert statement["Condition"] == {
            "StringEquals": {"aws:ResourceOrgID": "${aws:PrincipalOrgID}"}
        }


def _project_arn() -> dict[str, str]:
    return {
        "Fn::Sub": "arn:${AWS::Partition}:codebuild:${AWS::Region}:${AWS::AccountId}"
        ":project/${ProjectName}"
    }


@pytest.mark.parametrize("role", ["ScannerRole", "BatchRole"])
def test_the_build_roles_trust_only_their_codebuild_project(role: str) -> None:
    res = template(SCANNER)["Resources"]
    assert res["Project"]["Properties"]["Name"] == {"Ref": "ProjectName"}
    (statement,) = res[role]["Properties"]["AssumeRolePolicyDocument"]["Statement"]
    assert statement["Principal"] == {"Service": "codebuild.amazonaws.com"}
    assert statement["Condition"] == {
        "StringEquals": {"aws:SourceAccount": {"Ref": "AWS::AccountId"}},
        "ArnEquals": {"aws:SourceArn": _project_arn()},
    }


def test_the_forwarder_role_trusts_only_its_rule() -> None:
    res = template(FORWARDER)["Resources"]
    (statement,) = res["ForwarderRole"]["Properties"]["AssumeRolePolicyDocument"]["Statement"]
    assert statement["Principal"] == {"Service": "events.amazonaws.com"}
    rule = res["ForwardRule"]["Properties"]
    (target,) = rule["Targets"]
    assert target["RoleArn"] == {"Fn::GetAtt": ["ForwarderRole", "Arn"]}
    arn = statement["Condition"]["ArnEquals"]["aws:SourceArn"]["Fn::Sub"]
    assert arn.endswith(":rule/" + rule["Name"]["Fn::Sub"])
    assert arn.startswith("arn:${AWS::Partition}:events:${AWS::Region}:${AWS::AccountId}:")
    assert statement["Condition"]["StringEquals"] == {
        "aws:SourceAccount": {"Ref": "AWS::AccountId"}
    }


@pytest.mark.parametrize(("path", "role"), [(SCANNER, "ScannerRole"), (REALTIME, "FunctionRole")])
def test_the_external_id_is_a_secret_only_its_reader_can_read(path: Path, role: str) -> None:
    doc = template(path)
    assert doc["Parameters"]["ExternalId"]["NoEcho"] is True
    secret = doc["Resources"]["ExternalIdSecret"]
    assert secret["Type"] == "AWS::SecretsManager::Secret"
    assert secret["Properties"]["SecretString"] == {"Ref": "ExternalId"}
    assert "KmsKeyId" in secret["Properties"]
    # the parameter's value goes into the secret and nowhere else
    uses = [n for n in _walk(doc["Resources"]) if n == {"Ref": "ExternalId"}]
    assert len(uses) == 1
    reads = [
        s
        for s in _statements(doc["Resources"][role])
        if any(a.startswith("secretsmanager:") for a in _actions(s))
    ]
    assert reads == [
        {
            "Sid": "ReadTheExternalId",
            "Effect": "Allow",
            "Action": "secretsmanager:GetSecretValue",
            "Resource": {"Ref": "ExternalIdSecret"},
        }
    ]


def test_the_builds_and_the_function_get_the_external_id_from_the_secret() -> None:
    project = template(SCANNER)["Resources"]["Project"]["Properties"]
    variables = {v["Name"]: v for v in project["Environment"]["EnvironmentVariables"]}
    assert variables["EXTERNAL_ID"] == {
        "Name": "EXTERNAL_ID",
        "Type": "SECRETS_MANAGER",
        "Value": {"Ref": "ExternalIdSecret"},
    }
    function = template(REALTIME)["Resources"]["Function"]["Properties"]
    env = function["Environment"]["Variables"]
    assert "TRAILWATCH_EXTERNAL_ID" not in env
    assert env["TRAILWATCH_EXTERNAL_ID_SECRET"] == {
        "Fn::If": ["HasExternalId", {"Ref": "ExternalIdSecret"}, ""]
    }
    assert function["KmsKeyArn"] == {"Fn::GetAtt": ["FunctionKey", "Arn"]}


def test_the_realtime_function_has_reserved_concurrency() -> None:
    doc = template(REALTIME)
    function = doc["Resources"]["Function"]["Properties"]
    assert function["ReservedConcurrentExecutions"] == {"Ref": "ReservedConcurrency"}
    parameter = doc["Parameters"]["ReservedConcurrency"]
    assert parameter["MinValue"] >= 1 and parameter["Default"] >= 1


def test_the_output_bucket_is_access_logged() -> None:
    res = template(SCANNER)["Resources"]
    logging_config = res["OutputBucket"]["Properties"]["LoggingConfiguration"]
    assert logging_config["DestinationBucketName"] == {"Ref": "AccessLogBucket"}
    prefix = logging_config["LogFilePrefix"]
    log_bucket = res["AccessLogBucket"]["Properties"]
    assert set(log_bucket["PublicAccessBlockConfiguration"].values()) == {True}
    statements = res["AccessLogBucketPolicy"]["Properties"]["PolicyDocument"]["Statement"]
    (delivery,) = [s for s in statements if s["Effect"] == "Allow"]
    assert delivery["Principal"] == {"Service": "logging.s3.amazonaws.com"}
    assert delivery["Resource"] == {"Fn::Sub": "${AccessLogBucket.Arn}/" + prefix + "*"}
    assert delivery["Condition"]["ArnLike"] == {
        "aws:SourceArn": {"Fn::GetAtt": ["OutputBucket", "Arn"]}
    }
    assert any(s["Effect"] == "Deny" and "aws:SecureTransport" in str(s) for s in statements)


@pytest.mark.parametrize("path", TEMPLATES, ids=lambda p: p.name)
def test_every_checkov_skip_gives_its_reason(path: Path) -> None:
    for resource in template(path)["Resources"].values():
        for skip in resource.get("Metadata", {}).get("checkov", {}).get("skip", []):
            assert set(skip) == {"id", "comment"}
            assert skip["id"].startswith(("CKV_", "CKV2_")) and len(skip["comment"]) > 20


def test_the_function_reads_its_external_id_from_the_secret(
    moto_endpoint: str, account_client: Callable[..., Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    from scanner.core.errors import ConfigError
    from scanner.realtime import handler as lambda_handler

    arn = account_client("secretsmanager").create_secret(
        Name="trailwatch-external-id", SecretString="the-external-id"
    )["ARN"]
    monkeypatch.setenv("TRAILWATCH_ENDPOINT_URL", moto_endpoint)
    monkeypatch.setenv("TRAILWATCH_REGIONS", "us-east-1")
    monkeypatch.setenv("TRAILWATCH_EXTERNAL_ID_SECRET", arn)
    monkeypatch.setattr(lambda_handler, "_STATE", lambda_handler._State())
    watcher = lambda_handler.watcher_from_env(os.environ)
    assert watcher.options.scan.external_id == "the-external-id"

    # an unreadable secret, or a plain external id as well: the invocation fails (and is retried)
    for name, value in (
        ("TRAILWATCH_EXTERNAL_ID_SECRET", arn.replace("external-id", "missing")),
        ("TRAILWATCH_EXTERNAL_ID", "also-plain"),
    ):
        with monkeypatch.context() as m:
            m.setenv(name, value)
            m.setattr(lambda_handler, "_STATE", lambda_handler._State())
            with pytest.raises(ConfigError):
                lambda_handler.handler({"detail-type": "Scheduled Event"}, None)
