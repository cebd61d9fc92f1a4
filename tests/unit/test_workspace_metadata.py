"""The workspace installs every member and merges their dependencies, never a member by name."""

from __future__ import annotations

import importlib.util
import sys
import tomllib
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
# hatch_build.py runs inside hatchling (the build backend; the lint extra installs it).
pytest.importorskip("hatchling.metadata.plugin.interface")


def _merged_dependencies() -> list[str]:
    spec = importlib.util.spec_from_file_location("hatch_build", ROOT / "hatch_build.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault(spec.name, module)
    spec.loader.exec_module(module)
    metadata: dict[str, Any] = {}
    module.WorkspaceMetadata(str(ROOT), {}).update(metadata)
    dependencies: list[str] = metadata["dependencies"]
    return dependencies


def test_members_dependencies_are_merged_and_members_left_out() -> None:
    dependencies = _merged_dependencies()
    # ppcommon's pins reach the environment the services' tests run in.
    assert "aws-lambda-powertools==3.37.0" in dependencies
    assert "cryptography==50.0.2" in dependencies
    assert not [d for d in dependencies if d.lower().startswith("purposepath")]
    assert len(dependencies) == len(set(dependencies))


def test_every_member_source_folder_is_installed() -> None:
    with (ROOT / "pyproject.toml").open("rb") as stream:
        root = tomllib.load(stream)
    dev_dirs = set(root["tool"]["hatch"]["build"]["dev-mode-dirs"])
    members = [p.parent for p in ROOT.glob("services/*/pyproject.toml")]
    assert members
    assert {f"{m.relative_to(ROOT).as_posix()}/src" for m in members} <= dev_dirs
