"""Hostile data from the scanned accounts (names, tags, policies, descriptions) stays data.

Seeds moto with script tags, attribute and JSON-block breakouts, template syntax, very long and
non-ASCII strings in an account name, account tags, a bucket policy's statement ids, a trail's
settings, a log group and an alarm; scans; and proves that report.html shows them as text (in
headless Chromium, with and without its Content-Security-Policy: no injected script runs), that
findings.json is valid JSON carrying them unchanged, and that every ASFF finding passes botocore's
validation and Security Hub's field limits, cut where too long, never dropped.
"""

from __future__ import annotations

import json
import re
import subprocess
from collections.abc import Callable, Iterator
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from botocore.validate import ParamValidator

from reports.asff import MAX_FINDING_BYTES
from scanner.app.scan import ScanRequest, run_scan
from scanner.aws.collection import ScanOptions
from scanner.aws.session import ClientSettings, Sessions
from scanner.core.inventory import MAX_TEXT, bounded_text
from scanner.core.model import Status
from tests.asff_model import batch_import_shape, model_problems
from tests.conftest import DEFAULT_ACCOUNT
from tests.integration.helpers import make_bucket

CHROMIUM = "/usr/bin/chromium"
FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--virtual-time-budget=3000",  # let event handlers and timers of an injection run
)
PWNED = "PWNED-tw"
JS = f"document.title='{PWNED}'"
SCRIPT = f"<script>{JS}</script>"
IMG = f'<img src=x onerror="{JS}">'
SVG = f'\'"><svg onload="{JS}">'
BREAKOUT = f"</script><script>{JS}</script><!--"  # out of the page's JSON data block
TEMPLATE = "{{ 7*7 }}{% if 1 %}jinja{% endif %}${7*7}#{7*7}"
UNICODE = "Ünïcødé ✓ 日本語 \u202egnp.exe 🔥 \u200b"
HOSTILE = f"{SCRIPT}{IMG}{SVG}{BREAKOUT}{TEMPLATE}{UNICODE}"
LONG = HOSTILE + "é" * 5000 + "<b>end</b>"
REGION = "us-east-1"


@pytest.fixture
def hostile_org(account_client: Callable[..., Any]) -> dict[str, str]:
    """Management account with hostile resources; a member with a hostile name and tags."""
    orgs = account_client("organizations")
    orgs.create_organization(FeatureSet="ALL")
    member = orgs.create_account(
        Email="hostile@example.com",
        AccountName=HOSTILE,
        Tags=[
            {"Key": "owner<script>", "Value": HOSTILE},
            {"Key": "long", "Value": LONG},
        ],
    )["CreateAccountStatus"]["AccountId"]

    bucket = make_bucket(account_client, "tw-hostile-trail-bucket")
    policy = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": HOSTILE,
                "Effect": "Allow",
                "Principal": "*",
                "Action": "s3:GetObject",
                "Resource": f"arn:aws:s3:::{bucket}/*",
            },
            {
                "Sid": LONG,
                "Effect": "Deny",
                "Principal": "*",
                "Action": "s3:*",
                "Resource": [f"arn:aws:s3:::{bucket}", f"arn:aws:s3:::{bucket}/*"],
                "Condition": {"Bool": {"aws:SecureTransport": "false"}},
            },
        ],
    }
    account_client("s3").put_bucket_policy(Bucket=bucket, Policy=json.dumps(policy))

    logs = account_client("logs", REGION)
    logs.create_log_group(logGroupName=HOSTILE)
    trail = account_client("cloudtrail", REGION)
    trail.create_trail(
        Name="hostile.trail-name_1",
        S3BucketName=bucket,
        S3KeyPrefix=HOSTILE,
        IsMultiRegionTrail=True,
        KmsKeyId=f"arn:aws:kms:{REGION}:{DEFAULT_ACCOUNT}:key/{HOSTILE}",
        CloudWatchLogsLogGroupArn=f"arn:aws:logs:{REGION}:{DEFAULT_ACCOUNT}:log-group:{HOSTILE}:*",
        CloudWatchLogsRoleArn=f"arn:aws:iam::{DEFAULT_ACCOUNT}:role/{HOSTILE}",
    )
    trail.start_logging(Name="hostile.trail-name_1")
    account_client("cloudwatch", REGION).put_metric_alarm(
        AlarmName=HOSTILE,
        AlarmDescription=LONG,
        MetricName="RootUsage",
        Namespace="CIS",
        Statistic="Sum",
        Period=300,
        EvaluationPeriods=1,
        Threshold=1,
        ComparisonOperator="GreaterThanOrEqualToThreshold",
        AlarmActions=[f"arn:aws:sns:{REGION}:{DEFAULT_ACCOUNT}:{HOSTILE}"],
    )
    return {"member": member, "bucket": bucket}


@pytest.fixture
def scanned(moto_endpoint: str, hostile_org: dict[str, str], tmp_path: Path) -> Iterator[Path]:
    out = tmp_path / "out"
    request = ScanRequest(
        options=ScanOptions(org=True, regions=(REGION,), endpoint_url=moto_endpoint),
        output_dir=out,
        formats=("json", "asff", "html", "ocsf"),
    )
    outcome = run_scan(request, sessions=Sessions(None, ClientSettings(endpoint_url=moto_endpoint)))
    assert outcome.findings
    yield out


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield str(key)
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)


def test_findings_json_is_valid_and_carries_the_data_unchanged(
    scanned: Path, hostile_org: dict[str, str]
) -> None:
    doc = json.loads((scanned / "findings.json").read_text(encoding="utf-8"))
    text = list(_strings(doc))
    assert bounded_text(HOSTILE) in text  # the member's name (cut to the metadata bound)
    assert bounded_text(LONG) in text  # the long tag value, cut to the bound, not dropped
    for carrier in (
        f"log-group:{HOSTILE}",  # the trail's log group (CloudWatch Logs, retention)
        f"role/{HOSTILE}",  # the trail's CloudWatch Logs role
        f"alarm:{HOSTILE}",  # the alarm's ARN
    ):
        assert any(carrier in s for s in text), carrier
    assert any(HOSTILE in s and "statement" in s.lower() for s in text)  # the policy's Sid
    json.loads((scanned / "findings.ocsf.json").read_text(encoding="utf-8"))


# --- ASFF -------------------------------------------------------------------------------------


def test_asff_passes_validation_and_limits_by_truncation(
    scanned: Path, hostile_org: dict[str, str]
) -> None:
    findings = json.loads((scanned / "findings.json").read_text(encoding="utf-8"))
    docs = json.loads((scanned / "findings.asff.json").read_text(encoding="utf-8"))
    ids = sorted(f["id"] for f in _finding_dicts(findings))
    assert sorted(d["Id"] for d in docs) == ids  # every finding, none dropped
    shape = batch_import_shape()
    report = ParamValidator().validate({"Findings": docs}, shape)
    assert not report.has_errors(), report.generate_report()
    assert model_problems({"Findings": docs}, shape) == []
    member = [d for d in docs if d["AwsAccountId"] == hostile_org["member"]]
    assert member
    for doc in docs:
        assert len(json.dumps(doc, ensure_ascii=False).encode("utf-8")) <= MAX_FINDING_BYTES
        assert len(doc["Title"]) <= 256 and len(doc["Description"]) <= 1024
        fields = doc["ProductFields"]
        assert len(fields) <= 50
        assert all(len(k) <= 128 and 0 < len(v) <= 2048 for k, v in fields.items())
        for reason in doc["Compliance"].get("StatusReasons", []):
            assert len(reason["Description"]) <= 2048
    for doc in member:
        fields = doc["ProductFields"]
        assert fields["trailwatch/AccountName"] == bounded_text(HOSTILE)
        long_tag = fields["trailwatch/tag/long"]
        assert len(long_tag) == MAX_TEXT and LONG.startswith(long_tag[:-1])  # cut, not dropped
    assert any(HOSTILE in r["Id"] for d in docs for r in d["Resources"])


def _finding_dicts(doc: Any) -> list[dict[str, Any]]:
    """The finding objects of findings.json, wherever the document nests them."""
    if isinstance(doc, dict):
        if "check_id" in doc and "id" in doc:
            return [doc]
        return [f for item in doc.values() for f in _finding_dicts(item)]
    if isinstance(doc, list):
        return [f for item in doc for f in _finding_dicts(item)]
    return []


# --- HTML in headless Chromium ----------------------------------------------------------------


class _Dom(HTMLParser):
    """Elements with their attributes, and the visible text, of a serialized DOM."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.elements: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []
        self.scripts: list[str] = []  # the text of scripts the browser runs (not data blocks)
        self.title = ""
        self._stack: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.elements.append((tag, dict(attrs)))
        if tag == "script" and dict(attrs).get("type") not in (None, "", "text/javascript"):
            tag = "data-block"
        if tag not in ("img", "meta", "br", "input", "link", "hr", "wbr"):
            self._stack.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if tag == "script" and self._stack and self._stack[-1] == "data-block":
            tag = "data-block"
        if tag in self._stack:
            while self._stack and self._stack.pop() != tag:
                pass

    def handle_data(self, data: str) -> None:
        current = self._stack[-1] if self._stack else ""
        if current == "script":
            self.scripts.append(data)
        elif current == "title":
            self.title += data
        elif current not in ("style", "data-block"):
            self.text.append(data)


def _render(page: Path, profile: Path) -> _Dom:
    """The page's DOM after load, as headless Chromium serializes it."""
    proc = subprocess.run(
        [CHROMIUM, *FLAGS, f"--user-data-dir={profile}", "--dump-dom", page.as_uri()],
        capture_output=True,
        text=True,
        timeout=90,
        check=False,
    )
    assert proc.returncode == 0 and "<html" in proc.stdout, proc.stderr[-2000:]
    dom = _Dom()
    dom.feed(proc.stdout)
    return dom


def _injected(dom: _Dom) -> list[str]:
    """Every trace of an injection that ran or became markup."""
    found = []
    if PWNED in dom.title:
        found.append(f"title: {dom.title}")
    for tag, attrs in dom.elements:
        handlers = [a for a in attrs if a.startswith("on")]
        if handlers:
            found.append(f"<{tag} {' '.join(handlers)}>")
        ours = tag == "svg" and "chart" in (attrs.get("class") or "").split()  # report charts
        if (tag == "svg" and not ours) or (tag == "img" and attrs.get("src") == "x"):
            found.append(f"<{tag}> element")
    found.extend(f"script: {s[:80]}" for s in dom.scripts if PWNED in s)
    return found


def test_the_detector_sees_an_injection_when_there_is_one(tmp_path: Path) -> None:
    """Positive control: the same payloads pasted raw into a page do run."""
    for payload in (SCRIPT, IMG, SVG):
        page = tmp_path / "raw.html"
        page.write_text(
            f"<!DOCTYPE html><html><head><title>raw</title></head><body><p>{payload}</p></body>"
            "</html>",
            encoding="utf-8",
        )
        dom = _render(page, tmp_path / "profile")
        assert PWNED in dom.title, payload
        assert _injected(dom)


def test_report_html_shows_hostile_data_as_text_and_runs_none_of_it(
    scanned: Path, tmp_path: Path
) -> None:
    report = scanned / "report.html"
    source = report.read_text(encoding="utf-8")
    csp = re.compile(r'<meta http-equiv="Content-Security-Policy"[^>]*>')
    assert csp.search(source)
    # As written, and with the CSP taken out: escaping alone must hold.
    without_csp = tmp_path / "report-without-csp.html"
    without_csp.write_text(csp.sub("", source), encoding="utf-8")
    for page in (report, without_csp):
        dom = _render(page, tmp_path / f"profile-{page.stem}")
        assert dom.title.startswith("trailwatch"), dom.title
        assert _injected(dom) == [], page.name
        visible = "".join(dom.text)
        for piece in (SCRIPT, IMG, TEMPLATE, UNICODE.strip()):
            assert piece in visible, (page.name, piece)
    # the page's data block is JSON that still parses, holding the name as data
    block = re.search(r'<script type="application/json" id="tw-data">(.*?)</script>', source, re.S)
    assert block is not None
    assert bounded_text(HOSTILE) in list(_strings(json.loads(block.group(1))))


def test_hostile_findings_have_verdicts(scanned: Path, hostile_org: dict[str, str]) -> None:
    """The hostile resources were evaluated (not errors): the payloads went through checks."""
    findings = _finding_dicts(json.loads((scanned / "findings.json").read_text("utf-8")))
    statuses = {f["status"] for f in findings if f["account_id"] == hostile_org["member"]}
    assert statuses and statuses <= {s.value for s in Status} - {"ERROR"}
