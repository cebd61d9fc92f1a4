"""``invoke cost``'s output: the itemised table, the totals, and what the estimate leaves out."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING, Any

from ppdeploy.events import Message

if TYPE_CHECKING:
    from ppdeploy.ui import View
    from ppdeploy.workflows.stage_cost import StageCost

CENT = Decimal("0.01")


def dollars(usd: Decimal) -> str:
    return f"${usd.quantize(CENT, rounding=ROUND_HALF_UP):,}"


def signed_dollars(usd: Decimal) -> str:
    cents = usd.quantize(CENT, rounding=ROUND_HALF_UP)
    return f"+${cents:,}" if cents > 0 else f"-${-cents:,}" if cents < 0 else "$0.00"


def quantity(value: Decimal) -> str:
    if value == value.to_integral_value():
        return f"{value:,.0f}"
    return f"{value:,.4f}".rstrip("0").rstrip(".")


def line_rows(estimate: StageCost) -> list[tuple[str, str, str, str, str]]:
    """One row per item, dearest first in each stack; request-driven ones only at N requests.

    A note (a gateway endpoint, an on-demand table: no hourly charge) has no unit and shows
    no quantity.
    """
    return [
        (
            stack.stack,
            line.logical_id,
            line.item,
            f"{quantity(line.quantity)} {line.unit}" if line.unit else "",
            dollars(line.usd),
        )
        for stack in estimate.stacks
        for line in sorted(stack.lines, key=lambda line: (-line.usd, line.logical_id))
        if estimate.requests or not line.by_requests
    ]


def total_rows(estimate: StageCost) -> list[tuple[str, ...]]:
    rows: list[tuple[str, ...]] = []
    for stack in estimate.stacks:
        row = (stack.stack, dollars(stack.idle_usd))
        rows.append((*row, dollars(stack.usd)) if estimate.requests else row)
    total = ("total", dollars(estimate.idle_usd))
    rows.append((*total, dollars(estimate.usd)) if estimate.requests else total)
    return rows


def show(view: View, estimate: StageCost) -> None:
    prices = estimate.prices
    view.table(
        f"monthly cost of stage {estimate.stage}: {prices.region} list prices of "
        f"{prices.compiled} ({prices.path.name}), {prices.hours_per_month} hours a month",
        ("stack", "resource", "charged for", "quantity a month", "USD a month"),
        line_rows(estimate),
    )
    columns = ["stack", "idle USD a month"]
    if estimate.requests:
        columns.append(f"at {estimate.requests:,} API requests a month")
    view.table(f"total of stage {estimate.stage}", columns, total_rows(estimate))
    runtimes = ", ".join(f"{name} {runtime}" for name, runtime in estimate.runtimes.items())
    view.emit(Message(f"services in their default runtime: {runtimes}"))
    if estimate.requests:
        view.emit(Message(f"assumed: {estimate.usage.describe()}"))
    usage_only = [item for stack in estimate.stacks for item in stack.usage_only]
    if usage_only:
        view.emit(
            Message(
                "not estimated, charged by the data or messages they hold: "
                + ", ".join(item.split(" ")[1] for item in usage_only)
            )
        )
    view.emit(
        Message(
            "not included: free tier, data transfer, NAT and endpoint data processing, "
            "storage, KMS and Secrets Manager API calls, backups"
        )
    )
    for stack in estimate.stacks:
        for item in stack.unpriced:
            view.emit(
                Message(
                    f"UNPRICED: {stack.stack}: {item}: the estimate does not know this type; "
                    "add it to ppdeploy/decide/cost_estimate.py",
                    "warn",
                )
            )


def as_json(estimate: StageCost) -> dict[str, Any]:
    """The estimate as data: every line, every total (dollars to 4 places, totals to cents)."""
    prices = estimate.prices
    return {
        "stage": estimate.stage,
        "region": prices.region,
        "prices": {"table": prices.path.name, "compiled": prices.compiled},
        "hours_per_month": int(prices.hours_per_month),
        "requests": estimate.requests,
        "assumptions": estimate.usage.describe(),
        "runtimes": estimate.runtimes,
        "stacks": [
            {
                "stack": stack.stack,
                "idle_usd": float(stack.idle_usd.quantize(CENT, rounding=ROUND_HALF_UP)),
                "usd": float(stack.usd.quantize(CENT, rounding=ROUND_HALF_UP)),
                "lines": [
                    {
                        "resource": line.logical_id,
                        "type": line.resource_type,
                        "item": line.item,
                        "quantity": float(line.quantity),
                        "unit": line.unit,
                        "usd": float(line.usd.quantize(Decimal("0.0001"))),
                        "by_requests": line.by_requests,
                    }
                    for line in stack.lines
                ],
                "usage_only": list(stack.usage_only),
                "unpriced": list(stack.unpriced),
            }
            for stack in estimate.stacks
        ],
        "idle_usd": float(estimate.idle_usd.quantize(CENT, rounding=ROUND_HALF_UP)),
        "usd": float(estimate.usd.quantize(CENT, rounding=ROUND_HALF_UP)),
    }
