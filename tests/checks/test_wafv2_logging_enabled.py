"""WAF.11: WAFV2 web ACLs (regional, and CloudFront-scope in the global region) have logging."""

from __future__ import annotations

from checks.wafv2_logging_enabled import CHECK
from scanner.core.datasets.waf import WAFV2_WEB_ACLS, WebAcl
from tests.builders import MGMT, InventoryBuilder, by_resource, run

HOME, OTHER = "us-east-1", "eu-west-1"
DEST = f"arn:aws:logs:us-east-1:{MGMT}:log-group:aws-waf-logs-edge"


def acl(name: str, region: str, scope: str = "REGIONAL", dests: tuple[str, ...] = ()) -> WebAcl:
    kind = "regional" if scope == "REGIONAL" else "global"
    return WebAcl(
        name=name,
        id=name,
        arn=f"arn:aws:wafv2:{region}:{MGMT}:{kind}/webacl/{name}/{name}",
        scope=scope,
        log_destinations=dests,
    )


def test_logging_per_web_acl_in_its_region() -> None:
    b = InventoryBuilder(regions=(HOME, OTHER))
    on, cf = acl("on", HOME, dests=(DEST,)), acl("cf", HOME, "CLOUDFRONT")
    off = acl("off", OTHER)
    b.account(MGMT).put(WAFV2_WEB_ACLS, [on, cf], HOME).put(WAFV2_WEB_ACLS, [off], OTHER)
    findings = run(CHECK, b)
    assert by_resource(findings) == {
        (MGMT, HOME, on.arn): "PASS",
        (MGMT, HOME, cf.arn): "FAIL",
        (MGMT, OTHER, off.arn): "FAIL",
    }
    assert {f.severity.value for f in findings} == {"LOW"}


def test_no_web_acl_no_finding() -> None:
    b = InventoryBuilder(regions=(HOME,))
    b.account(MGMT).put(WAFV2_WEB_ACLS, [])
    assert run(CHECK, b) == []


def test_denied_listing_is_error_for_that_region_only() -> None:
    b = InventoryBuilder(regions=(HOME, OTHER))
    b.account(MGMT).put(WAFV2_WEB_ACLS, [acl("off", HOME)], HOME).fail(
        WAFV2_WEB_ACLS,
        region=OTHER,
        operation="ListLoggingConfigurations",
        iam_action="wafv2:ListLoggingConfigurations",
    )
    findings = run(CHECK, b)
    assert {(f.region, f.status.value) for f in findings} == {(HOME, "FAIL"), (OTHER, "ERROR")}
