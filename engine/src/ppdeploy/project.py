"""Where the project's files are: the root (the folder holding ``stages.toml``) and its parts."""

from __future__ import annotations

import os
from pathlib import Path

from ppdeploy.errors import InputError

MARKER = "stages.toml"


def root(start: Path | None = None) -> Path:
    """The project root: ``PPDEPLOY_ROOT`` if set, else the nearest parent holding stages.toml."""
    configured = os.environ.get("PPDEPLOY_ROOT")
    if configured:
        return Path(configured).resolve()
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        if (folder / MARKER).is_file():
            return folder
    raise InputError(
        f"no {MARKER} found in {here} or any parent folder",
        cause="the tasks run from inside a PurposePath deployment checkout",
        fix="cd into the repository (or set PPDEPLOY_ROOT to it)",
    )


def state_dir(project_root: Path | None = None) -> Path:
    """Where local, machine-specific state lives (local AWS pid, build cache); git-ignored."""
    configured = os.environ.get("PPDEPLOY_STATE_DIR")
    folder = Path(configured) if configured else (project_root or root()) / ".ppdeploy"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def shared_template(project_root: Path | None = None) -> Path:
    return (project_root or root()) / "shared-infrastructure" / "template.yaml"


def bootstrap_template(project_root: Path | None = None) -> Path:
    return (project_root or root()) / "bootstrap" / "template.yaml"


def templates(project_root: Path | None = None) -> list[Path]:
    """Every CloudFormation template the project deploys: bootstrap, shared, services."""
    base = project_root or root()
    found = [bootstrap_template(base), shared_template(base)]
    found += sorted(base.glob("services/*/template*.yaml"))
    return [path for path in found if path.is_file()]
