"""The workspace's metadata: one editable install of the engine and the local AWS together.

The repository holds two distributions, ``engine/`` (``ppdeploy``) and ``localaws/``
(``pplocalaws``). ``pip install -e .`` at the root installs this workspace: both packages
from their source folders, and the dependencies both declare, read here from their own
``pyproject.toml`` files so no list is written twice.
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

from hatchling.metadata.plugin.interface import MetadataHookInterface

MEMBERS = ("engine", "localaws")


class WorkspaceMetadata(MetadataHookInterface):
    def update(self, metadata: dict[str, Any]) -> None:
        root = Path(self.root)
        merged: list[str] = []
        for member in MEMBERS:
            with (root / member / "pyproject.toml").open("rb") as stream:
                declared = tomllib.load(stream)["project"]
            merged.extend(r for r in declared.get("dependencies", []) if r not in merged)
            for name, target in declared.get("scripts", {}).items():
                metadata.setdefault("scripts", {})[name] = target
        extra = self.config.get("extra-dependencies", [])
        metadata["dependencies"] = merged + [r for r in extra if r not in merged]
