"""`invoke` tasks over a generated stage, for bench/scale.py: the engine's own stage deploy
and plan, given stacks from a folder of templates instead of the repository's four.

    python -m invoke --search-root bench -c scale_tasks deploy --templates DIR
    python -m invoke --search-root bench -c scale_tasks plan --templates DIR

Each template ``NAME.yaml`` is the stack ``NAME`` with the parameter ``Stage``. Like the
repository's tasks, the engine loads inside the task body.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from invoke.context import Context
from invoke.tasks import task

from ppdeploy.tasks.edge import at_edge

if TYPE_CHECKING:
    from ppdeploy.decide.graph import StackGraph
    from ppdeploy.workflows.session import StageSession


def _open(templates_folder: str, stage: str) -> tuple[StageSession, StackGraph]:
    from ppdeploy import config, templates, ui  # noqa: PLC0415 - as the repository's tasks
    from ppdeploy.decide import graph  # noqa: PLC0415 - same
    from ppdeploy.model import StackSpec  # noqa: PLC0415 - same
    from ppdeploy.workflows.session import StageSession  # noqa: PLC0415 - same

    session = StageSession.open(
        config.stage(stage),
        ui.for_output(),
        use_local=True,
        assume_yes=True,
        force=False,
        read_ahead=True,
    )
    specs = [
        StackSpec(
            path.stem,
            templates.load(path),
            parameters={"Stage": stage},
            tags={"purposepath:stage": stage, "purposepath:component": "scale-bench"},
        )
        for path in sorted(Path(templates_folder).glob("*.yaml"))
    ]
    return session, graph.build(specs, existing_exports=session.exports())


@task
@at_edge
def deploy(c: Context, templates: str, stage: str = "dev") -> None:
    """Deploy every generated stack, wave by wave, as `invoke deploy --all` does."""
    from ppdeploy.workflows.stage_deploy import deploy_whole_stage  # noqa: PLC0415 - as above

    session, stage_stacks = _open(templates, stage)
    deploy_whole_stage(session, stage_stacks=stage_stacks)


@task
@at_edge
def plan(c: Context, templates: str, stage: str = "dev") -> None:
    """Plan every generated stack, as `invoke plan` does."""
    from ppdeploy import ui  # noqa: PLC0415 - as above
    from ppdeploy.ui import plan_view  # noqa: PLC0415 - same
    from ppdeploy.workflows.stage_plan import plan_graph  # noqa: PLC0415 - same

    session, stage_stacks = _open(templates, stage)
    plan_view.show(ui.for_output(), stage, plan_graph(session, stage_stacks))
