"""The Sceptre project bench/sceptre_peer.py writes: the same stacks, values, tags and order
as ours deployed, the function zips uploaded by a hook when the shared stack is created."""

from __future__ import annotations

import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
import yaml

BENCH = Path(__file__).resolve().parents[2] / "bench"


@pytest.fixture
def peer(monkeypatch: pytest.MonkeyPatch) -> ModuleType:
    # The bench scripts import their siblings (deploy_harness) as top-level modules.
    monkeypatch.syspath_prepend(str(BENCH))
    monkeypatch.delitem(sys.modules, "sceptre_peer", raising=False)
    import sceptre_peer  # noqa: PLC0415 - only importable with bench/ on the path

    return sceptre_peer


class _Loader(yaml.SafeLoader):
    pass


_Loader.add_constructor("!cmd", lambda loader, node: ("!cmd", loader.construct_scalar(node)))


def _read(path: Path) -> Any:
    return yaml.load(path.read_text(), Loader=_Loader)  # noqa: S506 - a SafeLoader subclass


def test_the_project_deploys_the_same_stacks_in_dependency_order(
    peer: ModuleType, tmp_path: Path
) -> None:
    templates = tmp_path / "sources"
    templates.mkdir()
    (templates / "template.yaml").write_text("Resources: {}\n")
    (templates / "service.yaml").write_text("Resources: {A: {Type: X}}\n")
    shared = peer.harness.DeployedStack(
        "shared-dev", templates / "template.yaml", {"Stage": "dev"}, {"project": "pp"}
    )
    service = peer.harness.DeployedStack(
        "svc-dev", templates / "service.yaml", {"ArtifactKey": "artifacts/svc/a.zip"}, {}
    )
    folder = peer.write_project(
        tmp_path / "project", [shared, service], {"artifacts/svc/a.zip": b"zip"}, Path("/py")
    )
    top = _read(folder / "config" / "config.yaml")
    assert top["template_bucket_name"] == peer.TEMPLATES_BUCKET  # shared is over 51,200 bytes
    first = _read(folder / "config" / "dev" / "0-shared-dev.yaml")
    second = _read(folder / "config" / "dev" / "1-svc-dev.yaml")
    assert first["stack_name"] == "shared-dev"
    assert first["parameters"] == {"Stage": "dev"}
    assert first["stack_tags"] == {"project": "pp"}
    [(tag, hook)] = first["hooks"]["after_create"]
    assert tag == "!cmd"
    assert hook.startswith("/py ")
    assert peer.artifacts_export() in hook
    assert "dependencies" not in first
    assert second["dependencies"] == ["dev/0-shared-dev.yaml"]
    assert second["parameters"] == {"ArtifactKey": "artifacts/svc/a.zip"}
    assert (folder / "templates" / second["template"]["path"]).read_text() == (
        "Resources: {A: {Type: X}}\n"
    )
    assert (folder / "zips" / "artifacts" / "svc" / "a.zip").read_bytes() == b"zip"


def test_sceptre_is_pointed_at_the_local_aws_with_placeholder_keys(peer: ModuleType) -> None:
    aws = peer.harness.LocalAws("http://127.0.0.1:4999", {"PATH": "/bin"})
    env = peer.sceptre_env(aws)
    assert env["AWS_ENDPOINT_URL"] == "http://localhost:4999"
    assert env["AWS_ACCESS_KEY_ID"] == "testing"
    assert not any(key.startswith("SAM_") for key in env)
