"""The services' real artifacts: small, without boto3, and the same bytes from the same sources.

Builds with pip's cross-platform install from the package index (no AWS involved).
"""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest

from ppdeploy import build, catalog, naming

pytestmark = pytest.mark.integration
# Was 5 MiB (about 1.4 MiB used) until ES256 verification brought cryptography's arm64
# binary (abi3 wheel, 4.7 MB) and cffi: about 6.1 MiB now, imported on the first
# authenticated request, never at init.
MAX_BYTES = 7 * 1024 * 1024
PYTHON_SERVICES = naming.SERVICES


@pytest.fixture(scope="module")
def cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("build-cache")


@pytest.mark.parametrize("service", PYTHON_SERVICES)
def test_each_artifact_is_small_and_ships_no_boto3(service: str, cache: Path) -> None:
    artifact = build.build(catalog.service(service, "python"), cache)
    assert artifact.size <= MAX_BYTES
    with zipfile.ZipFile(artifact.path) as archive:
        top = {name.split("/", 1)[0] for name in archive.namelist()}
    assert {service, "ppcommon", "aws_lambda_powertools", "cryptography"} <= top
    assert not top & {"boto3", "botocore", "s3transfer", "pptesting", "tests"}


def test_the_same_sources_give_the_same_bytes_in_a_fresh_cache(cache: Path, tmp_path: Path) -> None:
    source = catalog.service("coaching", "python")
    first = build.build(source, cache)
    second = build.build(source, tmp_path / "fresh")
    assert not second.reused
    assert second.sha256 == first.sha256
    assert second.path.read_bytes() == first.path.read_bytes()
