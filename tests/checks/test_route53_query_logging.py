"""Route53.2: public hosted zones have a query logging configuration; private ones are skipped."""

from __future__ import annotations

from checks.route53_query_logging import CHECK
from scanner.core.datasets.route53 import ROUTE53_HOSTED_ZONES, HostedZone
from tests.builders import MGMT, InventoryBuilder, by_resource, run

HOME = "us-east-1"
GROUP = f"arn:aws:logs:us-east-1:{MGMT}:log-group:/aws/route53/example.com:*"


def zone(zid: str, private: bool = False, groups: tuple[str, ...] = ()) -> HostedZone:
    return HostedZone(
        id=zid,
        arn=f"arn:aws:route53:::hostedzone/{zid}",
        name=f"{zid.lower()}.example.",
        private=private,
        query_log_groups=groups,
    )


def test_public_zones_judged_private_zones_skipped() -> None:
    b = InventoryBuilder(regions=(HOME, "eu-west-1"))
    b.account(MGMT).put(
        ROUTE53_HOSTED_ZONES,
        [zone("Z1", groups=(GROUP,)), zone("Z2"), zone("Z3", private=True)],
    )
    assert by_resource(run(CHECK, b)) == {
        (MGMT, HOME, "arn:aws:route53:::hostedzone/Z1"): "PASS",
        (MGMT, HOME, "arn:aws:route53:::hostedzone/Z2"): "FAIL",
    }


def test_only_private_zones_no_finding() -> None:
    b = InventoryBuilder(regions=(HOME,))
    b.account(MGMT).put(ROUTE53_HOSTED_ZONES, [zone("Z3", private=True)])
    assert run(CHECK, b) == []


def test_denied_listing_is_error_never_fail() -> None:
    b = InventoryBuilder(regions=(HOME,))
    b.account(MGMT).fail(
        ROUTE53_HOSTED_ZONES,
        operation="ListQueryLoggingConfigs",
        iam_action="route53:ListQueryLoggingConfigs",
    )
    findings = run(CHECK, b)
    assert [f.status.value for f in findings] == ["ERROR"]
    assert findings[0].errors[0].iam_action == "route53:ListQueryLoggingConfigs"
