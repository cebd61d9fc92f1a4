"""``invoke plan``'s table: each stack's wave, action, changes and monthly cost difference."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from ppdeploy.events import Message

if TYPE_CHECKING:
    from ppdeploy.decide.plan import StackPlan
    from ppdeploy.ui import View


def monthly(item: StackPlan) -> str:
    """The idle monthly cost difference a deploy of the stack would make, with both totals."""
    if item.action == "unchanged":
        return "$0.00"
    priced = getattr(item, "monthly", None)  # a PricedPlan's; None when it could not be priced
    if priced is None:
        return "n/a"
    from ppdeploy.ui.cost_view import dollars, signed_dollars  # noqa: PLC0415 - only when priced

    return f"{signed_dollars(priced.delta)} ({dollars(priced.before)} -> {dollars(priced.after)})"


def rows(plans: Sequence[StackPlan]) -> list[tuple[str, str, str, str, str]]:
    found = []
    for item in plans:
        dangerous = {danger.logical_id: danger for danger in item.dangers}
        lines = []
        for change in item.changes:
            line = f"{change.action} {change.logical_id}"
            if change.replacement not in ("", "False"):
                line += f" (replacement {change.replacement})"
            if change.logical_id in dangerous:
                line = f"DANGEROUS {line}: {dangerous[change.logical_id].because}"
            lines.append(line)
        found.append((str(item.wave), item.stack, item.action, "\n".join(lines), monthly(item)))
    return found


def show(view: View, stage: str, plans: Sequence[StackPlan]) -> None:
    view.table(
        f"plan for stage {stage}",
        ("wave", "stack", "action", "changes", "monthly, idle"),
        rows(plans),
    )
    for item in plans:
        for danger in item.dangers:
            view.emit(
                Message(
                    f"DANGEROUS: {item.stack}: {danger.describe()}; a deploy refuses it unless "
                    f"given --allow-replace {danger.logical_id}",
                    "warn",
                )
            )
