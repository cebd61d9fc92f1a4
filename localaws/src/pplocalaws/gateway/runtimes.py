"""Which interpreter runs a function, and the libraries the Lambda runtime would provide.

A ``pythonX.Y`` function runs under that Python where one is installed (``pythonX.Y`` on
PATH, or ``~/.pyenv/versions/X.Y*/bin/pythonX.Y``), each candidate checked by running it,
since a pyenv shim on PATH may exist and still refuse to run. Without one the gateway's
own interpreter runs it; :class:`Interpreter` says which, for the log.

AWS's Python runtimes ship boto3 (and what it needs), so handlers do not bundle it. The
gateway gives workers the same: a folder of links to its own pure-Python copies, placed
after the function's code on ``sys.path`` as Lambda places the runtime's.
"""

from __future__ import annotations

import glob
import importlib.util
import os
import re
import shutil
import subprocess
import sys
import threading
from dataclasses import dataclass
from pathlib import Path

# The Lambda Python runtime's provided packages, all pure Python.
RUNTIME_PACKAGES = ("boto3", "botocore", "s3transfer", "jmespath", "dateutil", "six", "urllib3")
_PYTHON_RUNTIME = re.compile(r"^python(?P<version>3\.\d+)$")
_PROBE_TIMEOUT_SECONDS = 10


@dataclass(frozen=True)
class Interpreter:
    executable: str
    version: str  # "3.13"
    exact: bool  # False: the runtime's version is not installed, the gateway's own runs it

    def describe(self, runtime: str) -> str:
        if self.exact:
            return f"{runtime} runs on {self.executable}"
        return (
            f"{runtime} is not installed here; running it on the gateway's Python "
            f"{self.version} ({self.executable})"
        )


class UnsupportedRuntime(Exception):
    """The runtime is not one the local gateway can run; the message says why."""


def python_version_of(runtime: str) -> str:
    """``python3.13`` -> ``3.13``; any other runtime raises :class:`UnsupportedRuntime`."""
    matched = _PYTHON_RUNTIME.match(runtime or "")
    if matched:
        return matched.group("version")
    if runtime.startswith("dotnet"):
        reason = (
            f"runtime {runtime} cannot run in the local gateway: it runs Python handlers "
            "only (no .NET Lambda runtime here); deploy the Python variant of the service "
            "(--runtime python) to serve it locally"
        )
    else:
        reason = (
            f"runtime {runtime or '(none)'} cannot run in the local gateway: "
            "it runs Python (pythonX.Y) functions only"
        )
    raise UnsupportedRuntime(reason)


def _candidates(version: str) -> list[str]:
    found: list[str] = []
    on_path = shutil.which(f"python{version}")
    if on_path:
        found.append(on_path)
    pattern = str(Path.home() / ".pyenv" / "versions" / f"{version}*" / "bin" / f"python{version}")
    found.extend(sorted(glob.glob(pattern), reverse=True))  # newest patch release first
    return found


def _runs_as(executable: str, version: str) -> bool:
    try:
        probe = subprocess.run(  # noqa: S603 - an interpreter path we found, fixed arguments
            [executable, "-c", "import sys; print('%d.%d' % sys.version_info[:2])"],
            capture_output=True,
            text=True,
            timeout=_PROBE_TIMEOUT_SECONDS,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired):
        return False
    return probe.returncode == 0 and probe.stdout.strip() == version


class InterpreterFinder:
    """Finds (once per version) the interpreter for a Python runtime."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._found: dict[str, Interpreter] = {}

    def for_runtime(self, runtime: str) -> Interpreter:
        version = python_version_of(runtime)
        with self._lock:
            if version not in self._found:
                self._found[version] = self._find(version)
            return self._found[version]

    @staticmethod
    def _find(version: str) -> Interpreter:
        for candidate in _candidates(version):
            if _runs_as(candidate, version):
                return Interpreter(candidate, version, exact=True)
        own = "%d.%d" % sys.version_info[:2]  # noqa: UP031 - the same probe the child prints
        return Interpreter(sys.executable, own, exact=own == version)


def provide_runtime_packages(folder: Path) -> Path:
    """Fill ``folder`` with links to this interpreter's copies of the runtime's packages."""
    folder.mkdir(parents=True, exist_ok=True)
    for name in RUNTIME_PACKAGES:
        spec = importlib.util.find_spec(name)
        if spec is None or not spec.origin:
            continue  # not installed here; a handler needing it bundles it, as on AWS
        origin = Path(spec.origin)
        source = origin.parent if origin.name == "__init__.py" else origin
        link = folder / source.name
        if not link.exists():
            os.symlink(source, link)
    return folder
