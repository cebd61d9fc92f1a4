"""Every Python service has one layout; its artifact bundles what its pyproject declares."""

from __future__ import annotations

from pathlib import Path

import pytest

from ppdeploy import catalog, naming
from ppdeploy.errors import InputError

ROOT = Path(__file__).resolve().parents[2]
SERVICES = ROOT / "services"


@pytest.mark.parametrize("service", naming.SERVICES)
def test_each_python_service_has_the_same_layout(service: str) -> None:
    source = catalog.service(service, "python", root=ROOT)
    folder = SERVICES / service
    assert source.packages == (folder / "src" / service, SERVICES / "common" / "src" / "ppcommon")
    assert all(package.is_dir() for package in source.packages)
    assert source.tests == folder / "tests"
    assert source.template.is_file()
    # The shipped pins are ppcommon's (the service asks for powertools unpinned).
    assert "aws-lambda-powertools==3.37.0" in source.requirements
    assert "cryptography==50.0.2" in source.requirements
    # The tests' cache watches the service, ppcommon and pptesting.
    assert source.covered == (folder, SERVICES / "common", SERVICES / "testing")


def test_the_dotnet_port_lives_beside_the_python_project() -> None:
    source = catalog.service("account", "dotnet", root=ROOT)
    assert source.dotnet_project == SERVICES / "account" / "dotnet" / "src" / "Account"
    assert source.packages == ()
    assert source.template == SERVICES / "account" / "template-dotnet.yaml"


def _project(folder: Path, name: str, dependencies: list[str], package: str) -> None:
    folder.mkdir(parents=True)
    (folder / "src" / package).mkdir(parents=True)
    quoted = ", ".join(f'"{d}"' for d in dependencies)
    (folder / "pyproject.toml").write_text(
        f'[project]\nname = "{name}"\ndependencies = [{quoted}]\n'
        f'[tool.hatch.build.targets.wheel]\npackages = ["src/{package}"]\n'
    )


def test_local_dependencies_are_bundled_and_third_party_ones_pinned(tmp_path: Path) -> None:
    services = tmp_path / "services"
    _project(services / "common", "purposepath-ppcommon", ["PyJWT==2.15.1"], "ppcommon")
    _project(services / "coaching", "purposepath-coaching", ["Purposepath_PPCommon"], "coaching")
    source = catalog.service("coaching", root=tmp_path)
    assert source.packages == (
        services / "coaching" / "src" / "coaching",
        services / "common" / "src" / "ppcommon",
    )
    assert source.requirements == ("PyJWT==2.15.1",)


def test_a_missing_project_file_is_named(tmp_path: Path) -> None:
    (tmp_path / "services" / "traction").mkdir(parents=True)
    with pytest.raises(InputError, match=r"traction/pyproject.toml"):
        catalog.service("traction", root=tmp_path)
