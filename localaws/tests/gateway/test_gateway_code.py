"""Function code: unpacking safely, and which runtimes the gateway runs on which Python."""

from __future__ import annotations

import io
import re
import stat
import sys
import zipfile
from pathlib import Path

import pytest

from pplocalaws.gateway.artifacts import CodeUnavailable, code_sha256, unpack_zip
from pplocalaws.gateway.runtimes import (
    InterpreterFinder,
    UnsupportedRuntime,
    provide_runtime_packages,
    python_version_of,
)


def _zip(entries: dict[str, tuple[bytes, int]]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, (data, mode) in entries.items():
            info = zipfile.ZipInfo(name)
            info.external_attr = mode << 16
            archive.writestr(info, data)
    return buffer.getvalue()


def test_a_zip_unpacks_with_its_executable_bits(tmp_path: Path) -> None:
    data = _zip({"app/main.py": (b"x = 1\n", 0o644), "bin/tool": (b"#!/bin/sh\n", 0o755)})

    unpack_zip(data, tmp_path)

    assert (tmp_path / "app" / "main.py").read_text() == "x = 1\n"
    assert (tmp_path / "bin" / "tool").stat().st_mode & stat.S_IXUSR


@pytest.mark.parametrize("name", ["../escape.py", "/etc/owned", "a/../../escape.py"])
def test_a_zip_entry_leaving_its_folder_is_refused(tmp_path: Path, name: str) -> None:
    with pytest.raises(CodeUnavailable, match="leaves its folder"):
        unpack_zip(_zip({name: (b"", 0o644)}), tmp_path / "code")

    assert not (tmp_path / "escape.py").exists()


def test_something_that_is_not_a_zip_is_refused(tmp_path: Path) -> None:
    with pytest.raises(CodeUnavailable, match="not a zip"):
        unpack_zip(b"plain bytes", tmp_path)


def test_code_sha256_is_lambda_s_base64_digest() -> None:
    assert code_sha256(b"") == "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU="


@pytest.mark.parametrize(("runtime", "version"), [("python3.13", "3.13"), ("python3.9", "3.9")])
def test_python_runtimes_name_their_version(runtime: str, version: str) -> None:
    assert python_version_of(runtime) == version


@pytest.mark.parametrize(
    ("runtime", "reason"),
    [("dotnet10", "no .NET Lambda runtime"), ("nodejs22.x", "Python"), ("", "(none)")],
)
def test_other_runtimes_are_refused_saying_why(runtime: str, reason: str) -> None:
    with pytest.raises(UnsupportedRuntime, match=re.escape(reason)):
        python_version_of(runtime)


def test_the_gateway_s_own_python_is_found_for_its_own_version() -> None:
    own = f"{sys.version_info.major}.{sys.version_info.minor}"

    interpreter = InterpreterFinder().for_runtime(f"python{own}")

    assert interpreter.exact
    assert interpreter.version == own


def test_a_missing_version_falls_back_to_the_gateway_s_python_and_says_so() -> None:
    interpreter = InterpreterFinder().for_runtime("python3.99")

    assert not interpreter.exact
    assert interpreter.executable == sys.executable
    assert "not installed" in interpreter.describe("python3.99")


def test_the_runtime_packages_are_linked_from_the_gateway_s_python(tmp_path: Path) -> None:
    folder = provide_runtime_packages(tmp_path / "runtime")

    assert (folder / "boto3" / "__init__.py").is_file()
    assert (folder / "botocore").is_dir()
    provide_runtime_packages(folder)  # a second call leaves the links in place
