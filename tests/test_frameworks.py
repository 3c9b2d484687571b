"""Framework mappings (checks/frameworks/*.yaml): schema, references and Security Hub strings."""

from __future__ import annotations

import re
from collections.abc import Iterator
from importlib import resources
from typing import Any

import pytest
import yaml

from scanner.core.check import Check
from scanner.core.dataset import Scope
from scanner.core.frameworks import Framework, Frameworks
from scanner.core.model import Result, Severity
from scanner.core.registry import all_checks
from scanner.core.view import View

# The check catalogue, from the checks discovered in checks/ (a new check registers nowhere else):
# the Security Hub control ids they implement, and the ids of our own checks.
PLANNED_CONTROLS = frozenset(c.control_id for c in all_checks() if c.control_id)
OWN_CHECKS = frozenset(c.id for c in all_checks() if not c.control_id)
CATALOGUE = PLANNED_CONTROLS | OWN_CHECKS

# controls.md 1.5 / 1.6: StandardsId and RelatedRequirements prefix per framework.
EXPECTED = {
    "cis-1.2": (
        "CIS AWS Foundations Benchmark v1.2.0",
        "/",
        "ruleset/cis-aws-foundations-benchmark/v/1.2.0",
    ),
    "cis-1.4": (
        "CIS AWS Foundations Benchmark v1.4.0",
        "/",
        "standards/cis-aws-foundations-benchmark/v/1.4.0",
    ),
    "cis-3.0": (
        "CIS AWS Foundations Benchmark v3.0.0",
        "/",
        "standards/cis-aws-foundations-benchmark/v/3.0.0",
    ),
    "cis-5.0": (
        "CIS AWS Foundations Benchmark v5.0.0",
        "/",
        "standards/cis-aws-foundations-benchmark/v/5.0.0",
    ),
    "fsbp": (
        "AWS Foundational Security Best Practices v1.0.0",
        "/",
        "standards/aws-foundational-security-best-practices/v/1.0.0",
    ),
    "pci-3.2.1": ("PCI DSS v3.2.1", "/", "standards/pci-dss/v/3.2.1"),
    "pci-4.0.1": ("PCI DSS v4.0.1", "/", "standards/pci-dss/v/4.0.1"),
    "nist-800-53-r5": ("NIST.800-53.r5", " ", "standards/nist-800-53/v/5.0.0"),
    "aws-resource-tagging": (
        "AWS Resource Tagging Standard v1.0.0",
        "/",
        "standards/aws-resource-tagging-standard/v/1.0.0",
    ),
}

REQUIRED_KEYS = {"key", "name", "requirement_prefix", "separator", "standards_id", "requirements"}
REQUIRED_REQ_KEYS = {"id", "title", "checks", "manual"}


def _raw_files() -> list[tuple[str, dict[str, Any]]]:
    folder = resources.files("checks").joinpath("frameworks")
    out = []
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if entry.name.endswith((".yaml", ".yml")):
            out.append((entry.name, yaml.safe_load(entry.read_text(encoding="utf-8"))))
    return out


def _no_results(view: View) -> Iterator[Result]:
    return iter(())


def _check(check_id: str, control_id: str | None = None) -> Check:
    return Check(
        id=check_id,
        title=check_id,
        severity=Severity.LOW,
        resource_type="AwsAccount",
        scope=Scope.ACCOUNT,
        requires=(),
        evaluate=_no_results,
        control_id=control_id,
    )


def _ref(ref: str) -> Check:
    """A stand-in check for a catalogue entry, shaped like the real one will be."""
    if ref in PLANNED_CONTROLS:
        return _check(ref.lower().replace(".", "_"), ref)
    return _check(ref)


@pytest.fixture(scope="module")
def fw() -> Frameworks:
    return Frameworks.load()


@pytest.fixture(scope="module")
def by_key(fw: Frameworks) -> dict[str, Framework]:
    return {f.key: f for f in fw.items}


def test_files_have_required_keys() -> None:
    files = _raw_files()
    assert len(files) == len(EXPECTED)
    for name, raw in files:
        assert set(raw) >= REQUIRED_KEYS, name
        assert raw["requirements"], name
        for req in raw["requirements"]:
            assert set(req) >= REQUIRED_REQ_KEYS, (name, req)
            assert isinstance(req["checks"], list), (name, req["id"])
            assert isinstance(req["manual"], bool), (name, req["id"])
            assert str(req["title"]).strip(), (name, req["id"])


def test_expected_frameworks_with_security_hub_prefixes(by_key: dict[str, Framework]) -> None:
    assert set(by_key) == set(EXPECTED)
    for key, (prefix, separator, standards_id) in EXPECTED.items():
        f = by_key[key]
        assert (f.requirement_prefix, f.separator, f.standards_id) == (
            prefix,
            separator,
            standards_id,
        ), key


def test_requirement_ids_unique_per_framework(fw: Frameworks) -> None:
    for f in fw.items:
        ids = [r.id for r in f.requirements]
        assert len(ids) == len(set(ids)), f.key
        for r in f.requirements:
            assert len(r.checks) == len(set(r.checks)), (f.key, r.id)


def test_requirement_id_shapes(fw: Frameworks) -> None:
    shapes = {
        "cis": r"\d+(\.\d+){1,2}",
        "pci": r"\d+(\.\d+){1,2}",
        "nist": r"[A-Z]{2}-\d+(\(\d+\))?",
    }
    for f in fw.items:
        for r in f.requirements:
            if f.key in ("fsbp", "aws-resource-tagging"):
                assert r.id in PLANNED_CONTROLS and r.checks == (r.id,), r.id
            else:
                assert re.fullmatch(shapes[f.key.split("-")[0]], r.id), (f.key, r.id)


def test_every_referenced_check_is_in_the_catalogue(fw: Frameworks) -> None:
    for f in fw.items:
        for r in f.requirements:
            unknown = set(r.checks) - CATALOGUE
            assert not unknown, (f.key, r.id, unknown)


def test_every_catalogue_check_is_mapped_somewhere(fw: Frameworks) -> None:
    mapped = {c for f in fw.items for r in f.requirements for c in r.checks}
    assert sorted(CATALOGUE - mapped) == []


def test_every_discovered_check_is_mapped(fw: Frameworks) -> None:
    checks = all_checks()
    assert checks, "no checks discovered"
    for check in checks:
        # a RelatedRequirements label, or (tagging-standard-only controls) a standard
        assert fw.requirements_for(check) or fw.standards_for(check), (check.id, check.control_id)
        refs = {check.id, check.control_id} - {None}
        assert refs & CATALOGUE, (check.id, check.control_id)


def test_manual_means_no_check_and_no_check_means_manual(fw: Frameworks) -> None:
    for f in fw.items:
        for r in f.requirements:
            assert r.manual == (not r.checks), (f.key, r.id)


def test_cis_logging_and_monitoring_sections_complete(by_key: dict[str, Framework]) -> None:
    sections = {
        "cis-1.2": [f"2.{n}" for n in range(1, 10)] + [f"3.{n}" for n in range(1, 15)],
        "cis-1.4": [f"3.{n}" for n in range(1, 12)] + [f"4.{n}" for n in range(1, 16)],
        "cis-3.0": [f"3.{n}" for n in range(1, 10)] + [f"4.{n}" for n in range(1, 17)],
        "cis-5.0": [f"3.{n}" for n in range(1, 10)] + [f"4.{n}" for n in range(1, 17)],
    }
    for key, ids in sections.items():
        have = {r.id for r in by_key[key].requirements}
        assert set(ids) <= have, (key, sorted(set(ids) - have))


def test_cis_v3_v5_monitoring_is_automated_by_cloudwatch_checks(
    by_key: dict[str, Framework],
) -> None:
    # CIS 4.x item -> Security Hub CloudWatch control that evaluates the same filter + alarm.
    expected = {"4.1": "CloudWatch.2", "4.2": "CloudWatch.3", "4.3": "CloudWatch.1"}
    expected |= {f"4.{n}": f"CloudWatch.{n}" for n in range(4, 15)}
    for key in ("cis-3.0", "cis-5.0"):
        reqs = {r.id: r for r in by_key[key].requirements}
        for item, control in expected.items():
            assert reqs[item].checks == (control,), (key, item)
            assert not reqs[item].manual, (key, item)
        assert reqs["4.15"].checks == ("cloudwatch_alarm_organizations_changes",), key
        assert reqs["4.16"].checks == ("securityhub_enabled",), key


def test_related_requirements_strings(fw: Frameworks) -> None:
    ct1 = fw.requirements_for(_ref("CloudTrail.1"))
    assert "CIS AWS Foundations Benchmark v5.0.0/3.1" in ct1
    assert "CIS AWS Foundations Benchmark v3.0.0/3.1" in ct1
    assert "CIS AWS Foundations Benchmark v1.4.0/3.1" in ct1
    assert "CIS AWS Foundations Benchmark v1.2.0/2.1" in ct1
    assert "NIST.800-53.r5 AU-12" in ct1
    assert not [r for r in ct1 if r.startswith("PCI DSS")]  # not in either PCI standard

    ct2 = fw.requirements_for(_ref("CloudTrail.2"))
    assert "PCI DSS v3.2.1/3.4" in ct2
    assert "CIS AWS Foundations Benchmark v1.4.0/3.7" in ct2
    # In PCI v4.0.1 but its requirement number is unconfirmed: no invented number.
    assert not [r for r in ct2 if r.startswith("PCI DSS v4.0.1")]

    ct5 = fw.requirements_for(_ref("CloudTrail.5"))
    assert "CIS AWS Foundations Benchmark v1.2.0/2.4" in ct5
    assert "PCI DSS v3.2.1/10.5.3" in ct5
    assert not [r for r in ct5 if "v3.0.0/" in r or "v5.0.0/" in r]  # CIS removed it

    assert "PCI DSS v4.0.1/3.7.4" in fw.requirements_for(_ref("KMS.4"))
    assert "PCI DSS v4.0.1/10.2.1" in fw.requirements_for(_ref("S3.22"))
    assert "CIS AWS Foundations Benchmark v1.2.0/1.1" in fw.requirements_for(_ref("CloudWatch.1"))
    assert "NIST.800-53.r5 AU-9" in fw.requirements_for(_ref("cloudtrail_bucket_tamper_resistant"))


def test_standards_for(fw: Frameworks) -> None:
    ct9 = fw.standards_for(_ref("CloudTrail.9"))
    assert ct9 == ("standards/aws-resource-tagging-standard/v/1.0.0",)
    assert fw.requirements_for(_ref("CloudTrail.9")) == ()
    ct1 = set(fw.standards_for(_ref("CloudTrail.1")))
    assert "standards/aws-foundational-security-best-practices/v/1.0.0" in ct1
    assert "ruleset/cis-aws-foundations-benchmark/v/1.2.0" in ct1
    assert "standards/nist-800-53/v/5.0.0" in ct1
    assert not {s for s in ct1 if "pci-dss" in s}
    ct3 = set(fw.standards_for(_ref("CloudTrail.3")))
    # CloudTrail.3 is in the PCI DSS v4.0.1 standard (controls.md §10) with no known number
    assert ct3 == {"standards/pci-dss/v/3.2.1", "standards/pci-dss/v/4.0.1"}
    assert not [r for r in fw.requirements_for(_ref("CloudTrail.3")) if "v4.0.1" in r]
    # Security Hub writes no FSBP requirement strings; the standard is still associated
    assert not [r for r in fw.requirements_for(_ref("CloudTrail.1")) if "Foundational" in r]


def test_related_requirements_fit_asff_limit(fw: Frameworks) -> None:
    # ASFF Compliance.RelatedRequirements holds at most 32 strings.
    for ref in CATALOGUE:
        assert len(fw.requirements_for(_ref(ref))) <= 32, ref
