"""Copy the shipped scan policy and buildspec into the CloudFormation templates.

CloudFormation cannot read local files, so the templates inline
deploy/iam/trailwatch-scan-policy.json and deploy/codebuild/buildspec.yml between
`# BEGIN <name>` / `# END <name>` marker comments.
Run `python deploy/cloudformation/sync_templates.py` after changing either;
tests/test_deploy.py fails while a template is out of date.
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


GENERATORS = {"scan-policy": _policy_yaml, "buildspec": _buildspec_yaml}


def synced(text: str) -> str:
    def replace(match: re.Match[str]) -> str:
        indent, name = match.group("indent"), match.group("name")
        generated = GENERATORS[name](indent)
        return f"{indent}# BEGIN {name}\n{generated}{indent}# END {name}\n"

    return _BLOCK.sub(replace, text)


def main() -> int:
    for path in TEMPLATES:
        text = path.read_text(encoding="utf-8")
        new = synced(text)
        if new != text:
            path.write_text(new, encoding="utf-8")
            print(f"updated {path.relative_to(DEPLOY.parent)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
