"""A TemplateURL pointing at the local AWS's own S3 on a loopback address."""

from __future__ import annotations

import json
from typing import Any

import boto3
import pytest

from pplocalaws.extensions.template_urls import is_loopback

TEMPLATE = json.dumps({"Resources": {"Topic": {"Type": "AWS::SNS::Topic"}}})


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost", "::1", "127.0.0.2"])
def test_loopback_hosts(host: str) -> None:
    assert is_loopback(host)


@pytest.mark.parametrize("host", ["s3.amazonaws.com", "10.0.0.1", "bucket.s3.amazonaws.com"])
def test_other_hosts(host: str) -> None:
    assert not is_loopback(host)


@pytest.mark.parametrize("host", ["127.0.0.1:4566", "localhost:4566"])
def test_a_template_url_on_a_loopback_address_is_read(cfn: Any, host: str) -> None:
    s3 = boto3.client("s3", region_name="us-east-1")
    s3.create_bucket(Bucket="templates")
    s3.put_object(Bucket="templates", Key="stacks/t.json", Body=TEMPLATE.encode())
    cfn.create_stack(StackName="from-url", TemplateURL=f"http://{host}/templates/stacks/t.json")
    assert (
        cfn.describe_stacks(StackName="from-url")["Stacks"][0]["StackStatus"] == "CREATE_COMPLETE"
    )
