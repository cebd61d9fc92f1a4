"""The monthly difference a deploy would make to one stack: its template now against next."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from ppdeploy.decide import cost_estimate as cost
from ppdeploy.pricing import PriceTable


@dataclass(frozen=True)
class CostChange:
    """A stack's idle monthly cost before and after a deploy (None before: a new stack)."""

    before: Decimal
    after: Decimal

    @property
    def delta(self) -> Decimal:
        return self.after - self.before


def change(
    stack: str,
    deployed: Mapping[str, Any] | None,
    deployed_parameters: Mapping[str, str],
    proposed: Mapping[str, Any],
    proposed_parameters: Mapping[str, str],
    prices: PriceTable,
) -> CostChange:
    """Idle cost only: request-driven costs depend on traffic, not on the change."""
    after = cost.estimate(stack, proposed, proposed_parameters, prices).idle_usd
    if deployed is None:
        return CostChange(Decimal(0), after)
    before = cost.estimate(stack, deployed, deployed_parameters, prices).idle_usd
    return CostChange(before, after)
