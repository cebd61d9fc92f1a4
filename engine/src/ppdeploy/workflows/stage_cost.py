"""``invoke cost``: a stage's monthly estimate from its templates and stages.toml, offline.

The stacks are the ones a deploy would create (the shared stack and each service in its
default runtime), with the parameters a deploy would give them; nothing talks to AWS.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from ppdeploy import catalog, naming, pricing
from ppdeploy.config import Stage
from ppdeploy.decide import cost_estimate as cost
from ppdeploy.decide import stacks
from ppdeploy.errors import InputError
from ppdeploy.model import StackSpec

NOT_BUILT = "not-built"  # the artifact's bucket and key: a cost never depends on them


@dataclass(frozen=True)
class StageCost:
    stage: str
    prices: pricing.PriceTable
    usage: cost.Usage
    requests: int
    runtimes: dict[str, str]
    stacks: tuple[cost.StackCost, ...]

    @property
    def idle_usd(self) -> Decimal:
        return sum((stack.idle_usd for stack in self.stacks), Decimal(0))

    @property
    def usd(self) -> Decimal:
        return sum((stack.usd for stack in self.stacks), Decimal(0))


def stage_specs(stage: Stage) -> list[StackSpec]:
    """The stacks of ``stage`` as a deploy would create them (services in default runtime)."""
    specs = [stacks.shared_spec(stage)]
    domain = stage.domain if stage.has_custom_domain else ""
    for service in naming.SERVICES:
        specs.append(
            stacks.service_spec(
                stage,
                catalog.service(service),
                artifact_bucket=NOT_BUILT,
                artifact_key=NOT_BUILT,
                domain=domain,
            )
        )
    return specs


def estimate_stage(stage: Stage, requests: int = 0, prices_path: Path | None = None) -> StageCost:
    """The stage's monthly cost idle and at ``requests`` API requests a month."""
    if requests < 0:
        raise InputError(
            f"--requests {requests} is negative",
            fix="give the API requests a month the stage serves, 0 or more",
        )
    prices = pricing.load(stage.region, prices_path)
    specs = stage_specs(stage)
    apis = sum(cost.http_apis(spec.template.document, spec.parameters) for spec in specs)
    # The stage's requests are shared evenly by its APIs; every function behind them has the
    # same per-request assumptions, so the split moves no dollar between totals.
    per_api = Decimal(requests) / apis if apis else Decimal(0)
    usage = cost.Usage(requests_per_api=per_api)
    return StageCost(
        stage=stage.name,
        prices=prices,
        usage=usage,
        requests=requests,
        runtimes={service: catalog.DEFAULT_RUNTIME[service] for service in naming.SERVICES},
        stacks=tuple(
            cost.estimate(spec.name, spec.template.document, spec.parameters, prices, usage)
            for spec in specs
        ),
    )
