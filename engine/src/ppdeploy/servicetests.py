"""Run the services' own tests before they are deployed: side by side, and only when needed.

A pass is remembered by a hash of everything the tests read: the service's project (code,
tests, templates), the local projects it depends on (ppcommon) and those its tests import
(pptesting), plus the runtime and the test command. Nothing changed there, the suite is not
run again; one changed byte (or ``force``) runs it. The suites of several services are
independent processes, so they run at once: the slowest one sets the wait, not their sum.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from ppdeploy import project
from ppdeploy.build import Artifact
from ppdeploy.catalog import ServiceSource
from ppdeploy.errors import InputError, PPDeployError

# Bump when what a pass proves changes (the command, what is hashed).
CACHE_VERSION = "2"
# Never test inputs: caches, bytecode, build output (.NET's bin/obj).
IGNORED_DIRS = {"__pycache__", ".pytest_cache", ".mypy_cache", ".ruff_cache", "bin", "obj"}
IGNORED_SUFFIXES = {".pyc", ".pyo"}


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


def tests_hash(source: ServiceSource) -> str:
    """A hash of what the tests of ``source`` read (see the module docstring)."""
    digest = hashlib.sha256()
    covered = source.covered or (source.tests,)
    for part in (CACHE_VERSION, source.key, *source.requirements):
        digest.update(len(part).to_bytes(8, "big") + part.encode())
    for name, path in _covered_files(covered):
        data = path.read_bytes()
        digest.update(len(name).to_bytes(8, "big") + name.encode())
        digest.update(len(data).to_bytes(8, "big") + data)
    return digest.hexdigest()


def _marker(source: ServiceSource) -> Path:
    return project.state_dir() / "build" / "tested" / f"{source.key}-{tests_hash(source)}"


@dataclass(frozen=True)
class _Outcome:
    source: ServiceSource
    argv: list[str]
    completed: subprocess.CompletedProcess[str]


def _environment(source: ServiceSource) -> dict[str, str]:
    """The environment with the source folders of the projects under test first on the path.

    The workspace installs the same folders, so in a checkout this changes nothing; in a
    copy of the project (another checkout, a test's copy) the suite still tests the very
    files the artifact is built from, not whatever checkout the environment points at.
    """
    folders = [folder / "src" for folder in source.covered if (folder / "src").is_dir()]
    inherited = os.environ.get("PYTHONPATH")
    paths = [str(folder) for folder in folders] + ([inherited] if inherited else [])
    return {**os.environ, "PYTHONPATH": os.pathsep.join(paths)} if paths else dict(os.environ)


def _run_one(source: ServiceSource, argv: list[str]) -> _Outcome:
    completed = subprocess.run(  # noqa: S603 - fixed command over repository paths
        argv,
        cwd=project.root(),
        env=_environment(source),
        capture_output=True,
        text=True,
        check=False,
    )
    return _Outcome(source, argv, completed)


def _shown(argv: list[str]) -> str:
    return " ".join(argv[1:] if argv[0] == sys.executable else argv)


def run_all(sources: Sequence[ServiceSource], *, force: bool = False) -> list[ServiceSource]:
    """Run every suite that has not passed on these exact inputs, all at once.

    Returns the sources whose tests ran (and passed); raises ``ServiceTestsFailed`` naming
    every service whose tests failed, each with its output's tail and its command.
    """
    due = [(source, _marker(source)) for source in sources]
    due = [(source, marker) for source, marker in due if force or not marker.exists()]
    if not due:
        return []
    jobs = [(source, marker, command(source)) for source, marker in due]
    with ThreadPoolExecutor(max_workers=len(jobs)) as pool:
        outcomes = list(pool.map(lambda job: _run_one(job[0], job[2]), jobs))
    failed = [outcome for outcome in outcomes if outcome.completed.returncode != 0]
    for (_source, marker, _argv), outcome in zip(jobs, outcomes, strict=True):
        if outcome.completed.returncode == 0:
            marker.parent.mkdir(parents=True, exist_ok=True)
            marker.touch()
    if failed:
        budget = 2000 // len(failed)
        raise ServiceTestsFailed(
            f"the tests of {', '.join(o.source.key for o in failed)} failed; "
            f"{'it was' if len(failed) == 1 else 'they were'} not deployed",
            cause="\n\n".join(
                f"{o.source.key}:\n" + (o.completed.stdout + o.completed.stderr).strip()[-budget:]
                for o in failed
            ),
            fix=" and ".join(f"run `{_shown(o.argv)}`" for o in failed)
            + ", fix the failures, and deploy again",
        )
    return [outcome.source for outcome in outcomes]


def run(source: ServiceSource, artifact: Artifact | None = None, *, force: bool = False) -> bool:
    """Run the tests of one service unless they passed on these inputs; True when they ran.

    ``artifact`` is accepted for callers that have one; the cache key is the tests' inputs,
    which cover everything the artifact is built from.
    """
    del artifact
    return bool(run_all([source], force=force))
