"""Build a service's deployment artifact: a deterministic zip named by its content hash.

Python dependencies come from pip's cross-platform install (manylinux2014_aarch64, CPython
3.13, wheels only), so any local Python builds the arm64 artifact. Entries are sorted and
timestamps fixed, so the same sources give the same bytes and the zip's SHA-256 is a
content hash. Inputs are hashed first: unchanged sources reuse the last artifact, unchanged
requirements reuse the last dependency install.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from ppdeploy import project
from ppdeploy.catalog import PYTHON_RUNTIME_VERSION, ServiceSource
from ppdeploy.errors import InputError, PPDeployError

RECIPE_VERSION = "1"  # bump when the build itself changes what goes into an artifact
ZIP_EPOCH = (1980, 1, 1, 0, 0, 0)
EXCLUDED_DIRS = {"__pycache__", "tests", ".pytest_cache", ".mypy_cache"}
EXCLUDED_SUFFIXES = {".pyc", ".pyo"}
PLATFORM = "manylinux2014_aarch64"


class BuildError(PPDeployError):
    """A build step failed (pip, the .NET SDK)."""

    exit_code = 4


@dataclass(frozen=True)
class Artifact:
    service: str
    runtime: str
    path: Path
    sha256: str
    size: int
    reused: bool

    @property
    def s3_key(self) -> str:
        return f"artifacts/{self.service}/{self.runtime}/{self.sha256}.zip"


def _files(folder: Path) -> Iterator[Path]:
    for path in sorted(folder.rglob("*")):
        relative = path.relative_to(folder)
        if any(part in EXCLUDED_DIRS for part in relative.parts):
            continue
        if path.is_file() and path.suffix not in EXCLUDED_SUFFIXES:
            yield path


def _requirements(source: ServiceSource) -> list[str]:
    return list(source.requirements)


def _hash_update(digest: hashlib._Hash, *parts: str | bytes) -> None:
    for part in parts:
        data = part.encode() if isinstance(part, str) else part
        digest.update(len(data).to_bytes(8, "big"))
        digest.update(data)


def inputs_hash(source: ServiceSource) -> str:
    """A hash of everything that decides the artifact's bytes."""
    digest = hashlib.sha256()
    _hash_update(digest, RECIPE_VERSION, PLATFORM, PYTHON_RUNTIME_VERSION, *_requirements(source))
    for package in source.packages:
        for path in _files(package):
            _hash_update(digest, f"{package.name}/{path.relative_to(package)}", path.read_bytes())
    return digest.hexdigest()


def _install_dependencies(requirements: list[str], cache: Path) -> Path | None:
    """pip's cross-platform install of ``requirements``, cached by their hash."""
    if not requirements:
        return None
    key = hashlib.sha256("\n".join([PLATFORM, *requirements]).encode()).hexdigest()[:16]
    target = cache / "deps" / key
    if (target / ".complete").exists():
        return target
    shutil.rmtree(target, ignore_errors=True)
    command = [
        sys.executable, "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
        "--no-compile", "--platform", PLATFORM, "--implementation", "cp",
        "--python-version", PYTHON_RUNTIME_VERSION, "--only-binary=:all:",
        "--target", str(target), *requirements,
    ]  # fmt: skip
    completed = subprocess.run(command, capture_output=True, text=True, check=False)  # noqa: S603 - our interpreter, requirement strings from the repository
    if completed.returncode != 0:
        raise BuildError(
            "pip could not install the service's dependencies for "
            f"{PLATFORM} / CPython {PYTHON_RUNTIME_VERSION}",
            cause=completed.stderr.strip()[-1500:],
            fix="keep dependencies pure Python or with arm64 wheels; check the pins",
        )
    # pip's bin/ scripts carry the build machine's interpreter path: not runtime code.
    shutil.rmtree(target / "bin", ignore_errors=True)
    (target / ".complete").touch()
    return target


def _zip(entries: list[tuple[str, Path]], destination: Path) -> None:
    """Write a zip whose bytes depend only on the entries' names and contents."""
    tmp = destination.with_suffix(".tmp")
    with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        for name, path in sorted(entries):
            info = zipfile.ZipInfo(name, date_time=ZIP_EPOCH)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            info.create_system = 3  # unix, so the permissions above are read back
            archive.writestr(info, path.read_bytes(), compresslevel=9)
    os.replace(tmp, destination)


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _known_sha256(artifact: Path) -> str:
    """The zip's SHA-256, from the note written beside it when it was last hashed.

    A reused artifact is hashed on every deploy otherwise (megabytes per service, on the
    no-op path). The note holds the size and modification time it was taken at: a zip
    rewritten or touched since is hashed again, so the note cannot outlive its zip.
    """
    note = artifact.with_name(f"{artifact.name}.sha256")
    status = artifact.stat()
    stamp = f"{status.st_size} {status.st_mtime_ns}"
    try:
        recorded, digest = note.read_text(encoding="utf-8").rsplit(" ", 1)
    except (OSError, ValueError):
        recorded, digest = "", ""
    if recorded == stamp and len(digest) == 64:
        return digest
    digest = _sha256(artifact)
    with contextlib.suppress(OSError):  # a read-only cache only costs the hash next time
        note.write_text(f"{stamp} {digest}", encoding="utf-8")
    return digest


def build_python(source: ServiceSource, cache: Path | None = None) -> Artifact:
    """Build (or reuse) the zip of a Python service."""
    cache = cache or project.state_dir() / "build"
    output = cache / "artifacts" / source.key
    output.mkdir(parents=True, exist_ok=True)
    missing = [package for package in source.packages if not package.is_dir()]
    if missing:
        raise InputError(
            f"{source.key} source folder {missing[0]} does not exist",
            fix="restore it from the repository",
        )
    key = inputs_hash(source)
    artifact = output / f"{key}.zip"
    if artifact.exists():
        return Artifact(
            source.service,
            source.runtime,
            artifact,
            _known_sha256(artifact),
            artifact.stat().st_size,
            True,
        )
    entries: list[tuple[str, Path]] = []
    dependencies = _install_dependencies(_requirements(source), cache)
    if dependencies is not None:
        entries += [
            (path.relative_to(dependencies).as_posix(), path)
            for path in _files(dependencies)
            if path.name != ".complete"
        ]
    for package in source.packages:
        entries += [
            (f"{package.name}/{path.relative_to(package).as_posix()}", path)
            for path in _files(package)
        ]
    for stale in [*output.glob("*.zip"), *output.glob("*.zip.sha256")]:
        stale.unlink()
    _zip(entries, artifact)
    return Artifact(
        source.service,
        source.runtime,
        artifact,
        _known_sha256(artifact),
        artifact.stat().st_size,
        False,
    )


def build_dotnet(source: ServiceSource, cache: Path | None = None) -> Artifact:
    """Build the .NET service with the .NET SDK, which must be installed."""
    dotnet = shutil.which("dotnet")
    if dotnet is None:
        raise InputError(
            f"cannot build {source.service} for the dotnet runtime: the .NET SDK is not installed",
            cause="`dotnet` is not on the PATH",
            fix="install the .NET 10 SDK (https://dotnet.microsoft.com/download), "
            "or deploy the Python runtime: --runtime python",
        )
    assert source.dotnet_project is not None  # noqa: S101 - set for every dotnet source
    cache = cache or project.state_dir() / "build"
    output = cache / "artifacts" / source.key
    output.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as publish:
        command = [
            dotnet, "publish", str(source.dotnet_project), "--configuration", "Release",
            "--runtime", "linux-arm64", "--self-contained", "false",
            "--output", publish, "-p:Deterministic=true", "-p:ContinuousIntegrationBuild=true",
        ]  # fmt: skip
        completed = subprocess.run(command, capture_output=True, text=True, check=False)  # noqa: S603 - the SDK on the PATH, fixed arguments
        if completed.returncode != 0:
            raise BuildError(
                f"dotnet publish failed for {source.dotnet_project}",
                cause=(completed.stdout + completed.stderr).strip()[-1500:],
                fix="run the same `dotnet publish` by hand and correct the first error",
            )
        folder = Path(publish)
        staging = output / "next.zip"
        _zip([(p.relative_to(folder).as_posix(), p) for p in _files(folder)], staging)
        digest = _sha256(staging)
        artifact = output / f"{digest}.zip"
        reused = artifact.exists()
        os.replace(staging, artifact)
    return Artifact(
        source.service, source.runtime, artifact, digest, artifact.stat().st_size, reused
    )


def build(source: ServiceSource, cache: Path | None = None) -> Artifact:
    if source.runtime == "dotnet":
        return build_dotnet(source, cache)
    return build_python(source, cache)
