"""The text `invoke drift` prints: each stack's verdict, each drifted resource and its properties.

Plain lines (no colour, no table): the output is read in CI logs as often as on a terminal,
and every line stands on its own when grepped.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # a view names the records it shows without loading their layers
    from ppdeploy.aws.drift_detection import PropertyDrift, ResourceDrift
    from ppdeploy.decide.drift_verdict import StackCheck

MAX_NAMED = 3  # more resources not checked for one reason are counted, not named
KIND_WORDS = {"ADD": "added", "REMOVE": "removed", "NOT_EQUAL": "changed"}


def lines(check: StackCheck) -> list[str]:
    """What to print for one stack."""
    if check.drift is None:
        return [f"{check.stack}: not checked ({check.skipped})"]
    drift = check.drift
    counted = sum(1 for r in drift.resources if r.status not in ("NOT_CHECKED", "UNKNOWN"))
    if drift.drifted:
        out = [
            f"{check.stack}: DRIFTED: {len(drift.drifted)} of {counted} checked resource(s) "
            "differ from the template"
        ]
        for resource in drift.drifted:
            out.extend(_resource_lines(resource))
    else:
        out = [f"{check.stack}: no drift ({counted} resource(s) checked)"]
    if drift.unchecked:
        out.append(_unchecked_line(drift.unchecked))
    return out


def _unchecked_line(unchecked: tuple[ResourceDrift, ...]) -> str:
    """The resources not checked, grouped by type (a stack may have dozens).

    Their reasons are each resource's DriftStatusReason in DescribeStackResourceDrifts.
    """
    by_type: dict[str, list[str]] = {}
    for resource in unchecked:
        by_type.setdefault(resource.resource_type, []).append(resource.logical_id)
    parts = [
        f"{kind}: {', '.join(ids) if len(ids) <= MAX_NAMED else f'{len(ids)} resources'}"
        for kind, ids in sorted(by_type.items())
    ]
    return f"  could not check {len(unchecked)} resource(s): " + "; ".join(parts)


def _resource_lines(resource: ResourceDrift) -> list[str]:
    head = f"  {resource.logical_id} ({resource.resource_type}, {resource.physical_id})"
    if resource.status == "DELETED":
        return [f"{head}: DELETED outside CloudFormation"]
    return [f"{head}: MODIFIED"] + [_property_line(d) for d in resource.differences]


def _property_line(difference: PropertyDrift) -> str:
    kind = KIND_WORDS.get(difference.kind, difference.kind)
    return (
        f"    {difference.path} {kind}: expected {difference.expected}, actual {difference.actual}"
    )
