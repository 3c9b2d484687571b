"""Opensearch.4 (error logs) and Opensearch.5 (audit logs) to CloudWatch Logs, per domain."""

from __future__ import annotations

import pytest

from checks import opensearch_audit_logging, opensearch_error_logging
from scanner.core.check import Check
from scanner.core.datasets.opensearch import OPENSEARCH_DOMAINS, Domain, LogPublishing
from scanner.core.model import CollectionError
from tests.builders import MGMT, InventoryBuilder, run

HOME = "us-east-1"
ARN = f"arn:aws:es:{HOME}:{MGMT}:domain/"
GROUP = f"arn:aws:logs:{HOME}:{MGMT}:log-group:/aws/opensearch/x"
OS_4 = opensearch_error_logging.CHECK
OS_5 = opensearch_audit_logging.CHECK


def domain(name: str, **options: LogPublishing) -> Domain:
    return Domain(name=name, arn=ARN + name, engine_type="OpenSearch", log_publishing=options)


ON = LogPublishing(enabled=True, log_group_arn=GROUP)
OFF = LogPublishing(enabled=False, log_group_arn=GROUP)
NO_GROUP = LogPublishing(enabled=True)


def statuses(check: Check, domains: list[Domain]) -> dict[str, str]:
    b = InventoryBuilder(regions=(HOME,))
    b.account(MGMT).put(OPENSEARCH_DOMAINS, domains)
    return {f.resource.id.removeprefix(ARN): f.status.value for f in run(check, b)}


DOMAINS = [
    domain("both", ES_APPLICATION_LOGS=ON, AUDIT_LOGS=ON),
    domain("errors-only", ES_APPLICATION_LOGS=ON, SEARCH_SLOW_LOGS=ON),
    domain("audit-only", AUDIT_LOGS=ON),
    domain("disabled", ES_APPLICATION_LOGS=OFF, AUDIT_LOGS=OFF),
    domain("no-group", ES_APPLICATION_LOGS=NO_GROUP, AUDIT_LOGS=NO_GROUP),
    domain("nothing"),
]


@pytest.mark.parametrize(
    ("check", "passing"),
    [(OS_4, {"both", "errors-only"}), (OS_5, {"both", "audit-only"})],
)
def test_pass_only_when_the_log_type_is_enabled_to_a_log_group(
    check: Check, passing: set[str]
) -> None:
    expected = {d.name: "PASS" if d.name in passing else "FAIL" for d in DOMAINS}
    assert statuses(check, DOMAINS) == expected


@pytest.mark.parametrize("check", [OS_4, OS_5])
def test_deleted_domain_and_no_domain_give_no_finding(check: Check) -> None:
    gone = Domain(name="gone", arn=ARN + "gone", deleted=True)
    assert statuses(check, [gone]) == {}
    assert statuses(check, []) == {}


@pytest.mark.parametrize("check", [OS_4, OS_5])
def test_undescribed_domain_is_error_on_that_domain_only(check: Check) -> None:
    denied = CollectionError(
        operation="DescribeDomains",
        iam_action="es:DescribeDomains",
        code="AccessDenied",
        message="denied",
        region=HOME,
    )
    secret = Domain(
        name="secret",
        arn=ARN + "secret",
        errors=Domain.failed(denied, "deleted", "log_publishing"),
    )
    b = InventoryBuilder(regions=(HOME,))
    b.account(MGMT).put(OPENSEARCH_DOMAINS, [secret, DOMAINS[0]])
    findings = {f.resource.id.removeprefix(ARN): f for f in run(check, b)}
    assert {k: f.status.value for k, f in findings.items()} == {"secret": "ERROR", "both": "PASS"}
    assert findings["secret"].errors[0].iam_action == "es:DescribeDomains"
    assert findings["secret"].resource.type == "AwsOpenSearchServiceDomain"


@pytest.mark.parametrize("check", [OS_4, OS_5])
def test_denied_listing_is_error(check: Check) -> None:
    b = InventoryBuilder(regions=(HOME,))
    b.account(MGMT).fail(
        OPENSEARCH_DOMAINS, operation="ListDomainNames", iam_action="es:ListDomainNames"
    )
    assert [f.status.value for f in run(check, b)] == ["ERROR"]
