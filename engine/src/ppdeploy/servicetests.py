"""Run the services' own tests before they are deployed: side by side, and only when needed.

A pass is remembered by a hash of everything the tests read: the service's project (code,
tests, templates), the local projects it depends on (ppcommon) and those its tests import
(pptesting), plus the runtime, the test command, the interpreter and the installed
distributions it runs them with. Nothing changed there, the suite is not run again; one
changed byte, another version of a library (or ``force``) runs it. Passes are remembered
for the machine's user, not per checkout (in ``tested/`` under ``PPDEPLOY_CACHE_DIR``, the
variable the other content caches read, else ``$XDG_CACHE_HOME/ppdeploy``, else
``~/.cache/ppdeploy``): a fresh clone of sources already tested here, with the same
environment, is the same test run, so it is not repeated.

The suites of several services are independent processes: ``start`` launches every due one
at once and returns at once; ``Suites.wait`` waits for one service's suite, ``wait_all``
(``run_all``) for all of them. The slowest suite sets the wait, not their sum. The deploy
workflows wait for all of them before any stack: overlapping them with the shared stack's
deploy was measured slower on a machine of two cores (``service_deploy.prepare_services``).
"""

from __future__ import annotations

import atexit
import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from ppdeploy import content_cache, project
from ppdeploy.build import Artifact
from ppdeploy.catalog import ServiceSource
from ppdeploy.errors import InputError, PPDeployError

# Bump when what a pass proves changes (the command, its environment, what is hashed).
CACHE_VERSION = "4"
# Never test inputs: caches, bytecode, build output (.NET's bin/obj).
IGNORED_DIRS = {"__pycache__", ".pytest_cache", ".mypy_cache", ".ruff_cache", "bin", "obj"}
IGNORED_SUFFIXES = {".pyc", ".pyo"}
# The services' suites use no pytest plugin from another distribution, and loading the
# installed ones (hypothesis, schemathesis, anyio, xdist: the workspace's other tiers need
# them) costs about 4 CPU seconds per suite before the first test. A suite that comes to
# need a plugin names it with ``-p`` in ``command``; ``dotnet test`` ignores the variable.
SUITE_ENVIRONMENT = {"PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1"}
# How much of a failed suite's output an error carries, in characters, shared by the failures.
OUTPUT_BUDGET = 2000


class ServiceTestsFailed(PPDeployError):
    """The service's tests failed: the service is not deployed."""

    exit_code = 4


def _covered_files(paths: Sequence[Path]) -> Iterator[tuple[str, Path]]:
    for top in paths:
        candidates = sorted(top.rglob("*")) if top.is_dir() else [top]
        for path in candidates:
            relative = path.relative_to(top.parent)
            if IGNORED_DIRS & set(relative.parts) or path.suffix in IGNORED_SUFFIXES:
                continue
            if path.is_file():
                yield relative.as_posix(), path


def command(source: ServiceSource) -> list[str]:
    """The test command of ``source`` (run from the repository root)."""
    if source.runtime == "dotnet":
        dotnet = shutil.which("dotnet")
        if dotnet is None:
            raise InputError(
                f"cannot test {source.service} for the dotnet runtime: the .NET SDK is not "
                "installed",
                fix="install the .NET 10 SDK, or deploy --runtime python",
            )
        return [dotnet, "test", str(source.tests)]
    return [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
            "--import-mode=importlib", str(source.tests)]  # fmt: skip


def installed_distributions() -> list[str]:
    """``name-version`` of every distribution the test interpreter can import, sorted.

    Read from the ``*.dist-info`` / ``*.egg-info`` folder names on the path (a listing, not
    a parse of each METADATA file, so it costs milliseconds): another moto, pytest or boto3
    is another environment, and a pass in one proves nothing about the other.
    """
    found: set[str] = set()
    for entry in sys.path:
        try:
            names = os.listdir(entry or ".")
        except OSError:
            continue
        found.update(
            name.rsplit(".", 1)[0].lower()
            for name in names
            if name.endswith((".dist-info", ".egg-info"))
        )
    return sorted(found)


def _environment_parts() -> tuple[str, ...]:
    return (sys.version, sys.platform, *installed_distributions())


def tests_hash(source: ServiceSource) -> str:
    """A hash of what the tests of ``source`` read (see the module docstring)."""
    digest = hashlib.sha256()
    covered = source.covered or (source.tests,)
    for part in (CACHE_VERSION, source.key, *source.requirements, *_environment_parts()):
        digest.update(len(part).to_bytes(8, "big") + part.encode())
    for name, path in _covered_files(covered):
        data = path.read_bytes()
        digest.update(len(name).to_bytes(8, "big") + name.encode())
        digest.update(len(data).to_bytes(8, "big") + data)
    return digest.hexdigest()


def cache_dir() -> Path:
    """Where passes are remembered for this machine's user (see the module docstring)."""
    configured = os.environ.get(content_cache.CACHE_DIR_VARIABLE)
    if configured:
        return Path(configured)
    xdg = os.environ.get("XDG_CACHE_HOME")
    return (Path(xdg) if xdg else Path.home() / ".cache") / "ppdeploy"


def _marker(source: ServiceSource) -> Path:
    return cache_dir() / "tested" / f"{source.key}-{tests_hash(source)}"


def _environment(source: ServiceSource) -> dict[str, str]:
    """The environment with the source folders of the projects under test first on the path.

    The workspace installs the same folders, so in a checkout this changes nothing; in a
    copy of the project (another checkout, a test's copy) the suite still tests the very
    files the artifact is built from, not whatever checkout the environment points at.
    """
    folders = [folder / "src" for folder in source.covered if (folder / "src").is_dir()]
    inherited = os.environ.get("PYTHONPATH")
    paths = [str(folder) for folder in folders] + ([inherited] if inherited else [])
    environment = {**os.environ, **SUITE_ENVIRONMENT}
    return {**environment, "PYTHONPATH": os.pathsep.join(paths)} if paths else environment


def _shown(argv: list[str]) -> str:
    return " ".join(argv[1:] if argv[0] == sys.executable else argv)


@dataclass
class _Run:
    """One suite running in its own process; its output goes to a temporary file."""

    source: ServiceSource
    marker: Path
    argv: list[str]
    process: subprocess.Popen[bytes]
    output: IO[bytes]
    returncode: int | None = None
    text: str = ""
    lock: threading.Lock = field(default_factory=threading.Lock)

    def finish(self) -> int:
        """Wait for the process (once); remember a pass. Its exit code."""
        with self.lock:
            if self.returncode is None:
                self.returncode = self.process.wait()
                self.output.seek(0)
                self.text = self.output.read().decode("utf-8", "replace")
                self.output.close()
                if self.returncode == 0:
                    self.marker.parent.mkdir(parents=True, exist_ok=True)
                    self.marker.touch()
            return self.returncode

    def stop(self) -> None:
        """End a suite nobody waits for any more (the caller failed or was interrupted)."""
        if self.returncode is None and self.process.poll() is None:
            self.process.terminate()


# Suites running in this process, by their marker's name: a second ``start`` on the same
# inputs (``up`` starts them before the local AWS, ``deploy --all`` asks again) waits for
# the running one instead of starting it twice.
_RUNNING: dict[str, _Run] = {}
_RUNNING_LOCK = threading.Lock()


def _stop_unwaited() -> None:
    for run in list(_RUNNING.values()):
        run.stop()


atexit.register(_stop_unwaited)


def _launch(source: ServiceSource, marker: Path, argv: list[str]) -> _Run:
    output = tempfile.TemporaryFile()  # noqa: SIM115 - closed by _Run.finish
    process = subprocess.Popen(  # noqa: S603 - fixed command over repository paths
        argv,
        cwd=project.root(),
        env=_environment(source),
        stdin=subprocess.DEVNULL,
        stdout=output,
        stderr=subprocess.STDOUT,
    )
    return _Run(source, marker, argv, process, output)


@dataclass
class Suites:
    """The suites ``start`` launched (or found running); each is awaited on its own."""

    runs: dict[str, _Run]  # by ServiceSource.key; a source absent here had passed before

    def wait(self, source: ServiceSource) -> bool:
        """Wait for the suite of ``source``: True when it ran now and passed, False when it
        had passed on these inputs before; ``ServiceTestsFailed`` when it failed."""
        run = self.runs.get(source.key)
        if run is None:
            return False
        if run.finish() != 0:
            raise _failure([run])
        return True

    def wait_all(self) -> list[ServiceSource]:
        """Wait for every suite: the sources whose tests ran (and passed); one
        ``ServiceTestsFailed`` naming every service whose tests failed."""
        failed = [run for run in self.runs.values() if run.finish() != 0]
        if failed:
            raise _failure(failed)
        return [run.source for run in self.runs.values()]

    def stop(self) -> None:
        """End every suite still running (nothing will deploy what they test)."""
        for run in self.runs.values():
            run.stop()


def _failure(failed: Sequence[_Run]) -> ServiceTestsFailed:
    budget = OUTPUT_BUDGET // len(failed)
    return ServiceTestsFailed(
        f"the tests of {', '.join(run.source.key for run in failed)} failed; "
        f"{'it was' if len(failed) == 1 else 'they were'} not deployed",
        cause="\n\n".join(f"{run.source.key}:\n" + run.text.strip()[-budget:] for run in failed),
        fix=" and ".join(f"run `{_shown(run.argv)}`" for run in failed)
        + ", fix the failures, and deploy again",
    )


def start(sources: Sequence[ServiceSource], *, force: bool = False) -> Suites:
    """Launch every suite that has not passed on these exact inputs, all at once; return at
    once. A suite already running in this process on the same inputs is joined, not rerun."""
    runs: dict[str, _Run] = {}
    for source in sources:
        marker = _marker(source)
        with _RUNNING_LOCK:
            running = _RUNNING.get(marker.name)
            if running is not None and running.returncode is None:
                runs[source.key] = running  # still running (or not yet awaited): join it
                continue
            if not force and marker.exists():
                continue
            run = _launch(source, marker, command(source))
            _RUNNING[marker.name] = run
            runs[source.key] = run
    return Suites(runs)


def run_all(sources: Sequence[ServiceSource], *, force: bool = False) -> list[ServiceSource]:
    """Run every suite that has not passed on these exact inputs, all at once, and wait.

    Returns the sources whose tests ran (and passed); raises ``ServiceTestsFailed`` naming
    every service whose tests failed, each with its output's tail and its command.
    """
    return start(sources, force=force).wait_all()


def run(source: ServiceSource, artifact: Artifact | None = None, *, force: bool = False) -> bool:
    """Run the tests of one service unless they passed on these inputs; True when they ran.

    ``artifact`` is accepted for callers that have one; the cache key is the tests' inputs,
    which cover everything the artifact is built from.
    """
    del artifact
    return bool(run_all([source], force=force))
