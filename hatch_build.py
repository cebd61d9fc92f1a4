"""The workspace's metadata: one editable install of the engine and the local AWS together.

The repository holds the distributions ``engine/`` (``ppdeploy``), ``localaws/``
(``pplocalaws``) and the Python services' projects under ``services/`` (``ppcommon``,
``pptesting`` and one per service). ``pip install -e .`` at the root installs this
workspace: every member's packages from their source folders (``dev-mode-dirs`` in the root
``pyproject.toml``), and the dependencies they declare, read here from their own
``pyproject.toml`` files so no list is written twice. A dependency on another member (a
service on ``purposepath-ppcommon``) is left out: the member itself is installed here.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import Any

from hatchling.metadata.plugin.interface import MetadataHookInterface

MEMBERS = (
    "engine",
    "localaws",
    "services/common",
    "services/testing",
    "services/account",
    "services/coaching",
    "services/traction",
)
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")


def _normalised(requirement: str) -> str:
    match = _NAME.match(requirement.strip())
    return re.sub(r"[-_.]+", "-", match.group(0)).lower() if match else requirement


class WorkspaceMetadata(MetadataHookInterface):
    def update(self, metadata: dict[str, Any]) -> None:
        root = Path(self.root)
        projects = []
        for member in MEMBERS:
            with (root / member / "pyproject.toml").open("rb") as stream:
                projects.append(tomllib.load(stream)["project"])
        members = {_normalised(declared["name"]) for declared in projects}
        merged: list[str] = []
        for declared in projects:
            merged.extend(
                r
                for r in declared.get("dependencies", [])
                if r not in merged and _normalised(r) not in members
            )
            for name, target in declared.get("scripts", {}).items():
                metadata.setdefault("scripts", {})[name] = target
        extra = self.config.get("extra-dependencies", [])
        metadata["dependencies"] = merged + [r for r in extra if r not in merged]
