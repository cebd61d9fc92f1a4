"""``invoke cost``: a stage's itemised monthly estimate, offline (no AWS call, no pricing API).

As in every task module, the engine loads inside the task body.
"""

from __future__ import annotations

from invoke.context import Context
from invoke.tasks import task

from ppdeploy.tasks.edge import at_edge


@task(
    help={
        "stage": "stage (declared in stages.toml; default dev)",
        "requests": "API requests a month the stage serves (default 0: idle only)",
        "json": "print the estimate as JSON",
    }
)
@at_edge
def cost(c: Context, stage: str = "dev", requests: int = 0, json_: bool = False) -> None:
    """Itemised monthly cost of a stage from its templates, stages.toml and the price table."""
    import json  # noqa: PLC0415 - tasks load what they use when they run

    from ppdeploy import config, ui  # noqa: PLC0415 - same
    from ppdeploy.ui import cost_view  # noqa: PLC0415 - same
    from ppdeploy.workflows.stage_cost import estimate_stage  # noqa: PLC0415 - same

    estimate = estimate_stage(config.stage(stage), requests)
    if json_:
        print(json.dumps(cost_view.as_json(estimate), indent=2))
        return
    cost_view.show(ui.for_output(), estimate)
