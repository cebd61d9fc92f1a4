"""The engine installed alone (a wheel of ./engine): no moto, no local AWS, and it says so.

A fresh virtualenv gets the engine and nothing else, as a machine that deploys only to AWS
would. Slow (a real install, from the package index or pip's cache), so integration tier.
"""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.integration


def run(*command: str | Path, cwd: Path = ROOT, env: dict[str, str] | None = None) -> str:
    result = subprocess.run(  # noqa: S603 - the test's own fixed commands
        [str(part) for part in command],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return result.stdout


@pytest.fixture(scope="module")
def engine_alone(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A virtualenv holding the engine (a wheel of ./engine) and its dependencies only."""
    folder = tmp_path_factory.mktemp("engine-alone")
    venv = folder / "venv"
    run(sys.executable, "-m", "venv", venv)
    python = venv / "bin" / "python"
    # The wheel is built by this environment's hatchling (the build backend ./engine names;
    # the lint extra brings it) rather than by pip in an isolated build environment it
    # would first fill from the package index; without hatchling here, pip does that.
    target = ROOT / "engine"
    if importlib.util.find_spec("hatchling"):
        wheels = folder / "wheels"
        run(sys.executable, "-m", "hatchling", "build", "-t", "wheel", "-d", wheels, cwd=target)
        (target,) = wheels.glob("ppdeploy-*.whl")
    # --no-compile: no bytecode for every installed module (cfn-lint's dependencies are
    # large); what the tests import compiles on import, as it would anyway.
    run(python, "-m", "pip", "install", "-q", "--no-compile", "--disable-pip-version-check", target)
    return python


def test_the_engine_alone_brings_neither_moto_nor_the_local_aws(engine_alone: Path) -> None:
    found = run(
        engine_alone,
        "-c",
        "import importlib.util as u; "
        "print([m for m in ('moto', 'pplocalaws', 'samtranslator') if u.find_spec(m)])",
        cwd=ROOT / "engine",  # not the checkout root: nothing there may shadow an install
    )

    assert found.strip() == "[]"


def test_the_engine_alone_imports_and_lists_the_tasks(engine_alone: Path) -> None:
    run(
        engine_alone,
        "-c",
        "import ppdeploy, ppdeploy.tasks.deploy, ppdeploy.workflows.stage_deploy, "
        "ppdeploy.workflows.service_deploy",
    )
    listed = run(engine_alone.parent / "invoke", "--list")

    assert "deploy" in listed
    assert "switch-runtime" in listed


def test_local_says_the_local_aws_package_is_not_installed(
    engine_alone: Path, tmp_path: Path
) -> None:
    result = subprocess.run(  # noqa: S603 - the venv's own invoke, fixed arguments
        [str(engine_alone.parent / "invoke"), "deploy", "--all", "--stage", "dev", "--local"],
        cwd=ROOT,
        env={"PATH": str(engine_alone.parent), "PPDEPLOY_STATE_DIR": str(tmp_path)},
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        timeout=300,
        check=False,
    )

    assert result.returncode == 3, result.stdout + result.stderr
    assert "the embedded local AWS is not installed" in result.stderr
    assert "pip install" in result.stderr
    assert "Traceback" not in result.stderr
