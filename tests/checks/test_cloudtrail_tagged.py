"""CloudTrail.9: every owned trail has a tag (system `aws:` tags ignored), or the required keys."""

from __future__ import annotations

from checks.cloudtrail_tagged import CHECK, build_check
from scanner.core.datasets.cloudtrail import TRAIL_TAGS, TrailTags
from tests.builders import MEMBER, MGMT, by_resource, run
from tests.checks.test_cloudtrail_lib import HOME, OTHER, inventory, list_trails, trail


def test_tagged_passes_untagged_fails_in_the_home_region() -> None:
    b = inventory()
    tagged = trail("tagged", home=OTHER)
    bare = trail("bare", multi=False)
    list_trails(b.account(MGMT), tagged, bare)
    b.account(MGMT).put(
        TRAIL_TAGS,
        {tagged.arn: TrailTags(tags={"owner": "security"}), bare.arn: TrailTags()},
    )
    assert by_resource(run(CHECK, b)) == {
        (MGMT, OTHER, tagged.arn): "PASS",
        (MGMT, HOME, bare.arn): "FAIL",
    }


def test_system_tags_are_ignored() -> None:
    b = inventory()
    t = trail("system")
    list_trails(b.account(MGMT), t)
    b.account(MGMT).put(TRAIL_TAGS, {t.arn: TrailTags(tags={"aws:cloudformation:stack-id": "x"})})
    assert by_resource(run(CHECK, b)) == {(MGMT, HOME, t.arn): "FAIL"}


def test_required_tag_keys_must_all_be_present() -> None:
    check = build_check(required_tag_keys=("owner", "cost-center"))
    b = inventory()
    some = trail("some")
    every = trail("every", home=OTHER)
    list_trails(b.account(MGMT), some, every)
    b.account(MGMT).put(
        TRAIL_TAGS,
        {
            some.arn: TrailTags(tags={"owner": "sec"}),
            every.arn: TrailTags(tags={"owner": "sec", "cost-center": "42", "extra": ""}),
        },
    )
    assert by_resource(run(check, b)) == {
        (MGMT, HOME, some.arn): "FAIL",
        (MGMT, OTHER, every.arn): "PASS",
    }


def test_org_trail_is_judged_only_in_its_owner_account() -> None:
    b = inventory()
    org = trail("org", MGMT, org=True)
    list_trails(b.account(MGMT), org)
    list_trails(b.account(MEMBER), org)
    b.account(MGMT).put(TRAIL_TAGS, {org.arn: TrailTags(tags={"k": "v"})})
    b.account(MEMBER).put(TRAIL_TAGS, {})  # the member does not read another account's tags
    assert by_resource(run(CHECK, b)) == {(MGMT, HOME, org.arn): "PASS"}


def test_trail_missing_from_the_tag_data_is_error() -> None:
    b = inventory()
    t = trail("new")
    list_trails(b.account(MGMT), t)
    b.account(MGMT).put(TRAIL_TAGS, {})
    assert by_resource(run(CHECK, b)) == {(MGMT, HOME, t.arn): "ERROR"}


def test_denied_list_tags_is_error_never_fail() -> None:
    b = inventory()
    list_trails(b.account(MGMT), trail("t"))
    b.account(MGMT).fail(TRAIL_TAGS, operation="ListTags", iam_action="cloudtrail:ListTags")
    findings = run(CHECK, b)
    assert findings and {f.status.value for f in findings} == {"ERROR"}
    assert {e.iam_action for f in findings for e in f.errors} == {"cloudtrail:ListTags"}


def test_no_trails_no_findings() -> None:
    b = inventory()
    list_trails(b.account(MGMT))
    b.account(MGMT).put(TRAIL_TAGS, {})
    assert run(CHECK, b) == []
