"""Event selector logic: does a trail record all management events, or all S3 data events?"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from scanner.core.datasets.cloudtrail import AdvancedEventSelector, FieldSelector, TrailSelectors

S3_OBJECT = "AWS::S3::Object"


@dataclass(frozen=True)
class Coverage:
    """Whether a trail's selectors record the events asked for, and why (for reasons/evidence)."""

    ok: bool
    why: str


def _equals_only(fs: FieldSelector, value: str) -> bool:
    """The field selector is `Equals [..value..]` and uses no other operator."""
    others = (fs.starts_with, fs.ends_with, fs.not_equals, fs.not_starts_with, fs.not_ends_with)
    return value in fs.equals and not any(others)


def _field(sel: AdvancedEventSelector, name: str) -> list[FieldSelector]:
    return [fs for fs in sel.field_selectors if fs.field == name]


def _is_category(sel: AdvancedEventSelector, category: str) -> bool:
    return any(category in fs.equals for fs in _field(sel, "eventCategory"))


def management_events(sel: TrailSelectors) -> Coverage:
    """All management events, read and write, from every event source.

    Basic selectors: one selector with IncludeManagementEvents true and ReadWriteType All, and no
    management selector of the trail excludes event sources (the Config rule behind
    CloudTrail.1 is NON_COMPLIANT whenever ExcludeManagementEventSources is not empty).
    No selectors at all is the AWS default (all management events). Advanced selectors: one
    selector whose only field selector is `eventCategory Equals Management`; a `readOnly` field
    (CIS 3.1 audit), an `eventSource` field or any other field narrows it (avoids a false PASS).
    """
    if not sel.event_selectors and not sel.advanced_event_selectors:
        return Coverage(True, "no event selectors: the default records all management events")
    if sel.advanced_event_selectors:
        return _advanced_management(sel.advanced_event_selectors)
    mgmt = [s for s in sel.event_selectors if s.include_management_events]
    if not mgmt:
        return Coverage(False, "IncludeManagementEvents is false on every event selector")
    excluded = sorted({src for s in mgmt for src in s.exclude_management_event_sources})
    if excluded:
        return Coverage(False, f"ExcludeManagementEventSources is set: {', '.join(excluded)}")
    if any(s.read_write_type == "All" for s in mgmt):
        return Coverage(True, "an event selector records all read and write management events")
    kinds = ", ".join(sorted({s.read_write_type for s in mgmt}))
    return Coverage(False, f"management events are limited to ReadWriteType {kinds}")


def _advanced_management(selectors: tuple[AdvancedEventSelector, ...]) -> Coverage:
    mgmt = [s for s in selectors if _is_category(s, "Management")]
    if not mgmt:
        return Coverage(False, "the advanced event selectors record no management events")
    narrowing: set[str] = set()
    for s in mgmt:
        fields = {fs.field for fs in s.field_selectors if fs.field != "eventCategory"}
        category_ok = all(_equals_only(fs, "Management") for fs in _field(s, "eventCategory"))
        if category_ok and not fields:
            return Coverage(True, "an advanced event selector records all management events")
        narrowing |= fields or {"eventCategory"}
    return Coverage(
        False,
        "the management event selectors are narrowed by field(s): " + ", ".join(sorted(narrowing)),
    )


def all_buckets_values(partition: str) -> frozenset[str]:
    """DataResources values that mean every current and future bucket."""
    return frozenset({f"arn:{partition}:s3", f"arn:{partition}:s3:::"})


def s3_data_events(sel: TrailSelectors, *, write: bool, partition: str = "aws") -> Coverage:
    """Write (or read) S3 object-level data events for ALL buckets (S3.22 / S3.23).

    Basic: a selector with ReadWriteType All or WriteOnly (ReadOnly for read) and a DataResource of
    type AWS::S3::Object whose Values include `arn:<partition>:s3` (or `arn:<partition>:s3:::`).
    Advanced: a selector with `eventCategory Equals Data`, `resources.type Equals AWS::S3::Object`,
    `readOnly` absent or `Equals ["false"]` (["true"] for read), and no other field selector:
    `resources.ARN`, `eventName` and the like narrow it to fewer buckets or events, so it is not
    "all" (even a `resources.ARN StartsWith` every bucket; avoids a false PASS).
    """
    kind = "write" if write else "read"
    if sel.advanced_event_selectors:
        return _advanced_s3(sel.advanced_event_selectors, write=write)
    wanted_rw = {"All", "WriteOnly" if write else "ReadOnly"}
    everything = all_buckets_values(partition)
    s3 = [s for s in sel.event_selectors if any(d.type == S3_OBJECT for d in s.data_resources)]
    all_buckets = [
        s
        for s in s3
        if any(d.type == S3_OBJECT and everything & set(d.values) for d in s.data_resources)
    ]
    if any(s.read_write_type in wanted_rw for s in all_buckets):
        return Coverage(True, f"an event selector records {kind} data events for all buckets")
    if all_buckets:
        return Coverage(
            False, f"the all-buckets S3 data event selectors do not record {kind} events"
        )
    if s3:
        return Coverage(False, "S3 data events are recorded for selected buckets only")
    return Coverage(False, "no event selector records S3 object data events")


def _advanced_s3(selectors: tuple[AdvancedEventSelector, ...], *, write: bool) -> Coverage:
    kind = "write" if write else "read"
    wanted = "false" if write else "true"
    s3 = [
        s
        for s in selectors
        if _is_category(s, "Data")
        and any(S3_OBJECT in fs.equals for fs in _field(s, "resources.type"))
    ]
    if not s3:
        return Coverage(False, "no advanced event selector records S3 object data events")
    reasons: set[str] = set()
    for s in s3:
        extra = {
            fs.field
            for fs in s.field_selectors
            if fs.field not in ("eventCategory", "resources.type", "readOnly")
        }
        exact = all(_equals_only(fs, "Data") for fs in _field(s, "eventCategory")) and all(
            _equals_only(fs, S3_OBJECT) for fs in _field(s, "resources.type")
        )
        read_only = _field(s, "readOnly")
        rw_ok = all(_equals_only(fs, wanted) for fs in read_only)
        if exact and rw_ok and not extra:
            return Coverage(
                True, f"an advanced event selector records {kind} data events for all buckets"
            )
        if extra:
            reasons.add("narrowed by field(s) " + ", ".join(sorted(extra)))
        elif not rw_ok:
            reasons.add(f"readOnly excludes {kind} events")
        else:
            reasons.add("eventCategory/resources.type use operators other than Equals")
    return Coverage(False, "the S3 data event selectors are " + "; ".join(sorted(reasons)))


def describe(sel: TrailSelectors) -> dict[str, Any]:
    """The selectors as evidence, in the API's field names."""
    if sel.advanced_event_selectors:
        return {
            "AdvancedEventSelectors": [
                {
                    "Name": s.name,
                    "FieldSelectors": [_describe_field(fs) for fs in s.field_selectors],
                }
                for s in sel.advanced_event_selectors
            ]
        }
    return {
        "EventSelectors": [
            {
                "ReadWriteType": s.read_write_type,
                "IncludeManagementEvents": s.include_management_events,
                "DataResources": [
                    {"Type": d.type, "Values": list(d.values)} for d in s.data_resources
                ],
                "ExcludeManagementEventSources": list(s.exclude_management_event_sources),
            }
            for s in sel.event_selectors
        ]
    }


_OPERATORS = (
    ("Equals", "equals"),
    ("StartsWith", "starts_with"),
    ("EndsWith", "ends_with"),
    ("NotEquals", "not_equals"),
    ("NotStartsWith", "not_starts_with"),
    ("NotEndsWith", "not_ends_with"),
)


def _describe_field(fs: FieldSelector) -> dict[str, Any]:
    out: dict[str, Any] = {"Field": fs.field}
    for api, attr in _OPERATORS:
        values = getattr(fs, attr)
        if values:
            out[api] = list(values)
    return out
