"""Generated files are what the declarations give (`make generate`, deploy/generate.py): the scan
policy, the rule pattern, the CloudFormation blocks and the README listings; a stale one is found
and rewritten."""

from __future__ import annotations

import importlib.util
import json
import shutil
import sys
from pathlib import Path
from types import ModuleType

import pytest

from scanner.aws.permissions import scan_actions
from scanner.core.registry import all_checks
from scanner.realtime.api_calls import CALLS

ROOT = Path(__file__).resolve().parents[1]


def _generator() -> ModuleType:
    spec = importlib.util.spec_from_file_location("generate", ROOT / "deploy" / "generate.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("generate", module)
    spec.loader.exec_module(module)
    return module


generate = _generator()


def test_every_generated_file_is_up_to_date() -> None:
    assert [str(p) for p in generate.stale(ROOT)] == [], "run make generate"


def test_every_output_is_generated_and_the_listings_name_every_action_and_call() -> None:
    outputs = generate.outputs(ROOT)
    names = {str(p) for p in outputs}
    assert {
        "deploy/iam/trailwatch-scan-policy.json",
        "deploy/eventbridge/rule-pattern.json",
        "deploy/cloudformation/trailwatch-scanner.yaml",
        "deploy/cloudformation/trailwatch-member-role.yaml",
        "deploy/cloudformation/realtime.yaml",
        "deploy/cloudformation/realtime-forwarder.yaml",
        "README.md",
    } <= names
    policy = json.loads(outputs[Path("deploy/iam/trailwatch-scan-policy.json")])
    assert sorted(a for st in policy["Statement"] for a in st["Action"]) == scan_actions(
        all_checks()
    )
    readme = outputs[Path("README.md")]
    listing = readme[readme.index("<!-- BEGIN permissions-listing -->") :]
    assert all(f"`{action}`" in listing for action in scan_actions(all_checks()))
    events = readme[readme.index("<!-- BEGIN event-list -->") :]
    assert all(name in events for _, name in CALLS)
    for template in (ROOT / "deploy" / "cloudformation").glob("*.yaml"):
        assert "# BEGIN" in template.read_text(encoding="utf-8"), template.name


@pytest.fixture
def copy(tmp_path: Path) -> Path:
    """The generated files and their sources, in a tree of their own."""
    shutil.copytree(ROOT / "deploy", tmp_path / "deploy")
    shutil.copy(ROOT / "README.md", tmp_path / "README.md")
    return tmp_path


def test_stale_files_are_found_and_rewritten(copy: Path) -> None:
    policy = copy / "deploy" / "iam" / "trailwatch-scan-policy.json"
    policy.write_text(policy.read_text(encoding="utf-8").replace("cloudtrail:", "x:"), "utf-8")
    member = copy / "deploy" / "cloudformation" / "trailwatch-member-role.yaml"
    text = member.read_text(encoding="utf-8")
    member.write_text(text.replace('"kms:ListKeys"', '"kms:*"'), encoding="utf-8")
    readme = copy / "README.md"
    readme.write_text(
        readme.read_text(encoding="utf-8").replace(
            "<!-- END event-list -->", "- stray\n<!-- END event-list -->"
        ),
        encoding="utf-8",
    )
    buildspec = copy / "deploy" / "codebuild" / "buildspec.yml"
    buildspec.write_text(buildspec.read_text(encoding="utf-8") + "# changed\n", "utf-8")
    expected = {
        "deploy/iam/trailwatch-scan-policy.json",
        "deploy/cloudformation/trailwatch-member-role.yaml",
        "deploy/cloudformation/trailwatch-scanner.yaml",  # inlines the changed buildspec
        "README.md",
    }
    assert {str(p) for p in generate.stale(copy)} == expected
    assert {str(p) for p in generate.write(copy)} == expected
    assert generate.stale(copy) == []
    assert member.read_text(encoding="utf-8") == text
    assert "# changed" in (copy / "deploy/cloudformation/trailwatch-scanner.yaml").read_text(
        encoding="utf-8"
    )
