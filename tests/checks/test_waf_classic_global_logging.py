"""WAF.1: WAF Classic global web ACLs have logging (pure tests: moto has no WAF Classic API)."""

from __future__ import annotations

from checks.waf_classic_global_logging import CHECK
from scanner.datasets.waf import WAF_CLASSIC_WEB_ACLS, WebAcl
from tests.builders import MGMT, InventoryBuilder, by_resource, run

HOME = "us-east-1"
FIREHOSE = f"arn:aws:firehose:us-east-1:{MGMT}:deliverystream/aws-waf-logs-classic"


def acl(acl_id: str, dests: tuple[str, ...] = ()) -> WebAcl:
    arn = f"arn:aws:waf::{MGMT}:webacl/{acl_id}"
    return WebAcl(name=acl_id, id=acl_id, arn=arn, scope="GLOBAL", log_destinations=dests)


def test_logging_passes_none_fails_once_per_account() -> None:
    b = InventoryBuilder(regions=(HOME, "eu-west-1"))
    b.account(MGMT).put(WAF_CLASSIC_WEB_ACLS, [acl("a", (FIREHOSE,)), acl("b")])
    assert by_resource(run(CHECK, b)) == {
        (MGMT, HOME, f"arn:aws:waf::{MGMT}:webacl/a"): "PASS",
        (MGMT, HOME, f"arn:aws:waf::{MGMT}:webacl/b"): "FAIL",
    }


def test_no_global_web_acl_no_finding() -> None:
    b = InventoryBuilder(regions=(HOME,))
    b.account(MGMT).put(WAF_CLASSIC_WEB_ACLS, [])
    assert run(CHECK, b) == []


def test_unreadable_listing_is_error_never_fail() -> None:
    b = InventoryBuilder(regions=(HOME,))
    b.account(MGMT).fail(
        WAF_CLASSIC_WEB_ACLS, operation="ListWebACLs", iam_action="waf:ListWebACLs"
    )
    findings = run(CHECK, b)
    assert [f.status.value for f in findings] == ["ERROR"]
    assert findings[0].errors[0].iam_action == "waf:ListWebACLs"
