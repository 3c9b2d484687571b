"""securityhub_findings_to_siem: an enabled rule with a target forwards imported findings."""

from __future__ import annotations

from typing import Any

import pytest

from checks.securityhub_findings_to_siem import CHECK
from scanner.core.datasets.eventbridge import EVENT_RULES, EventRule
from tests.builders import MGMT, by_resource, run
from tests.checks.test_cloudtrail_lib import HOME, OTHER, inventory
from tests.checks.test_critical_api_alerting import rule

ACCOUNT = f"AWS::::Account:{MGMT}"
FINDINGS = {"source": ["aws.securityhub"], "detail-type": ["Security Hub Findings - Imported"]}


def statuses(rules: dict[str, list[EventRule]]) -> dict[str, str]:
    b = inventory()
    acct = b.account(MGMT)
    for region in acct.regions:
        acct.put(EVENT_RULES, rules.get(region, []), region)
    return {r: s for (_, r, _), s in by_resource(run(CHECK, b)).items()}


def test_rule_with_a_target_passes_in_its_region_only() -> None:
    assert statuses({HOME: [rule("siem", FINDINGS)]}) == {HOME: "PASS", OTHER: "FAIL"}


def test_rules_in_every_region_pass_everywhere() -> None:
    got = statuses({HOME: [rule("siem", FINDINGS)], OTHER: [rule("siem", FINDINGS, region=OTHER)]})
    assert got == {HOME: "PASS", OTHER: "PASS"}


@pytest.mark.parametrize(
    ("kwargs", "pattern"),
    [
        ({"state": "DISABLED"}, FINDINGS),
        ({"targets": 0}, FINDINGS),
        ({}, {"source": ["aws.securityhub"], "detail-type": ["Security Hub Insight Results"]}),
        ({}, {"source": ["aws.guardduty"]}),
        ({}, {**FINDINGS, "detail": {"findings": {"Severity": {"Label": ["LOW"]}}}}),
        ({}, {"source": "aws.securityhub"}),  # invalid: not an array
    ],
    ids=["disabled", "no targets", "insights only", "other source", "low only", "invalid"],
)
def test_rules_that_do_not_forward_findings_fail(kwargs: dict[str, Any], pattern: Any) -> None:
    assert statuses({HOME: [rule("siem", pattern, **kwargs)]})[HOME] == "FAIL"


def test_severity_filtered_rule_that_keeps_critical_findings_passes() -> None:
    pattern = {**FINDINGS, "detail": {"findings": {"Severity": {"Label": ["HIGH", "CRITICAL"]}}}}
    assert statuses({HOME: [rule("siem", pattern)]})[HOME] == "PASS"


def test_evidence_names_the_rules() -> None:
    b = inventory()
    b.account(MGMT).put(
        EVENT_RULES, [rule("siem", FINDINGS), rule("off", FINDINGS, state="DISABLED")]
    )
    f = next(f for f in run(CHECK, b) if f.region == HOME)
    assert f.resource.id == ACCOUNT
    assert f.evidence["covering_rules"] == ["siem"]
    assert f.evidence["matching_but_unusable"][0]["rule"] == "off"
    assert f.severity.value == "LOW"


def test_failed_listing_is_error() -> None:
    b = inventory()
    b.account(MGMT).put(EVENT_RULES, [rule("siem", FINDINGS)], HOME)
    b.account(MGMT).fail(EVENT_RULES, region=OTHER, operation="ListRules")
    got = by_resource(run(CHECK, b))
    assert got == {(MGMT, HOME, ACCOUNT): "PASS", (MGMT, OTHER, ACCOUNT): "ERROR"}
