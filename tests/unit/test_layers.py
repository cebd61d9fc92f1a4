"""The engine's layers, as ARCHITECTURE.md draws them: each imports only the layers below it."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import ppdeploy

PACKAGE = Path(ppdeploy.__file__).parent
# What each layer may import from the engine; the foundation modules at the top level
# (errors, naming, project, config, model, templates, events, catalog, build,
# servicetests) are open to every layer.
MAY_IMPORT = {
    "aws": {"aws"},
    "decide": {"aws", "decide"},
    "workflows": {"aws", "decide", "workflows"},
    "ui": {"ui"},
    "tasks": {"aws", "decide", "workflows", "ui", "tasks"},
}


def engine_imports(path: Path) -> set[str]:
    """The ``ppdeploy.X`` layers (or top-level modules) ``path`` imports when it runs.

    Imports for type checking only (under ``if TYPE_CHECKING:``) are left out: a view may
    name the records it shows without loading the layer that makes them.
    """
    tree = ast.parse(path.read_text(encoding="utf-8"))
    typing_only = {
        id(inner)
        for node in ast.walk(tree)
        if isinstance(node, ast.If) and getattr(node.test, "id", "") == "TYPE_CHECKING"
        for inner in ast.walk(node)
    }
    found = set()
    for node in ast.walk(tree):
        if id(node) in typing_only:
            continue
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("ppdeploy"):
            parts = node.module.split(".")
            if len(parts) > 1:
                found.add(parts[1])
            else:
                found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.Import):
            found.update(
                alias.name.split(".")[1]
                for alias in node.names
                if alias.name.startswith("ppdeploy.")
            )
    return found


@pytest.mark.parametrize("layer", sorted(MAY_IMPORT))
def test_a_layer_imports_only_what_is_below_it(layer: str) -> None:
    layers = set(MAY_IMPORT)
    for path in sorted((PACKAGE / layer).rglob("*.py")):
        reached = engine_imports(path) & layers
        assert reached <= MAY_IMPORT[layer], f"{path.relative_to(PACKAGE)} imports {reached}"


def test_the_foundation_imports_no_layer() -> None:
    layers = set(MAY_IMPORT)
    for path in sorted(PACKAGE.glob("*.py")):
        reached = engine_imports(path) & layers
        assert not reached, f"{path.name} imports {reached}"


def test_no_module_file_name_repeats_across_the_engine_s_packages() -> None:
    names = [p.name for p in PACKAGE.rglob("*.py") if p.name != "__init__.py"]
    assert sorted({n for n in names if names.count(n) > 1}) == []
