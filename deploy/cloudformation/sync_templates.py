"""Copy the shipped scan policy, buildspec and real-time event pattern into the templates.

CloudFormation cannot read local files, so the templates inline
deploy/iam/trailwatch-scan-policy.json, deploy/codebuild/buildspec.yml and the EventBridge rule
pattern between `# BEGIN <name>` / `# END <name>` marker comments. The rule pattern is generated
from the collectors' event declarations (scanner.realtime.api_calls.rule_pattern) and also written to
deploy/eventbridge/rule-pattern.json.
Run `python deploy/cloudformation/sync_templates.py` (with trailwatch importable, e.g. the
project's .venv) after changing any of them; tests fail while a file is out of date.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

DEPLOY = Path(__file__).resolve().parent.parent
POLICY = DEPLOY / "iam" / "trailwatch-scan-policy.json"
BUILDSPEC = DEPLOY / "codebuild" / "buildspec.yml"
TEMPLATES = sorted((DEPLOY / "cloudformation").glob("*.yaml"))
RULE_PATTERN = DEPLOY / "eventbridge" / "rule-pattern.json"

_BLOCK = re.compile(
    r"^(?P<indent>[ ]*)# BEGIN (?P<name>[\w-]+)\n.*?^(?P=indent)# END (?P=name)\n",
    re.MULTILINE | re.DOTALL,
)


def _policy_yaml(indent: str) -> str:
    """The policy document as YAML (JSON flow values are valid YAML, and exact)."""
    doc = json.loads(POLICY.read_text(encoding="utf-8"))
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


def _buildspec_yaml(indent: str) -> str:
    text = BUILDSPEC.read_text(encoding="utf-8")
    body = "".join(f"{indent}  {line}" if line.strip() else "\n" for line in text.splitlines(True))
    return f"{indent}BuildSpec: |\n{body}"


def rule_pattern_json() -> str:
    """deploy/eventbridge/rule-pattern.json, generated from the collectors' declarations."""
    from scanner.realtime.api_calls import rule_pattern

    return json.dumps(rule_pattern(), indent=2) + "\n"


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
    from scanner.realtime.api_calls import rule_pattern

    return "\n".join(_yaml_lines({"EventPattern": rule_pattern()}, indent)) + "\n"


GENERATORS = {
    "scan-policy": _policy_yaml,
    "buildspec": _buildspec_yaml,
    "event-pattern": _event_pattern_yaml,
}


def synced(text: str) -> str:
    def replace(match: re.Match[str]) -> str:
        indent, name = match.group("indent"), match.group("name")
        generated = GENERATORS[name](indent)
        return f"{indent}# BEGIN {name}\n{generated}{indent}# END {name}\n"

    return _BLOCK.sub(replace, text)


def main() -> int:
    pattern = rule_pattern_json()
    if not RULE_PATTERN.is_file() or RULE_PATTERN.read_text(encoding="utf-8") != pattern:
        RULE_PATTERN.write_text(pattern, encoding="utf-8")
        print(f"updated {RULE_PATTERN.relative_to(DEPLOY.parent)}")
    for path in TEMPLATES:
        text = path.read_text(encoding="utf-8")
        new = synced(text)
        if new != text:
            path.write_text(new, encoding="utf-8")
            print(f"updated {path.relative_to(DEPLOY.parent)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
