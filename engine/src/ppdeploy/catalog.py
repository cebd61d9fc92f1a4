"""Where each service's template, code, dependencies and tests live (DESIGN §2)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ppdeploy import naming, project
from ppdeploy.errors import InputError

PYTHON_RUNTIME_VERSION = "3.13"  # the functions' runtime: python3.13 on arm64
DEFAULT_RUNTIME = {"account": "python", "coaching": "python", "traction": "python"}
RUNTIMES_OF = {"account": ("python", "dotnet"), "coaching": ("python",), "traction": ("python",)}


@dataclass(frozen=True)
class ServiceSource:
    """One runtime of one service: what to build, test and deploy."""

    service: str
    runtime: str
    template: Path
    packages: tuple[Path, ...]  # Python packages copied into the artifact's root
    requirements: Path | None  # pure-Python runtime dependencies (pip)
    tests: Path
    dotnet_project: Path | None = None

    @property
    def key(self) -> str:
        return f"{self.service}-{self.runtime}"


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
    common = base / "common" / "ppcommon"
    if name == "account" and runtime == "dotnet":
        return ServiceSource(
            service=name,
            runtime=runtime,
            template=base / "account" / "template-dotnet.yaml",
            packages=(),
            requirements=None,
            tests=base / "account" / "dotnet" / "tests",
            dotnet_project=base / "account" / "dotnet" / "src" / "Account",
        )
    if name == "account":
        code = base / "account" / "python"
        return ServiceSource(
            service=name,
            runtime=runtime,
            template=base / "account" / "template-python.yaml",
            packages=(code / "account", common),
            requirements=code / "requirements.txt",
            tests=code / "tests",
        )
    code = base / name
    return ServiceSource(
        service=name,
        runtime=runtime,
        template=code / "template.yaml",
        packages=(code / "src" / name, common),
        requirements=code / "requirements.txt",
        tests=code / "tests",
    )
