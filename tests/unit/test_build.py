import zipfile
from pathlib import Path

import pytest

from ppdeploy import build, catalog
from ppdeploy.errors import InputError


@pytest.fixture
def source(tmp_path: Path) -> catalog.ServiceSource:
    package = tmp_path / "src" / "demo"
    (package / "__pycache__").mkdir(parents=True)
    (package / "app.py").write_text("def handler(event, context):\n    return {}\n")
    (package / "routes.py").write_text("ROUTES = []\n")
    (package / "__pycache__" / "app.cpython-311.pyc").write_bytes(b"\0")
    common = tmp_path / "common" / "ppcommon"
    common.mkdir(parents=True)
    (common / "__init__.py").write_text("")
    return catalog.ServiceSource(
        service="demo",
        runtime="python",
        template=tmp_path / "template.yaml",
        packages=(package, common),
        requirements=(),  # pure Python only; none needed here
        tests=tmp_path / "tests",
    )


def test_same_sources_give_the_same_bytes(source: catalog.ServiceSource, tmp_path: Path) -> None:
    first = build.build_python(source, tmp_path / "cache-a")
    second = build.build_python(source, tmp_path / "cache-b")
    assert first.path.read_bytes() == second.path.read_bytes()
    assert first.sha256 == second.sha256
    assert not first.reused
    assert not second.reused


def test_unchanged_sources_reuse_the_artifact(
    source: catalog.ServiceSource, tmp_path: Path
) -> None:
    first = build.build_python(source, tmp_path / "cache")
    mtime = first.path.stat().st_mtime_ns
    again = build.build_python(source, tmp_path / "cache")
    assert again.reused
    assert again.path.stat().st_mtime_ns == mtime


def test_a_changed_source_gives_a_new_artifact(
    source: catalog.ServiceSource, tmp_path: Path
) -> None:
    first = build.build_python(source, tmp_path / "cache")
    (source.packages[0] / "routes.py").write_text("ROUTES = ['/health']\n")
    second = build.build_python(source, tmp_path / "cache")
    assert second.sha256 != first.sha256
    assert not second.reused
    assert not first.path.exists()  # the stale artifact is not kept


def test_artifact_layout_is_sorted_fixed_time_and_without_bytecode(
    source: catalog.ServiceSource, tmp_path: Path
) -> None:
    artifact = build.build_python(source, tmp_path / "cache")
    with zipfile.ZipFile(artifact.path) as archive:
        names = archive.namelist()
        assert names == sorted(names)
        assert names == ["demo/app.py", "demo/routes.py", "ppcommon/__init__.py"]
        assert {info.date_time for info in archive.infolist()} == {build.ZIP_EPOCH}
    assert artifact.s3_key == f"artifacts/demo/python/{artifact.sha256}.zip"


def test_missing_source_folder_is_named(source: catalog.ServiceSource, tmp_path: Path) -> None:
    broken = catalog.ServiceSource(**{**source.__dict__, "packages": (tmp_path / "gone",)})
    with pytest.raises(InputError, match="gone does not exist"):
        build.build_python(broken, tmp_path / "cache")


def test_dotnet_without_sdk_says_so(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    source = catalog.service("account", "dotnet", root=Path(__file__).resolve().parents[2])
    with pytest.raises(InputError) as caught:
        build.build(source, tmp_path / "cache")
    assert "the .NET SDK is not installed" in caught.value.what
    assert "--runtime python" in caught.value.fix


@pytest.mark.parametrize(
    ("service", "runtime", "message"),
    [
        ("billing", None, "unknown service 'billing'"),
        ("coaching", "dotnet", "service 'coaching' has no 'dotnet' runtime"),
        ("account", "java", "service 'account' has no 'java' runtime"),
    ],
)
def test_unknown_service_or_runtime_is_refused(
    service: str, runtime: str | None, message: str
) -> None:
    with pytest.raises(InputError, match=message):
        catalog.service(service, runtime, root=Path("/nonexistent"))


def test_a_reused_artifact_s_digest_comes_from_its_note_until_the_zip_changes(
    source: catalog.ServiceSource, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = build.build_python(source, tmp_path / "cache")
    note = first.path.with_name(f"{first.path.name}.sha256")
    assert note.read_text(encoding="utf-8").endswith(first.sha256)

    hashed: list[Path] = []
    real_sha256 = build._sha256
    monkeypatch.setattr(build, "_sha256", lambda path: hashed.append(path) or real_sha256(path))
    assert build.build_python(source, tmp_path / "cache").sha256 == first.sha256
    assert hashed == []  # the note answered

    first.path.write_bytes(first.path.read_bytes() + b"\0")  # rewritten behind the cache
    again = build.build_python(source, tmp_path / "cache")
    assert hashed == [first.path]
    assert again.sha256 == build._sha256(first.path) != first.sha256
