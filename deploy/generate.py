"""Regenerate every file derived from the declarations: one command, `make generate`.

The checks (`requires`), the collectors (IAM actions and the CloudTrail calls that change their
data, next to each call) and the buildspec are the sources; from them:

- deploy/iam/trailwatch-scan-policy.json: the least-privilege scan policy
  (scanner.aws.permissions);
- deploy/eventbridge/rule-pattern.json: the real-time EventBridge rule pattern
  (scanner.realtime.api_calls);
- deploy/cloudformation/*.yaml: the blocks between `# BEGIN <name>` and `# END <name>` marker
  comments (CloudFormation cannot read local files): the scan policy, the buildspec, the rule
  pattern;
- README.md: the blocks between `<!-- BEGIN <name> -->` and `<!-- END <name> -->`: the
  permissions listing and the list of calls real time reacts to.

`python deploy/generate.py` (with trailwatch importable: the project's .venv) rewrites the files
that changed and names them; `--check` writes nothing and exits 1 naming each out-of-date file
(tests/test_generated.py runs the same check in `make test`).
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from scanner.aws.permissions import DISCOVERY_ACTIONS, policy_actions, scan_policy
from scanner.aws.registry import all_collectors, required_collectors
from scanner.core.registry import all_checks
from scanner.realtime.api_calls import CALLS, rule_pattern

ROOT = Path(__file__).resolve().parent.parent
POLICY = Path("deploy/iam/trailwatch-scan-policy.json")
RULE_PATTERN = Path("deploy/eventbridge/rule-pattern.json")
BUILDSPEC = Path("deploy/codebuild/buildspec.yml")
TEMPLATES = Path("deploy/cloudformation")
README = Path("README.md")

#: A generated block between its marker lines (YAML comments keep the block's indent).
_YAML_BLOCK = re.compile(
    r"^(?P<indent>[ ]*)# BEGIN (?P<name>[\w-]+)\n.*?^(?P=indent)# END (?P=name)\n",
    re.MULTILINE | re.DOTALL,
)
_MARKDOWN_BLOCK = re.compile(
    r"^(?P<indent>)<!-- BEGIN (?P<name>[\w-]+) -->\n.*?^<!-- END (?P=name) -->\n",
    re.MULTILINE | re.DOTALL,
)

BlockMaker = Callable[[str], str]


def policy_document() -> dict[str, Any]:
    return scan_policy(all_checks())


def _json(value: Any) -> str:
    return json.dumps(value, indent=2) + "\n"


# --------------------------------------------------------------------------- CloudFormation


def _policy_yaml(indent: str) -> str:
    """The policy document as YAML (JSON flow values are valid YAML, and exact)."""
    doc = policy_document()
    lines = [f"{indent}PolicyDocument:", f"{indent}  Version: {json.dumps(doc['Version'])}"]
    lines.append(f"{indent}  Statement:")
    for statement in doc["Statement"]:
        first = True
        for key, value in statement.items():
            lead = "- " if first else "  "
            first = False
            if isinstance(value, list):
                lines.append(f"{indent}    {lead}{key}:")
                lines.extend(f"{indent}        - {json.dumps(item)}" for item in value)
            else:
                lines.append(f"{indent}    {lead}{key}: {json.dumps(value)}")
    return "\n".join(lines) + "\n"


def _yaml_lines(value: object, indent: str) -> list[str]:
    """Block YAML of nested dicts and lists of strings (JSON scalars are valid YAML)."""
    lines: list[str] = []
    if isinstance(value, dict):
        for key, item in value.items():
            if isinstance(item, dict | list):
                lines.append(f"{indent}{key}:")
                lines.extend(_yaml_lines(item, indent + "  "))
            else:
                lines.append(f"{indent}{key}: {json.dumps(item)}")
    elif isinstance(value, list):
        lines.extend(f"{indent}- {json.dumps(item)}" for item in value)
    return lines


def _event_pattern_yaml(indent: str) -> str:
    return "\n".join(_yaml_lines({"EventPattern": rule_pattern()}, indent)) + "\n"


def _buildspec_maker(root: Path) -> BlockMaker:
    def make(indent: str) -> str:
        text = (root / BUILDSPEC).read_text(encoding="utf-8")
        body = "".join(
            f"{indent}  {line}" if line.strip() else "\n" for line in text.splitlines(True)
        )
        return f"{indent}BuildSpec: |\n{body}"

    return make


# --------------------------------------------------------------------------- README listings


def _permissions_listing(_: str) -> str:
    """Each IAM action of the scan policy and the datasets (or discovery) that need it."""
    needs: dict[str, list[str]] = {action: [] for action in DISCOVERY_ACTIONS}
    for action in DISCOVERY_ACTIONS:
        needs[action].append("Organization and region discovery")
    for collector in required_collectors(all_checks(), all_collectors()):
        for action in collector.iam_actions:
            needs.setdefault(action, []).append(f"`{collector.dataset.name}`")
    lines = ["| IAM action | needed for |", "|---|---|"]
    for action in sorted(policy_actions(policy_document())):
        lines.append(f"| `{action}` | {', '.join(dict.fromkeys(needs[action]))} |")
    return "\n".join(lines) + "\n"


def _event_list(_: str) -> str:
    """The CloudTrail calls real time reacts to, by event source."""
    by_source: dict[str, list[str]] = {}
    for source, name in sorted(CALLS):
        by_source.setdefault(source, []).append(name)
    return "".join(f"- `{source}`: {', '.join(names)}\n" for source, names in by_source.items())


# --------------------------------------------------------------------------- files


def fill_blocks(text: str, pattern: re.Pattern[str], makers: Mapping[str, BlockMaker]) -> str:
    """`text` with every marked block regenerated (an unknown block name is an error)."""

    def replace(match: re.Match[str]) -> str:
        indent, name = match.group("indent"), match.group("name")
        if name not in makers:
            raise KeyError(f"no generator for the block {name!r}")
        whole = match.group(0)
        begin = whole[: whole.index("\n") + 1]
        end = whole[whole.rindex("\n", 0, len(whole) - 1) + 1 :]
        return begin + makers[name](indent) + end

    return pattern.sub(replace, text)


def outputs(root: Path = ROOT) -> dict[Path, str]:
    """Every generated file (relative to `root`) and the text it must hold."""
    yaml_makers = {
        "scan-policy": _policy_yaml,
        "buildspec": _buildspec_maker(root),
        "event-pattern": _event_pattern_yaml,
    }
    markdown_makers = {"permissions-listing": _permissions_listing, "event-list": _event_list}
    out = {POLICY: _json(policy_document()), RULE_PATTERN: _json(rule_pattern())}
    for path in sorted((root / TEMPLATES).glob("*.yaml")):
        text = path.read_text(encoding="utf-8")
        out[path.relative_to(root)] = fill_blocks(text, _YAML_BLOCK, yaml_makers)
    readme = (root / README).read_text(encoding="utf-8")
    out[README] = fill_blocks(readme, _MARKDOWN_BLOCK, markdown_makers)
    return out


def stale(root: Path = ROOT) -> list[Path]:
    """The generated files whose content is not what the declarations give."""
    found = []
    for rel, text in outputs(root).items():
        path = root / rel
        if not path.is_file() or path.read_text(encoding="utf-8") != text:
            found.append(rel)
    return found


def write(root: Path = ROOT) -> list[Path]:
    """Rewrite the out-of-date generated files; returns them."""
    expected = outputs(root)
    changed = stale(root)
    for rel in changed:
        (root / rel).write_text(expected[rel], encoding="utf-8")
    return changed


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="write nothing; exit 1 if stale")
    args = parser.parse_args(argv)
    if args.check:
        old = stale()
        for rel in old:
            print(f"out of date: {rel} (run make generate)", file=sys.stderr)
        return 1 if old else 0
    for rel in write():
        print(f"updated {rel}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
