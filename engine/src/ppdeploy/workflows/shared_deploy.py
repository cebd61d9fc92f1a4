"""Deploy the shared infrastructure stack of a stage (``invoke deploy-shared``)."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from ppdeploy.config import Stage
from ppdeploy.decide.stacks import shared_spec
from ppdeploy.events import Reporter
from ppdeploy.model import DeployResult
from ppdeploy.workflows.session import StageSession


def deploy_shared(
    stage: Stage,
    reporter: Reporter,
    *,
    use_local: bool,
    assume_yes: bool,
    force: bool = False,
    allow_replace: Iterable[str] = (),
    template_path: Path | None = None,
) -> DeployResult:
    """Check everything that can be checked offline, then deploy the shared stack."""
    spec = shared_spec(stage, template_path)  # offline checks first, before any AWS call
    session = StageSession.open(
        stage,
        reporter,
        use_local=use_local,
        assume_yes=assume_yes,
        force=force,
        allow_replace=allow_replace,
    )
    if session.stage != stage:  # its parameters resolved on the target, as every task's
        spec = shared_spec(session.stage, template_path)
    return session.deploy(spec)
