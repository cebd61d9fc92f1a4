"""Upload build artifacts to the stage's artifacts bucket, keyed by their content hash."""

from __future__ import annotations

import base64
import hashlib
from typing import Any

import botocore.exceptions

from ppdeploy.build import Artifact


def upload(s3: Any, bucket: str, artifact: Artifact) -> bool:
    """Put the artifact at its content-addressed key unless it is there; True when uploaded."""
    try:
        s3.head_object(Bucket=bucket, Key=artifact.s3_key)
    except botocore.exceptions.ClientError as error:
        if error.response.get("Error", {}).get("Code") not in ("404", "NoSuchKey", "NotFound"):
            raise
    else:
        return False
    body = artifact.path.read_bytes()
    s3.put_object(
        Bucket=bucket,
        Key=artifact.s3_key,
        Body=body,
        ContentMD5=base64.b64encode(hashlib.md5(body).digest()).decode(),  # noqa: S324 - S3's integrity check, not security
        Metadata={"sha256": artifact.sha256},
    )
    return True
