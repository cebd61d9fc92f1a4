"""Run a service's own tests before it is deployed; a pass is remembered per artifact."""

from __future__ import annotations

import shutil
import subprocess
import sys

from ppdeploy import project
from ppdeploy.build import Artifact
from ppdeploy.catalog import ServiceSource
from ppdeploy.errors import InputError, PPDeployError


class ServiceTestsFailed(PPDeployError):
    """The service's tests failed: the service is not deployed."""

    exit_code = 4


def run(source: ServiceSource, artifact: Artifact) -> bool:
    """Run the tests unless this exact artifact passed them before; True when they ran."""
    marker = project.state_dir() / "build" / "tested" / f"{source.key}-{artifact.sha256}"
    if marker.exists():
        return False
    if source.runtime == "dotnet":
        dotnet = shutil.which("dotnet")
        if dotnet is None:
            raise InputError(
                f"cannot test {source.service} for the dotnet runtime: the .NET SDK is not "
                "installed",
                fix="install the .NET 10 SDK, or deploy --runtime python",
            )
        command = [dotnet, "test", str(source.tests)]
    else:
        command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                   "--import-mode=importlib", str(source.tests)]  # fmt: skip
    completed = subprocess.run(  # noqa: S603 - fixed command over repository paths
        command, cwd=project.root(), capture_output=True, text=True, check=False
    )
    if completed.returncode != 0:
        raise ServiceTestsFailed(
            f"the tests of {source.key} failed; it was not deployed",
            cause=(completed.stdout + completed.stderr).strip()[-2000:],
            fix=f"run `{' '.join(command[1:] if command[0] == sys.executable else command)}`, "
            "fix the failures, and deploy again",
        )
    marker.parent.mkdir(parents=True, exist_ok=True)
    marker.touch()
    return True
