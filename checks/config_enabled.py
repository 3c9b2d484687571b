"""Config.1: AWS Config is enabled, records all resource types and uses its service-linked role."""

from __future__ import annotations

from collections.abc import Iterator
from functools import partial
from typing import Any

from scanner.core.check import Check
from scanner.core.dataset import Scope
from scanner.core.datasets.awsconfig import CONFIG, ConfigRecorder, ConfigRegion
from scanner.core.model import CollectionError, Result, Severity, Status
from scanner.core.view import View, error_result

INCLUDE_SLR_CHECK = True
"""Security Hub's `includeConfigServiceLinkedRoleCheck` parameter (default true): when true, a
recorder that does not use the AWSServiceRoleForConfig service-linked role fails. Pass
`build_check(include_slr_check=False)` to turn that part off."""

SLR_PATH = "role/aws-service-role/config.amazonaws.com/AWSServiceRoleForConfig"


def service_linked_role_arn(partition: str, account_id: str) -> str:
    return f"arn:{partition}:iam::{account_id}:{SLR_PATH}"


def _recorder(cfg: ConfigRegion) -> ConfigRecorder | None:
    """The customer-managed recorder (one per region); service-linked ones are ignored."""
    own = [r for r in cfg.recorders if r.customer_managed]
    return own[0] if own else None


def _records_global(cfg: ConfigRegion) -> bool:
    rec = _recorder(cfg)
    return bool(
        rec is not None
        and rec.recording
        and rec.recording_group is not None
        and rec.recording_group.include_global_resource_types
    )


def _describe(cfg: ConfigRegion) -> dict[str, Any]:
    return {
        "ConfigurationRecorders": [
            {
                "name": r.name,
                "roleARN": r.role_arn,
                "recordingGroup": r.recording_group.model_dump() if r.recording_group else None,
                "servicePrincipal": r.service_principal,
                "recording": r.recording,
                "lastStatus": r.last_status,
            }
            for r in cfg.recorders
        ],
        "DeliveryChannels": [c.name for c in cfg.delivery_channels],
    }


def _local_problems(cfg: ConfigRegion, view: View, include_slr_check: bool) -> list[str]:
    problems: list[str] = []
    rec = _recorder(cfg)
    if rec is None:
        problems.append("no configuration recorder")
    else:
        if not rec.recording:
            problems.append(f"recorder {rec.name} is not recording")
        group = rec.recording_group
        if group is None or not group.records_all_supported:
            problems.append(f"recorder {rec.name} does not record all supported resource types")
        if include_slr_check:
            expected = service_linked_role_arn(view.org.inventory.partition, view.account_id)
            if rec.role_arn != expected:
                problems.append(
                    f"recorder {rec.name} uses role {rec.role_arn or '(none)'}, "
                    "not the AWSServiceRoleForConfig service-linked role"
                )
    if not cfg.delivery_channels:
        problems.append("no delivery channel")
    return problems


def _global_recording(
    view: View, here: ConfigRegion
) -> tuple[str | None, tuple[CollectionError, ...]]:
    """The region that records global resource types (None if none), and the regions unknown."""
    if _records_global(here):
        return view.region, ()
    errors: list[CollectionError] = []
    for region in view.regions:
        if region == view.region:
            continue
        other = view.org.find(view.account_id, CONFIG, region)
        if other is None:
            errors.extend(view.org.errors(view.account_id, CONFIG, region))
        elif _records_global(other):
            return region, ()
    return None, tuple(errors)


def evaluate(view: View, include_slr_check: bool = INCLUDE_SLR_CHECK) -> Iterator[Result]:
    """One result per region, on the account.

    FAIL unless, in this region: a customer-managed recorder exists and is recording; it records
    all supported resource types (allSupported true or recordingStrategy
    ALL_SUPPORTED_RESOURCE_TYPES; an inclusion or exclusion strategy fails even though Security
    Hub only asks for the types its enabled controls need, which we cannot know: avoids a false
    PASS); it uses the service-linked role (when include_slr_check); and a delivery channel
    exists. Daily or continuous recording does not matter.

    Global (IAM) resource types: Security Hub requires them in the aggregation Region and
    skips the test in linked Regions. Without an aggregator to go by, every region requires that a
    recording customer-managed recorder with includeGlobalResourceTypes true exists in at least
    one scanned region of the account (any region, not only the home region: AWS recommends
    recording global types in exactly one region). A region not in the scan cannot count. When
    no region is seen recording them but the Config data of another region could not be
    collected, the region is ERROR (the recorder may be there), unless it already fails on its
    own settings. Service-linked recorders (servicePrincipal set) record one service's scope and
    are ignored.
    """
    cfg = view.get(CONFIG)
    problems = _local_problems(cfg, view, include_slr_check)
    global_region, unknown = _global_recording(view, cfg)
    if global_region is None and not unknown:
        problems.append("global resource types (IAM) are not recorded in any region")
    evidence: dict[str, Any] = {
        "api": [
            "config:DescribeConfigurationRecorders",
            "config:DescribeConfigurationRecorderStatus",
            "config:DescribeDeliveryChannels",
        ],
        **_describe(cfg),
        "include_slr_check": include_slr_check,
        "global_resource_types_recorded_in": global_region,
    }
    resource = view.account_resource()
    if problems:
        yield Result(
            status=Status.FAIL,
            resource=resource,
            reason="AWS Config is not fully enabled: " + "; ".join(problems) + ".",
            evidence=evidence,
        )
    elif unknown:
        yield error_result(
            resource,
            unknown,
            evidence,
            lead="Could not tell whether global resource types are recorded",
        )
    else:
        yield Result(
            status=Status.PASS,
            resource=resource,
            reason=(
                "AWS Config records all supported resource types with a delivery channel; "
                f"global resource types are recorded in {global_region}."
            ),
            evidence=evidence,
        )


def build_check(include_slr_check: bool = INCLUDE_SLR_CHECK) -> Check:
    return Check(
        id="config_enabled",
        control_id="Config.1",
        title="AWS Config should be enabled and use the service-linked role for resource recording",
        severity=Severity.CRITICAL,
        resource_type="AwsAccount",
        scope=Scope.REGION,
        requires=(CONFIG,),
        evaluate=partial(evaluate, include_slr_check=include_slr_check),
        rationale=(
            "AWS Config records the configuration history of your resources, which audits, "
            "incident response and change tracking depend on."
        ),
        remediation=(
            "Set up AWS Config in every region with a recorder for all supported resource types "
            "(global types in one region), the AWSServiceRoleForConfig role and a delivery channel."
        ),
        remediation_url="https://docs.aws.amazon.com/securityhub/latest/userguide/config-controls.html#config-1",
    )


CHECK = build_check()
