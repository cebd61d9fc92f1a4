"""Large templates go by TemplateURL through the deployment bucket, small ones by body."""

from __future__ import annotations

import json
from typing import Any

import botocore.exceptions
import pytest

from ppdeploy.aws.template_store import (
    MAX_BODY_BYTES,
    MAX_URL_BYTES,
    TemplateStore,
    template_argument,
)
from ppdeploy.errors import TargetError, TemplateError


class FakeS3:
    """Enough of an S3 client: objects in a dict, calls recorded, errors on demand."""

    def __init__(self, fail_with: str = "") -> None:
        self.objects: dict[tuple[str, str], bytes] = {}
        self.puts = 0
        self.fail_with = fail_with

    def _maybe_fail(self, operation: str) -> None:
        if self.fail_with:
            raise botocore.exceptions.ClientError(
                {"Error": {"Code": self.fail_with, "Message": "denied"}}, operation
            )

    def head_object(self, *, Bucket: str, Key: str) -> dict[str, Any]:
        self._maybe_fail("HeadObject")
        if (Bucket, Key) not in self.objects:
            raise botocore.exceptions.ClientError({"Error": {"Code": "404"}}, "HeadObject")
        return {}

    def put_object(self, *, Bucket: str, Key: str, Body: bytes) -> dict[str, Any]:
        self._maybe_fail("PutObject")
        self.puts += 1
        self.objects[(Bucket, Key)] = Body
        return {}


def store(s3: FakeS3, endpoint: str | None = None) -> TemplateStore:
    return TemplateStore.for_target(s3, "deploy-bucket", "eu-west-1", endpoint)


def test_a_body_that_fits_goes_as_template_body() -> None:
    s3 = FakeS3()
    body = "x" * MAX_BODY_BYTES

    assert template_argument(body, lambda: store(s3), stack="s") == {"TemplateBody": body}
    assert s3.puts == 0


def test_a_larger_body_is_uploaded_once_and_sent_as_an_aws_url() -> None:
    s3 = FakeS3()
    body = "y" * (MAX_BODY_BYTES + 1)

    first = template_argument(body, lambda: store(s3), stack="s")
    second = template_argument(body, lambda: store(s3), stack="s")

    assert first == second
    assert first["TemplateURL"].startswith("https://deploy-bucket.s3.eu-west-1.amazonaws.com/")
    assert s3.puts == 1
    ((_, key),) = s3.objects
    assert first["TemplateURL"].endswith(key)
    assert s3.objects[("deploy-bucket", key)] == body.encode()


def test_on_the_local_aws_the_url_is_path_style_on_its_endpoint() -> None:
    url = template_argument(
        "z" * 60_000, lambda: store(FakeS3(), "http://127.0.0.1:4566"), stack="s"
    )

    assert url["TemplateURL"].startswith("http://127.0.0.1:4566/deploy-bucket/templates/")


def test_over_one_megabyte_is_refused_naming_the_limit() -> None:
    with pytest.raises(TemplateError) as refused:
        template_argument("w" * (MAX_URL_BYTES + 1), lambda: store(FakeS3()), stack="big")

    assert "big" in refused.value.what
    assert str(MAX_URL_BYTES) in refused.value.cause


def test_a_large_template_without_a_store_says_to_bootstrap() -> None:
    with pytest.raises(TemplateError) as refused:
        template_argument("v" * 60_000, None, stack="shared")

    assert "invoke bootstrap" in refused.value.fix


def test_a_bucket_that_cannot_be_used_is_a_target_error() -> None:
    with pytest.raises(TargetError) as refused:
        template_argument("u" * 60_000, lambda: store(FakeS3(fail_with="AccessDenied")), stack="s")

    assert "deploy-bucket" in refused.value.what
    assert "AccessDenied" in refused.value.what


def test_an_indented_json_body_is_compacted_before_it_is_uploaded() -> None:
    s3 = FakeS3()
    document = {"Resources": {f"R{n}": {"Type": "AWS::SNS::Topic"} for n in range(900)}}
    indented = json.dumps(document, indent=8)
    assert len(indented) > MAX_BODY_BYTES

    sent = template_argument(indented, lambda: store(s3), stack="s")

    assert json.loads(sent["TemplateBody"]) == document
    assert s3.puts == 0


def test_the_store_is_asked_for_only_when_a_template_needs_it() -> None:
    def no_store() -> TemplateStore:
        raise AssertionError("a small template must not look for the deployment bucket")

    assert template_argument("{}", no_store, stack="s") == {"TemplateBody": "{}"}
