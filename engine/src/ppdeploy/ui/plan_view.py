"""``invoke plan``'s tables: each stack's wave, action and changes, dangers called out; then
the idle monthly cost each stack's deploy would add or remove.

The cost is a table of its own, after the plan table, so the plan table's columns stay what
scripts reading it expect.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import TYPE_CHECKING

from ppdeploy.events import Message

if TYPE_CHECKING:
    from ppdeploy.decide.plan import StackPlan
    from ppdeploy.ui import View

COST_COLUMNS = ("stack", "action", "monthly now", "after deploy", "difference")


def rows(plans: Sequence[StackPlan]) -> list[tuple[str, str, str, str]]:
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
        found.append((str(item.wave), item.stack, item.action, "\n".join(lines)))
    return found


def cost_row(item: StackPlan) -> tuple[str, str, str, str, str]:
    """A stack's idle monthly cost before and after its deploy, and the difference.

    An unchanged stack changes nothing (its cost is not read); one the estimate could not
    price (a PricedPlan whose ``monthly`` is None, or a plain StackPlan) shows n/a.
    """
    from ppdeploy.ui.cost_view import dollars, signed_dollars  # noqa: PLC0415 - small, late

    if item.action == "unchanged":
        return (item.stack, item.action, "-", "-", "$0.00")
    priced = getattr(item, "monthly", None)
    if priced is None:
        return (item.stack, item.action, "n/a", "n/a", "n/a")
    return (
        item.stack,
        item.action,
        dollars(priced.before),
        dollars(priced.after),
        signed_dollars(priced.delta),
    )


def cost_rows(plans: Sequence[StackPlan]) -> list[tuple[str, str, str, str, str]]:
    from ppdeploy.ui.cost_view import signed_dollars  # noqa: PLC0415 - small, late

    found = [cost_row(item) for item in plans]
    deltas = [getattr(item, "monthly", None) for item in plans if item.action != "unchanged"]
    total = sum((delta.delta for delta in deltas if delta is not None), Decimal(0))
    known = all(delta is not None for delta in deltas)
    found.append(("total", "", "", "", signed_dollars(total) if known else "n/a"))
    return found


def show(view: View, stage: str, plans: Sequence[StackPlan]) -> None:
    view.table(f"plan for stage {stage}", ("wave", "stack", "action", "changes"), rows(plans))
    for item in plans:
        for danger in item.dangers:
            view.emit(
                Message(
                    f"DANGEROUS: {item.stack}: {danger.describe()}; a deploy refuses it unless "
                    f"given --allow-replace {danger.logical_id}",
                    "warn",
                )
            )
    as_of = next((str(getattr(p, "priced_as_of", "")) for p in plans if hasattr(p, "monthly")), "")
    if as_of:
        view.table(
            f"monthly cost per stack, idle (list prices of {as_of}; `invoke cost` itemises it)",
            COST_COLUMNS,
            cost_rows(plans),
        )
