"""A function's deployed code, fetched from the local AWS and unpacked once per revision.

moto 5.2.5 keeps a function's zip in memory and its GetFunction answers ``Code.Location``
as ``https://awslambda-REGION-tasks.s3.REGION.amazonaws.com/<S3Key>``, a URL nothing
serves. The S3Key in it is the one the function was created from (CloudFormation's
``Code: {S3Bucket, S3Key}``), so the object is found by that key among the local buckets.
Each (function, version) is fetched with its qualifier (see ``FunctionConfig.qualifier``),
so a version's code is its own, not ``$LATEST``'s. A function uploaded inline
(``ZipFile``) has no S3 object; moto's own state dump (``/moto-api/data.json``) still
holds its base64 zip, so that is the fallback. Either way
the bytes must hash to the function's CodeSha256, or they are not its code.
"""

from __future__ import annotations

import base64
import hashlib
import json
import logging
import shutil
import stat
import threading
import urllib.parse
import urllib.request
import zipfile
from io import BytesIO
from pathlib import Path, PurePosixPath
from typing import Any

from botocore.exceptions import ClientError

from pplocalaws.gateway.discovery import FunctionConfig, LocalAwsClients

log = logging.getLogger(__name__)

# Lambda's own limit on unpacked code; a bigger zip is refused rather than filling the disk.
MAX_UNPACKED_BYTES = 250 * 1024 * 1024
_READY_MARKER = ".unpacked"
_LOCATION_HOST_SUFFIX = ".amazonaws.com/"


class CodeUnavailable(Exception):
    """The function's code cannot be fetched or unpacked; the message says why."""


def code_sha256(data: bytes) -> str:
    """Lambda's CodeSha256: the base64 of the zip's SHA-256 digest."""
    return base64.b64encode(hashlib.sha256(data).digest()).decode("ascii")


def unpack_zip(data: bytes, target: Path) -> None:
    """Unpack a function zip into ``target`` (refusing paths that would leave it)."""
    try:
        archive = zipfile.ZipFile(BytesIO(data))
    except zipfile.BadZipFile as error:
        raise CodeUnavailable(f"the function's code is not a zip archive ({error})") from error
    with archive:
        members = archive.infolist()
        if sum(member.file_size for member in members) > MAX_UNPACKED_BYTES:
            raise CodeUnavailable("the function's code unpacks to more than Lambda's 250 MB")
        for member in members:
            path = PurePosixPath(member.filename)
            if path.is_absolute() or ".." in path.parts:
                raise CodeUnavailable(f"the zip entry {member.filename!r} leaves its folder")
        archive.extractall(target)  # every member path was checked above
        for member in members:
            mode = (member.external_attr >> 16) & 0o777
            if mode & stat.S_IXUSR and not member.is_dir():
                (target / member.filename).chmod(mode | stat.S_IRUSR)


class ArtifactStore:
    """Unpacked code per function revision under ``root``; each revision fetched once."""

    def __init__(self, clients: LocalAwsClients, root: Path) -> None:
        self._clients = clients
        self._root = root
        self._lock = threading.Lock()

    def unpacked(self, function: FunctionConfig) -> Path:
        digest = base64.b64decode(function.code_sha256 or "").hex()[:20] or "no-digest"
        folder = self._root / function.name / digest
        with self._lock:  # fetches are rare (one per deploy); one at a time keeps it simple
            if (folder / _READY_MARKER).exists():
                return folder
            data = self._fetch(function)
            staging = folder.with_name(folder.name + ".partial")
            shutil.rmtree(staging, ignore_errors=True)
            staging.mkdir(parents=True)
            unpack_zip(data, staging)
            (staging / _READY_MARKER).touch()
            shutil.rmtree(folder, ignore_errors=True)
            staging.rename(folder)
            log.info("unpacked %s (%d bytes) into %s", function.name, len(data), folder)
            return folder

    def forget(self, function: FunctionConfig, keep: FunctionConfig | None = None) -> None:
        """Remove a superseded revision's folder (``keep`` names the revision in use)."""
        if keep is not None and keep.code_sha256 == function.code_sha256:
            return
        digest = base64.b64decode(function.code_sha256 or "").hex()[:20]
        if digest:
            shutil.rmtree(self._root / function.name / digest, ignore_errors=True)

    def _fetch(self, function: FunctionConfig) -> bytes:
        try:
            described = self._clients.awslambda.get_function(
                FunctionName=function.name, Qualifier=function.qualifier
            )
        except ClientError as error:
            raise CodeUnavailable(f"GetFunction failed: {error}") from error
        expected = described["Configuration"].get("CodeSha256", "")
        if expected != function.code_sha256:  # deployed again since the gateway's reading
            raise CodeUnavailable(
                f"{function.key} changed while its code was fetched (CodeSha256 {expected}, "
                f"read as {function.code_sha256}); the next request reads it again"
            )
        code = described.get("Code") or {}
        if code.get("RepositoryType") not in (None, "S3"):
            raise CodeUnavailable("container image functions cannot run in the local gateway")
        location = str(code.get("Location", ""))
        key = (
            urllib.parse.unquote(location.split(_LOCATION_HOST_SUFFIX, 1)[1])
            if _LOCATION_HOST_SUFFIX in location
            else ""
        )
        data = (self._from_buckets(key, expected) if key else None) or self._from_state_dump(
            function.name, expected
        )
        if data is None:
            raise CodeUnavailable(
                f"no copy of the code with CodeSha256 {expected} was found in the local AWS "
                f"(looked for S3 key {key!r} in every bucket and for an inline zip)"
            )
        return data

    def _from_buckets(self, key: str, expected: str) -> bytes | None:
        s3 = self._clients.s3
        for bucket in s3.list_buckets().get("Buckets", []):
            try:
                data: bytes = s3.get_object(Bucket=bucket["Name"], Key=key)["Body"].read()
            except ClientError:
                continue  # not in this bucket
            if code_sha256(data) == expected:
                return data
        return None

    def _from_state_dump(self, name: str, expected: str) -> bytes | None:
        url = f"{self._clients.endpoint}/moto-api/data.json"
        try:
            with urllib.request.urlopen(url, timeout=30) as answer:  # noqa: S310 - the local AWS endpoint
                state: dict[str, Any] = json.load(answer)
        except (OSError, ValueError) as error:
            log.warning("cannot read the local AWS state for %s's inline code: %s", name, error)
            return None
        for function in state.get("awslambda", {}).get("LambdaFunction", []):
            inline = (function.get("code") or {}).get("ZipFile")
            if function.get("function_name") != name or not inline:
                continue
            data = base64.b64decode(inline)
            if code_sha256(data) == expected:
                return data
        return None
