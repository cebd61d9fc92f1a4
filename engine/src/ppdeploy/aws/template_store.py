"""Templates too large for ``TemplateBody`` go to the deployment bucket and by ``TemplateURL``.

CloudFormation accepts a ``TemplateBody`` of at most 51,200 bytes and a template at a
``TemplateURL`` of at most 1 MB, which must be an S3 object in the stack's region
(https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/cloudformation-limits.html;
CreateChangeSet API reference, TemplateURL). Objects are named by the SHA-256 of their
content, so an unchanged template is never uploaded twice and two deploys of different
templates never overwrite each other's object.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

import botocore.exceptions

from ppdeploy.errors import TargetError, TemplateError

MAX_BODY_BYTES = 51_200
# AWS says "1 MB" without saying which; the smaller reading is the safe one (the local AWS
# refuses past it too).
MAX_URL_BYTES = 1_000_000
PREFIX = "templates/"


@dataclass(frozen=True)
class TemplateStore:
    """The stage's deployment bucket as CloudFormation reads it.

    ``url_base`` is what precedes the object key in a URL CloudFormation can read: on AWS
    ``https://BUCKET.s3.REGION.amazonaws.com``, on the local AWS ``ENDPOINT/BUCKET``.
    """

    s3: Any
    bucket: str
    url_base: str

    @classmethod
    def for_target(
        cls, s3: Any, bucket: str, region: str, endpoint_url: str | None
    ) -> TemplateStore:
        if endpoint_url:
            return cls(s3, bucket, f"{endpoint_url.rstrip('/')}/{bucket}")
        return cls(s3, bucket, f"https://{bucket}.s3.{region}.amazonaws.com")

    def url_for(self, body: str, *, stack: str) -> str:
        """Upload ``body`` unless it is there already; the URL CloudFormation reads it from."""
        data = body.encode("utf-8")
        if len(data) > MAX_URL_BYTES:
            raise TemplateError(
                f"the template of {stack} is {len(data)} bytes",
                cause=f"CloudFormation reads a template of at most {MAX_URL_BYTES} bytes from S3",
                fix="split the stack, or move repeated parts into mappings or nested stacks",
            )
        key = f"{PREFIX}{hashlib.sha256(data).hexdigest()}.json"
        if not self._exists(key):
            self._call("put_object", Bucket=self.bucket, Key=key, Body=data)
        return f"{self.url_base}/{key}"

    def _exists(self, key: str) -> bool:
        try:
            self.s3.head_object(Bucket=self.bucket, Key=key)
        except botocore.exceptions.ClientError as error:
            if error.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound"):
                return False
            raise self._unusable(error) from error
        return True

    def _call(self, operation: str, **request: Any) -> Any:
        try:
            return getattr(self.s3, operation)(**request)
        except botocore.exceptions.ClientError as error:
            raise self._unusable(error) from error

    def _unusable(self, error: botocore.exceptions.ClientError) -> TargetError:
        code = error.response.get("Error", {}).get("Code", "")
        return TargetError(
            f"cannot use the deployment bucket {self.bucket} ({code})",
            cause=str(error),
            fix="deploy the stage's bootstrap stack (`invoke bootstrap --stage STAGE`) and "
            "check these credentials may read and write it",
        )


def template_argument(body: str, store: TemplateStore | None, *, stack: str) -> dict[str, str]:
    """``{"TemplateBody": ...}`` when the body fits, else ``{"TemplateURL": ...}`` via ``store``."""
    if len(body.encode("utf-8")) <= MAX_BODY_BYTES:
        return {"TemplateBody": body}
    if store is None:
        raise TemplateError(
            f"the template of {stack} is {len(body.encode('utf-8'))} bytes",
            cause=f"CloudFormation accepts a TemplateBody of at most {MAX_BODY_BYTES} bytes; "
            "larger templates go through the stage's deployment bucket, which is not known here",
            fix="deploy the stage's bootstrap stack first (`invoke bootstrap --stage STAGE`)",
        )
    return {"TemplateURL": store.url_for(body, stack=stack)}
