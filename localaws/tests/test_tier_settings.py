"""The localaws tier's settings: moto leaves out only what nothing here reads, botocore
parses its data once per process."""

from __future__ import annotations

import pathlib

import boto3
from moto import mock_aws

ROOT = pathlib.Path(__file__).resolve().parents[2]


def test_a_fresh_ec2_backend_has_no_default_amis_and_still_its_default_network() -> None:
    with mock_aws():
        ec2 = boto3.client("ec2", region_name="us-east-1")
        assert ec2.describe_images(Owners=["amazon"])["Images"] == []
        assert ec2.describe_snapshots(OwnerIds=["self"])["Snapshots"] == []
        default = [vpc for vpc in ec2.describe_vpcs()["Vpcs"] if vpc["IsDefault"]]
        assert len(default) == 1  # the default VPC, which stacks do use, is still made


def test_no_template_or_source_here_reads_an_ami() -> None:
    # What makes leaving the default AMIs out safe: if a template gains an ImageId, the
    # tier must load them again (remove the setting in localaws/tests/conftest.py).
    templates = [
        *ROOT.glob("bootstrap/template*.yaml"),
        *ROOT.glob("shared-infrastructure/template*.yaml"),
        *ROOT.glob("services/*/template*.yaml"),
    ]
    sources = [*ROOT.glob("localaws/src/**/*.py"), *ROOT.glob("engine/src/**/*.py")]
    assert templates
    assert sources
    readers = [
        path
        for path in [*templates, *sources]
        if any(word in path.read_text() for word in ("ImageId", "describe_images", "ami-"))
    ]
    assert readers == []


def test_sessions_share_one_loader_and_clients_still_answer() -> None:
    first, second = boto3.Session(region_name="us-east-1"), boto3.Session(region_name="eu-west-1")

    loader = first._session.get_component("data_loader")  # boto3's botocore session
    assert second._session.get_component("data_loader") is loader
    with mock_aws():
        first.client("s3").create_bucket(Bucket="shared-loader")
        buckets = second.client("s3", region_name="us-east-1").list_buckets()["Buckets"]
    assert [bucket["Name"] for bucket in buckets] == ["shared-loader"]
    assert second.client("sqs").meta.region_name == "eu-west-1"  # config stays per session
