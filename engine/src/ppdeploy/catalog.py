"""Where each service's template, code, dependencies and tests live.

Every Python service has one layout, ``services/<name>/``: ``pyproject.toml``, the package in
``src/<name>``, ``tests/`` and the SAM template. Its artifact bundles what its project
declares: the packages of the service's project and of each local project it depends on
(``purposepath-ppcommon`` in ``services/common``), found through the same ``pyproject.toml``
files the workspace installs them from, so the tests and the artifact see the same code.
Third-party dependencies are the pinned requirements of those projects.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from ppdeploy import naming, project
from ppdeploy.errors import InputError

PYTHON_RUNTIME_VERSION = "3.13"  # the functions' runtime: python3.13 on arm64
DEFAULT_RUNTIME = {"account": "python", "coaching": "python", "traction": "python"}
RUNTIMES_OF = {"account": ("python", "dotnet"), "coaching": ("python",), "traction": ("python",)}
# The .NET port sits beside the Python service's project, in its own folder.
DOTNET_FOLDER = "dotnet"
_REQUIREMENT_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")


@dataclass(frozen=True)
class ServiceSource:
    """One runtime of one service: what to build, test and deploy."""

    service: str
    runtime: str
    template: Path
    packages: tuple[Path, ...]  # Python packages copied into the artifact's root
    requirements: tuple[str, ...]  # pinned third-party runtime dependencies (pip)
    tests: Path
    dotnet_project: Path | None = None
    # Every folder the service's tests read: its project, the local projects it depends on
    # and those its tests import (code, tests, templates): their content keys the test cache.
    covered: tuple[Path, ...] = ()

    @property
    def key(self) -> str:
        return f"{self.service}-{self.runtime}"


def _distribution(requirement: str) -> str:
    """The normalised distribution name a requirement string names (PEP 503)."""
    match = _REQUIREMENT_NAME.match(requirement.strip())
    return re.sub(r"[-_.]+", "-", match.group(0)).lower() if match else requirement


@cache
def _read_project(folder: Path) -> dict[str, Any]:
    path = folder / "pyproject.toml"
    try:
        with path.open("rb") as stream:
            document = tomllib.load(stream)
    except (OSError, tomllib.TOMLDecodeError) as error:
        raise InputError(
            f"cannot read the Python project {path}",
            cause=str(error),
            fix="restore it from the repository",
        ) from None
    return document


def _local_projects(base: Path) -> dict[str, Path]:
    """Distribution name -> folder, for every project under ``services/``."""
    found = {}
    for path in sorted(base.glob("*/pyproject.toml")):
        found[_distribution(_read_project(path.parent)["project"]["name"])] = path.parent
    return found


@dataclass(frozen=True)
class _Bundle:
    folders: tuple[Path, ...]
    packages: tuple[Path, ...]
    requirements: tuple[str, ...]


def _bundle(base: Path, folder: Path, *, extra: str | None = None) -> _Bundle:
    """The packages and third-party requirements of ``folder``'s project and its local ones.

    With ``extra``, the local projects that optional-dependency group names are followed too.
    """
    local = _local_projects(base)
    folders: list[Path] = []
    packages: list[Path] = []
    requirements: list[str] = []
    pending = [(folder, extra)]
    while pending:
        current, group = pending.pop(0)
        if current in folders:
            continue
        folders.append(current)
        declared = _read_project(current)
        hatch = declared.get("tool", {}).get("hatch", {})
        wheel = hatch.get("build", {}).get("targets", {}).get("wheel", {})
        packages += [current / package for package in wheel.get("packages", [])]
        wanted = list(declared["project"].get("dependencies", []))
        if group is not None:
            wanted += declared["project"].get("optional-dependencies", {}).get(group, [])
        for requirement in wanted:
            name = _distribution(requirement)
            if name in local:
                pending.append((local[name], None))
            elif requirement not in requirements:
                requirements.append(requirement)
    return _Bundle(tuple(folders), tuple(packages), tuple(sorted(requirements)))


def service(name: str, runtime: str | None = None, root: Path | None = None) -> ServiceSource:
    """The sources of ``name`` in ``runtime`` (its default runtime when None)."""
    if name not in naming.SERVICES:
        raise InputError(
            f"unknown service {name!r}",
            cause=f"the platform's services are {', '.join(naming.SERVICES)}",
            fix="use one of them",
        )
    runtime = runtime or DEFAULT_RUNTIME[name]
    if runtime not in RUNTIMES_OF[name]:
        raise InputError(
            f"service {name!r} has no {runtime!r} runtime",
            cause=f"{name} runs on: {', '.join(RUNTIMES_OF[name])}",
            fix=f"use --runtime {RUNTIMES_OF[name][0]}",
        )
    base = (root or project.root()) / "services"
    code = base / name
    if runtime == "dotnet":
        return ServiceSource(
            service=name,
            runtime=runtime,
            template=code / "template-dotnet.yaml",
            packages=(),
            requirements=(),
            tests=code / DOTNET_FOLDER / "tests",
            dotnet_project=code / DOTNET_FOLDER / "src" / "Account",
            # Its tests read the cross-runtime vectors and the template too.
            covered=(code / DOTNET_FOLDER, code / "contract", code / "template-dotnet.yaml"),
        )
    # A service with two runtimes names each template by runtime.
    template = "template.yaml" if len(RUNTIMES_OF[name]) == 1 else f"template-{runtime}.yaml"
    shipped = _bundle(base, code)
    return ServiceSource(
        service=name,
        runtime=runtime,
        template=code / template,
        packages=shipped.packages,
        requirements=shipped.requirements,
        tests=code / "tests",
        covered=_bundle(base, code, extra="test").folders,
    )
