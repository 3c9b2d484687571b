"""Real time, without AWS: event -> impact mapping, malformed and irrelevant events, the rule
pattern and the CloudFormation templates, the Lambda configuration."""

from __future__ import annotations

import importlib
import json
import logging
from pathlib import Path
from typing import Any

import pytest
import yaml

from checks.lib.event_pattern import matches
from scanner.aws.collector import Collector, on
from scanner.aws.registry import all_collectors, required_collectors
from scanner.core.dataset import Dataset, Scope
from scanner.core.datasets.cloudtrail import TRAIL_STATUS
from scanner.core.datasets.ec2 import VPC_FLOW_LOGS
from scanner.core.errors import ConfigError, TrailwatchError
from scanner.core.registry import all_checks
from scanner.realtime import handler as lambda_handler
from scanner.realtime.api_calls import (
    CALLS,
    DETAIL_TYPE,
    EVENTBRIDGE_SOURCES,
    MAX_EVENT_BYTES,
    MAX_EVENT_DEPTH,
    EventError,
    _compact_names,
    assess,
    calls_of,
    decode_event,
    parse_event,
    read_events,
    rule_pattern,
    sample_event,
)
from scanner.realtime.watch import Outcome, Watcher, WatchOptions

ROOT = Path(__file__).resolve().parents[1]
PATTERN_FILE = ROOT / "deploy" / "eventbridge" / "rule-pattern.json"
TEMPLATES = sorted((ROOT / "deploy" / "cloudformation").glob("realtime*.yaml"))
ACCOUNT = "111122223333"
TRAIL = "cloudtrail.amazonaws.com"

#: Posture-changing calls real time must react to, by eventSource: those that turn a PASS into a
#: FAIL and those that restore it.
LISTED = {
    "cloudtrail.amazonaws.com": (
        "CreateTrail", "UpdateTrail", "DeleteTrail", "StopLogging", "StartLogging",
        "PutEventSelectors", "PutInsightSelectors", "AddTags", "RemoveTags",
    ),
    "ec2.amazonaws.com": ("CreateFlowLogs", "DeleteFlowLogs", "CreateVpc", "DeleteVpc"),
    "config.amazonaws.com": (
        "PutConfigurationRecorder", "StartConfigurationRecorder", "StopConfigurationRecorder",
        "DeleteConfigurationRecorder", "PutDeliveryChannel", "DeleteDeliveryChannel",
        "PutConfigurationAggregator", "DeleteConfigurationAggregator",
    ),
    "s3.amazonaws.com": (
        "CreateBucket", "DeleteBucket", "PutBucketPolicy", "DeleteBucketPolicy", "PutBucketAcl",
        "PutPublicAccessBlock", "DeletePublicAccessBlock", "PutBucketLogging",
        "PutBucketVersioning", "PutObjectLockConfiguration", "PutBucketLifecycle",
        "DeleteBucketLifecycle",
        # the account-level public access block (s3control), under both names CloudTrail uses
        "PutAccountPublicAccessBlock", "DeleteAccountPublicAccessBlock",
    ),
    "kms.amazonaws.com": (
        "EnableKeyRotation", "DisableKeyRotation", "ScheduleKeyDeletion", "CancelKeyDeletion",
    ),
    "logs.amazonaws.com": (
        "PutMetricFilter", "DeleteMetricFilter", "PutRetentionPolicy", "DeleteRetentionPolicy",
        "CreateLogGroup", "DeleteLogGroup",
    ),
    "monitoring.amazonaws.com": (
        "PutMetricAlarm", "DeleteAlarms", "DisableAlarmActions", "EnableAlarmActions",
    ),
    "sns.amazonaws.com": ("DeleteTopic", "Unsubscribe", "Subscribe"),
    "events.amazonaws.com": (
        "PutRule", "DeleteRule", "EnableRule", "DisableRule", "PutTargets", "RemoveTargets",
    ),
    "guardduty.amazonaws.com": ("CreateDetector", "UpdateDetector", "DeleteDetector"),
    "securityhub.amazonaws.com": ("EnableSecurityHub", "DisableSecurityHub"),
    "apigateway.amazonaws.com": (
        "CreateRestApi", "DeleteRestApi", "ImportRestApi", "CreateApi", "DeleteApi", "ImportApi",
        "ReimportApi", "CreateStage", "UpdateStage", "DeleteStage",
    ),
    "states.amazonaws.com": ("CreateStateMachine", "UpdateStateMachine", "DeleteStateMachine"),
    "codebuild.amazonaws.com": ("CreateProject", "UpdateProject", "DeleteProject"),
    "amazonmq.amazonaws.com": ("CreateBroker", "UpdateBroker", "DeleteBroker"),
    "appsync.amazonaws.com": ("CreateGraphqlApi", "UpdateGraphqlApi", "DeleteGraphqlApi"),
    "elasticloadbalancing.amazonaws.com": (
        "CreateLoadBalancer", "DeleteLoadBalancer", "ModifyLoadBalancerAttributes",
    ),
    "cloudfront.amazonaws.com": ("CreateDistribution", "UpdateDistribution", "DeleteDistribution"),
    "route53.amazonaws.com": (
        "CreateHostedZone", "DeleteHostedZone", "CreateQueryLoggingConfig",
        "DeleteQueryLoggingConfig",
    ),
    "wafv2.amazonaws.com": (
        "CreateWebACL", "DeleteWebACL", "PutLoggingConfiguration", "DeleteLoggingConfiguration",
    ),
    "eks.amazonaws.com": ("CreateCluster", "DeleteCluster", "UpdateClusterConfig"),
    "network-firewall.amazonaws.com": ("CreateFirewall", "UpdateLoggingConfiguration"),
    # DocumentDB and Neptune calls are recorded as rds.amazonaws.com
    "rds.amazonaws.com": (
        "CreateDBInstance", "ModifyDBInstance", "DeleteDBInstance", "CreateDBCluster",
        "ModifyDBCluster", "DeleteDBCluster", "RestoreDBClusterFromSnapshot",
    ),
    "redshift.amazonaws.com": ("CreateCluster", "DeleteCluster", "EnableLogging", "DisableLogging"),
    "es.amazonaws.com": (
        "CreateDomain", "UpdateDomainConfig", "DeleteDomain", "UpdateElasticsearchDomainConfig",
    ),
}  # fmt: skip
LISTED_CALLS = sorted((source, name) for source, names in LISTED.items() for name in names)


def _event(source: str, call: str, region: str = "us-east-1", **request: Any) -> dict[str, Any]:
    return sample_event(source, call, ACCOUNT, region, request)


def _reached(event: tuple[str, str]) -> list[str]:
    """The datasets a call changes, worked out here from the collectors' declarations: those
    declaring it, then every dataset depending on one already reached, in collector order."""
    collectors = all_collectors()
    reached = {c.dataset.name for c in collectors if event in c.events}
    grew = True
    while grew:
        more = {
            c.dataset.name
            for c in collectors
            if any(dep.name in reached for dep in c.dataset.depends_on)
        }
        grew = not more <= reached
        reached |= more
    return [c.dataset.name for c in collectors if c.dataset.name in reached]


# --------------------------------------------------------------------------- mapping


def test_every_collector_declares_the_calls_that_change_its_dataset() -> None:
    collectors = all_collectors()
    assert collectors
    for collector in collectors:
        assert collector.events, collector.dataset.name
        for source, name in collector.events:
            assert source in EVENTBRIDGE_SOURCES, (collector.dataset.name, source)
            assert name[:1].isupper() and name.isalnum(), (collector.dataset.name, name)
    # every dataset a check can require is reached by at least one call
    reached = {ds.name for datasets in CALLS.values() for ds in datasets}
    required = {ds.name for check in all_checks() for ds in check.requires}
    assert required <= reached, required - reached


def test_the_table_is_derived_from_the_declarations_and_covers_the_listed_calls() -> None:
    declared = {event for collector in all_collectors() for event in collector.events}
    assert set(CALLS) == declared
    assert set(LISTED_CALLS) <= set(CALLS), sorted(set(LISTED_CALLS) - set(CALLS))
    # a call reaches the datasets that declare it and every dataset that depends on them
    for event, datasets in CALLS.items():
        assert [ds.name for ds in datasets] == _reached(event), event
    assert [ds.name for ds in CALLS[("s3.amazonaws.com", "CreateBucket")]] == [
        "s3.buckets",
        "s3.bucket_policies",
        "s3.bucket_acls",
        "s3.bucket_public_access_blocks",
        "s3.bucket_logging",
        "s3.bucket_versioning",
        "s3.bucket_lifecycle",
    ]
    assert [ds.name for ds in CALLS[("cloudtrail.amazonaws.com", "DeleteTrail")]] == [
        "cloudtrail.trails",
        "cloudtrail.trail_status",
        "cloudtrail.event_selectors",
        "cloudtrail.insight_selectors",
        "cloudtrail.trail_tags",
    ]
    assert {ds.name for ds in CALLS[("logs.amazonaws.com", "DeleteLogGroup")]} == {
        "logs.log_groups",
        "logs.metric_filters",
    }


def test_a_new_collector_brings_its_calls_into_the_table() -> None:
    new: Dataset[list[str]] = Dataset("test.widgets", Scope.REGION, list[str], depends_on=())
    child: Dataset[dict[str, str]] = Dataset(
        "test.widget_settings", Scope.ACCOUNT, dict[str, str], depends_on=(new,)
    )
    grandchild: Dataset[list[str]] = Dataset(
        "test.widget_notes", Scope.ACCOUNT, list[str], depends_on=(child,)
    )
    extra = [
        Collector(new, ("test:ListWidgets",), lambda _ctx: [], events=on("test.x", "MakeWidget")),
        Collector(child, ("test:GetWidget",), lambda _ctx: {}, events=on("test.x", "SetWidget")),
        Collector(grandchild, ("test:GetNotes",), lambda _ctx: [], events=()),
    ]
    table = calls_of([*all_collectors(), *extra])
    assert [ds.name for ds in table[("test.x", "MakeWidget")]] == [
        new.name,
        child.name,
        grandchild.name,
    ]
    assert [ds.name for ds in table[("test.x", "SetWidget")]] == [child.name, grandchild.name]
    assert ("test.x", "GetNotes") not in table
    # the project's own calls are unchanged by the new collectors
    assert {k: v for k, v in table.items() if k[0] != "test.x"} == CALLS


@pytest.mark.parametrize(("source", "name"), LISTED_CALLS)
def test_each_listed_call_affects_the_checks_that_read_its_datasets(source: str, name: str) -> None:
    checks = all_checks()
    impact = assess(_event(source, name, "eu-west-1", name="x"), checks)
    assert impact is not None
    assert (impact.call.account_id, impact.call.region) == (ACCOUNT, "eu-west-1")
    changed = _reached((source, name))
    assert [ds.name for ds in impact.datasets] == changed
    expected = [c.id for c in checks if set(changed) & {ds.name for ds in c.requires}]
    assert expected  # every listed call matters to at least one check
    assert [c.id for c in impact.checks] == expected


def test_stop_logging_affects_trail_status_readers_and_collects_no_vpc() -> None:
    impact = assess(_event("cloudtrail.amazonaws.com", "StopLogging", name="main"), all_checks())
    assert impact is not None
    assert [ds.name for ds in impact.datasets] == [TRAIL_STATUS.name]
    labels = {c.label for c in impact.checks}
    assert {"CloudTrail.1", "CloudTrail.3", "cloudtrail_logging_delivering"} <= labels
    assert not labels & {"EC2.6", "CloudTrail.4", "KMS.4", "S3.2"}
    collected = {c.dataset.name for c in required_collectors(impact.checks, all_collectors())}
    assert VPC_FLOW_LOGS.name not in collected
    assert impact.every_region  # the trail status is account-level
    assert impact.call.resource == "main"


@pytest.mark.parametrize(
    ("source", "name", "every_region"),
    [
        ("ec2.amazonaws.com", "CreateFlowLogs", False),
        ("kms.amazonaws.com", "DisableKeyRotation", False),
        ("events.amazonaws.com", "PutRule", False),
        ("cloudtrail.amazonaws.com", "UpdateTrail", True),  # multi-Region trails: every listing
        ("s3.amazonaws.com", "PutBucketPolicy", True),  # account-level dataset
        ("logs.amazonaws.com", "PutMetricFilter", True),  # read by every region's CloudWatch.x
        ("config.amazonaws.com", "StopConfigurationRecorder", True),  # global types, any region
    ],
)
def test_regional_changes_stay_in_their_region_only_when_local(
    source: str, name: str, every_region: bool
) -> None:
    impact = assess(_event(source, name), all_checks())
    assert impact is not None
    assert impact.every_region is every_region


def test_a_subset_of_checks_narrows_the_impact() -> None:
    vpc_only = [c for c in all_checks() if c.label == "EC2.6"]
    impact = assess(_event("cloudtrail.amazonaws.com", "StopLogging"), vpc_only)
    assert impact is not None and impact.checks == ()


def test_a_cloudtrail_record_is_read_like_an_eventbridge_event() -> None:
    record = {
        "eventSource": "cloudtrail.amazonaws.com",
        "eventName": "StopLogging",
        "awsRegion": "eu-west-1",
        "recipientAccountId": ACCOUNT,
        "eventTime": "2026-03-01T12:00:00Z",
        "eventID": "abc",
        "requestParameters": {"name": "arn:aws:cloudtrail:eu-west-1:111122223333:trail/t"},
    }
    call = parse_event(record)
    assert call is not None
    assert (call.account_id, call.region, call.event_name) == (ACCOUNT, "eu-west-1", "StopLogging")
    assert call.time is not None and call.time.year == 2026


# --------------------------------------------------------------------------- irrelevant, malformed


@pytest.mark.parametrize(
    "event",
    [
        {"detail-type": "AWS Console Sign In via CloudTrail", "detail": {}},
        {"detail-type": "EC2 Instance State-change Notification", "detail": {"state": "running"}},
        _event("ec2.amazonaws.com", "RunInstances"),
        _event("cloudtrail.amazonaws.com", "LookupEvents"),
        _event("s3.amazonaws.com", "StopLogging"),  # the name of another service's call
        {**_event("cloudtrail.amazonaws.com", "StopLogging"),
         "detail": {**_event("cloudtrail.amazonaws.com", "StopLogging")["detail"],
                    "errorCode": "AccessDenied"}},  # a failed call changed nothing
    ],
)  # fmt: skip
def test_irrelevant_events_are_a_logged_no_op(
    event: dict[str, Any], caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.DEBUG, logger="scanner.realtime.api_calls"):
        assert parse_event(event) is None
    assert any(r.levelno == logging.DEBUG and "ignored" in r.message for r in caplog.records)


def _without(path: tuple[str, ...]) -> dict[str, Any]:
    event: dict[str, Any] = json.loads(json.dumps(_event(TRAIL, "StopLogging")))
    holder = event
    for key in path[:-1]:
        holder = holder[key]
    del holder[path[-1]]
    return event


def _with(path: tuple[str, ...], value: Any) -> dict[str, Any]:
    event: dict[str, Any] = json.loads(json.dumps(_event(TRAIL, "StopLogging")))
    holder = event
    for key in path[:-1]:
        holder = holder[key]
    holder[path[-1]] = value
    return event


@pytest.mark.parametrize(
    "event",
    [
        None,
        "StopLogging",
        [1, 2],
        {},
        {"hello": "world"},
        _without(("detail-type",)),
        _with(("detail",), "not an object"),
        _without(("detail", "eventSource")),
        _with(("detail", "eventName"), 42),
        _without(("account",)),
        _with(("account",), "12345"),
        _with(("region",), "moon-1"),
        _without(("region",)),
        _with(("detail", "requestParameters"), ["not", "an", "object"]),
    ],
)
def test_malformed_events_raise_a_clear_error(event: Any) -> None:
    with pytest.raises(EventError) as info:
        parse_event(event)
    assert isinstance(info.value, TrailwatchError)
    assert str(info.value)


def test_read_events_yields_errors_for_bad_lines(tmp_path: Path) -> None:
    path = tmp_path / "events.jsonl"
    good = _event("kms.amazonaws.com", "DisableKeyRotation", keyId="k")
    path.write_text(json.dumps(good) + "\n\n{not json\n" + json.dumps({"x": 1}) + "\n")
    lines = list(read_events(path))
    assert [n for n, _ in lines] == [1, 3, 4]
    assert lines[0][1] == good
    assert isinstance(lines[1][1], EventError)
    with pytest.raises(EventError):
        list(read_events(tmp_path / "missing.jsonl"))


def test_watcher_makes_no_session_for_irrelevant_or_malformed_events() -> None:
    watcher = Watcher(WatchOptions(securityhub=True))
    results = [
        watcher.handle(_event("ec2.amazonaws.com", "RunInstances")),
        watcher.handle({"detail-type": "AWS API Call via CloudTrail", "detail": []}),
        watcher.handle(EventError("line 3 is not JSON")),
    ]
    assert [r.outcome for r in results] == [Outcome.IGNORED, Outcome.MALFORMED, Outcome.MALFORMED]
    assert [r.exit_code for r in results] == [0, 2, 2]
    assert not any(r.retryable for r in results)
    assert watcher.api_calls == 0
    assert watcher._sessions is None  # not even credentials were looked up


# --------------------------------------------------------------------------- deploy/


def test_rule_pattern_file_is_generated_from_the_table() -> None:
    assert json.loads(PATTERN_FILE.read_text()) == rule_pattern()
    # EventBridge's default quota on an event pattern: 2048 characters
    assert len(json.dumps(rule_pattern(), separators=(",", ":"))) <= 2048


def test_rule_pattern_matches_every_call_of_the_table() -> None:
    pattern = rule_pattern()
    assert all(matches(pattern, _event(source, name)) for source, name in CALLS)


def test_names_on_one_resource_are_compacted_into_a_suffix() -> None:
    names = ["CreateTrail", "DeleteTrail", "StopLogging", "UpdateTrail", "PutBucketPolicy"]
    assert _compact_names(names) == ["PutBucketPolicy", "StopLogging", {"suffix": "Trail"}]


def test_a_whole_service_is_only_one_without_data_events() -> None:
    pattern = rule_pattern()
    alternatives = pattern.get("$or", [pattern])
    whole = [a for a in alternatives if "eventName" not in a["detail"]]
    for alternative in whole:
        assert alternative["detail"] == {"readOnly": [False]}
        assert not {"aws.s3", "aws.logs", "aws.ec2"} & set(alternative["source"])
    put_object = _event("s3.amazonaws.com", "PutObject")
    put_object["detail"]["readOnly"] = False
    assert not matches(pattern, put_object)
    create_stream = _event("logs.amazonaws.com", "CreateLogStream")
    create_stream["detail"]["readOnly"] = False
    assert not matches(pattern, create_stream)


@pytest.mark.parametrize(("source", "name"), LISTED_CALLS)
def test_rule_pattern_matches_each_listed_call(source: str, name: str) -> None:
    pattern = json.loads(PATTERN_FILE.read_text())
    event = _event(source, name)
    assert event["source"] == EVENTBRIDGE_SOURCES[source]
    assert matches(pattern, event)


@pytest.mark.parametrize(
    "event",
    [
        _event("ec2.amazonaws.com", "RunInstances"),
        _event("iam.amazonaws.com", "CreateUser"),
        {**_event("cloudtrail.amazonaws.com", "StopLogging"), "detail-type": "Something else"},
        {**_event("cloudtrail.amazonaws.com", "StopLogging"), "source": "custom.app"},
        # a read-only call of a source matched whole (the scan's own DescribeDBInstances)
        {
            **_event("rds.amazonaws.com", "DescribeDBInstances"),
            "detail": {
                **_event("rds.amazonaws.com", "DescribeDBInstances")["detail"],
                "readOnly": True,
            },
        },
    ],
)
def test_rule_pattern_does_not_match_other_events(event: dict[str, Any]) -> None:
    assert not matches(json.loads(PATTERN_FILE.read_text()), event)


class _CfnLoader(yaml.SafeLoader):
    """YAML with CloudFormation's short intrinsic tags (!Ref, !Sub, ...) kept as plain values."""


def _intrinsic(loader: yaml.SafeLoader, suffix: str, node: yaml.Node) -> Any:
    if isinstance(node, yaml.ScalarNode):
        value: Any = loader.construct_scalar(node)
    elif isinstance(node, yaml.SequenceNode):
        value = loader.construct_sequence(node, deep=True)
    elif isinstance(node, yaml.MappingNode):
        value = loader.construct_mapping(node, deep=True)
    else:
        raise TypeError(f"unexpected YAML node {node!r}")
    return {suffix: value}


_CfnLoader.add_multi_constructor("!", _intrinsic)


def _template(path: Path) -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.load(path.read_text(), Loader=_CfnLoader)
    return loaded


def _resources(kind: str) -> list[tuple[str, dict[str, Any]]]:
    found = []
    for path in TEMPLATES:
        for name, res in _template(path)["Resources"].items():
            if res["Type"] == kind:
                found.append((f"{path.name}:{name}", res))
    return found


def test_both_templates_exist() -> None:
    assert [p.name for p in TEMPLATES] == ["realtime-forwarder.yaml", "realtime.yaml"]


def test_every_rule_in_the_templates_uses_the_rule_pattern() -> None:
    rules = _resources("AWS::Events::Rule")
    assert {name for name, _ in rules} == {
        "realtime-forwarder.yaml:ForwardRule",
        "realtime.yaml:OrganizationRule",
        "realtime.yaml:LocalRule",
    }
    pattern = json.loads(PATTERN_FILE.read_text())
    for name, rule in rules:
        assert rule["Properties"]["EventPattern"] == pattern, name


def test_the_function_handler_exists() -> None:
    ((_, function),) = _resources("AWS::Lambda::Function")
    handler = function["Properties"]["Handler"]
    assert handler == lambda_handler.HANDLER == "scanner.realtime.handler.handler"
    module, _, attr = handler.rpartition(".")
    assert callable(getattr(importlib.import_module(module), attr))
    variables = function["Properties"]["Environment"]["Variables"]
    assert all(key.startswith("TRAILWATCH_") for key in variables)
    lambda_handler.options_from_env({k: "" for k in variables})  # every variable is understood


def test_the_function_role_has_the_scan_policy_import_and_assume_role() -> None:
    ((_, role),) = [r for r in _resources("AWS::IAM::Role") if r[0].endswith("FunctionRole")]
    policies = {p["PolicyName"]: p["PolicyDocument"] for p in role["Properties"]["Policies"]}
    shipped = json.loads((ROOT / "deploy" / "iam" / "trailwatch-scan-policy.json").read_text())
    assert policies["trailwatch-scan"] == shipped
    statements = [s for doc in policies.values() for s in doc["Statement"] if "Action" in s]
    actions = {a for s in statements for a in _listed(s["Action"])}
    assert {"securityhub:BatchImportFindings", "securityhub:GetFindings"} <= actions
    assert {"securityhub:DescribeHub", "sts:AssumeRole"} <= actions


def _listed(value: str | list[str]) -> list[str]:
    return [value] if isinstance(value, str) else value


# --------------------------------------------------------------------------- Lambda configuration


def test_options_from_env_defaults_and_values() -> None:
    defaults = lambda_handler.options_from_env({})
    assert defaults.securityhub and not defaults.securityhub_passed and not defaults.dry_run
    assert defaults.scan.role_name == "OrganizationAccountAccessRole"
    assert defaults.scan.regions is None and defaults.checks == ()
    opts = lambda_handler.options_from_env(
        {
            "TRAILWATCH_ROLE_NAME": "Scan",
            "TRAILWATCH_EXTERNAL_ID": "x-1",
            "TRAILWATCH_HOME_REGION": "eu-west-1",
            "TRAILWATCH_REGIONS": "eu-west-1, us-east-1",
            "TRAILWATCH_CHECKS": "CloudTrail.1",
            "TRAILWATCH_SECURITYHUB": "false",
            "TRAILWATCH_SECURITYHUB_PASSED": "yes",
            "TRAILWATCH_EXCLUDE_ACCOUNTS": ACCOUNT,
            "AWS_ENDPOINT_URL": "http://127.0.0.1:1",
        }
    )
    assert (opts.scan.role_name, opts.scan.external_id) == ("Scan", "x-1")
    assert opts.scan.home_region == "eu-west-1"
    assert opts.scan.regions == ("eu-west-1", "us-east-1")
    assert opts.checks == ("CloudTrail.1",)
    assert not opts.securityhub and opts.securityhub_passed
    assert opts.scan.exclude_accounts == (ACCOUNT,)
    assert opts.scan.endpoint_url == "http://127.0.0.1:1"


@pytest.mark.parametrize(
    "env",
    [
        {"TRAILWATCH_SECURITYHUB": "maybe"},
        {"TRAILWATCH_ACCOUNTS": "123"},
        {"TRAILWATCH_REGIONS": "moon-1"},
        {"TRAILWATCH_MAX_WORKERS": "0"},
    ],
)
def test_bad_configuration_is_a_config_error(env: dict[str, str]) -> None:
    with pytest.raises(ConfigError):
        lambda_handler.options_from_env(env)


def test_handler_never_raises_for_irrelevant_or_malformed_events(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(lambda_handler, "_STATE", lambda_handler._State())
    monkeypatch.setenv("TRAILWATCH_ENDPOINT_URL", "http://127.0.0.1:9")  # never contacted
    ignored = lambda_handler.handler(_event("ec2.amazonaws.com", "RunInstances"), None)
    assert ignored["outcome"] == "ignored"
    malformed = lambda_handler.handler({"detail-type": DETAIL_TYPE}, None)
    assert malformed["outcome"] == "malformed"
    batch = {
        "Records": [
            {"messageId": "m1", "eventSource": "aws:sqs", "body": "{not json"},
            {"messageId": "m2", "eventSource": "aws:sqs",
             "body": json.dumps(_event("sns.amazonaws.com", "Publish"))},
        ]
    }  # fmt: skip
    out = lambda_handler.handler(batch, None)
    # the malformed message fails alone (to the queue's dead-letter queue), the other succeeds
    assert out["batchItemFailures"] == [{"itemIdentifier": "m1"}]
    assert [r["outcome"] for r in out["results"]] == ["malformed", "ignored"]
    watcher = lambda_handler._STATE.watcher
    assert watcher is not None and watcher.api_calls == 0


# --------------------------------------------------------------------------- bounds, poison pills

_DEEP = "[" * 100_000 + "]" * 100_000
_HOSTILE_BODIES: list[Any] = [
    _DEEP,  # RecursionError in json.loads without the depth bound
    '{"detail": ' * 70 + "1" + "}" * 70,  # just past MAX_EVENT_DEPTH
    json.dumps({**_event(TRAIL, "StopLogging"), "pad": "x" * MAX_EVENT_BYTES}),  # oversized
    "{not json",
    "",
    None,
    42,
    {"already": "an object"},  # SQS bodies are strings
    ["a", "list"],
    b"\xff\xfe\x00binary",
    "[1, 2, 3]",  # JSON, but not an event
    json.dumps({"detail-type": DETAIL_TYPE, "detail": {"eventSource": 1}}),
]


@pytest.mark.parametrize("body", _HOSTILE_BODIES)
def test_hostile_bodies_are_event_errors_or_malformed_events(body: Any) -> None:
    try:
        raw = decode_event(body)
    except EventError:
        return
    with pytest.raises(EventError):
        parse_event(raw)


def test_bounds_accept_every_real_event_and_refuse_beyond() -> None:
    event = _event(TRAIL, "StopLogging", name="main")
    assert decode_event(json.dumps(event)) == event
    assert decode_event(json.dumps(event).encode()) == event
    deep: Any = "x"
    for _ in range(MAX_EVENT_DEPTH + 1):
        deep = {"k": deep}
    with pytest.raises(EventError):  # an already-decoded event (a direct Lambda invocation)
        parse_event({**event, "detail": {**event["detail"], "requestParameters": deep}})
    with pytest.raises(EventError):
        parse_event({**event, "pad": ["x" * 1024] * (MAX_EVENT_BYTES // 1024)})


def test_read_events_survives_deep_and_oversized_lines(tmp_path: Path) -> None:
    good = json.dumps(_event("kms.amazonaws.com", "DisableKeyRotation", keyId="k"))
    path = tmp_path / "events.jsonl"
    path.write_bytes(
        b"\n".join(
            [
                good.encode(),
                b"{not json",
                _DEEP.encode(),
                b'"' + b"x" * (MAX_EVENT_BYTES + 10) + b'"',
                good.encode(),
            ]
        )
        + b"\n"
    )
    lines = list(read_events(path))
    assert [n for n, _ in lines] == [1, 2, 3, 4, 5]
    assert [isinstance(v, EventError) for _, v in lines] == [False, True, True, True, False]


def test_an_events_file_with_binary_content_is_refused_whole(tmp_path: Path) -> None:
    """An events file is UTF-8 text: binary content means the wrong file, refused as a whole."""
    good = json.dumps(_event("kms.amazonaws.com", "DisableKeyRotation", keyId="k"))
    path = tmp_path / "events.jsonl"
    path.write_bytes(good.encode() + b"\n\xff\xfe\x00\x01binary\n")
    with pytest.raises(EventError):
        list(read_events(path))


def _sqs(message_id: str, body: Any) -> dict[str, Any]:
    return {"messageId": message_id, "eventSource": "aws:sqs", "body": body}


def test_a_batch_of_hostile_messages_fails_each_alone_and_never_raises(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(lambda_handler, "_STATE", lambda_handler._State())
    monkeypatch.setenv("TRAILWATCH_ENDPOINT_URL", "http://127.0.0.1:9")  # never contacted
    records: list[Any] = [_sqs("ok-1", json.dumps(_event("ec2.amazonaws.com", "RunInstances")))]
    records += [_sqs(f"bad-{n}", body) for n, body in enumerate(_HOSTILE_BODIES)]
    records += [
        "not a record",
        {"messageId": "foreign", "eventSource": "aws:kinesis", "body": "{}"},
        _sqs("ok-2", json.dumps(_event("sns.amazonaws.com", "Publish"))),
    ]
    out = lambda_handler.handler({"Records": records}, None)
    failed = [f["itemIdentifier"] for f in out["batchItemFailures"]]
    assert failed == [f"bad-{n}" for n in range(len(_HOSTILE_BODIES))] + ["foreign"]
    outcomes = [r["outcome"] for r in out["results"]]
    assert outcomes[0] == outcomes[-1] == "ignored"
    assert set(outcomes[1:-1]) == {"malformed"}
    json.dumps(out)  # the response is JSON (Lambda serialises it)
    watcher = lambda_handler._STATE.watcher
    assert watcher is not None and watcher.api_calls == 0


def test_undelivered_findings_are_a_delivery_failure_but_a_region_without_the_hub_is_not() -> None:
    from scanner.publish.securityhub import ImportPlan, ImportReport, SkippedScope, Undelivered
    from scanner.realtime.watch import _delivery_failed

    plan = ImportPlan(targets=[])
    not_enabled = SkippedScope(ACCOUNT, "eu-west-1", "Security Hub is not enabled here (x)", 3)
    unread = Undelivered("id", ACCOUNT, "us-east-1", "GET_FINDINGS_FAILED", "GetFindings", "E", "")
    assert not _delivery_failed(ImportReport(plan))
    assert not _delivery_failed(ImportReport(plan, skipped=[not_enabled]))
    assert _delivery_failed(ImportReport(plan, skipped=[not_enabled], undelivered=[unread]))
