"""AWS::S3::Bucket settings and AWS::S3::BucketPolicy through CloudFormation."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError

BLOCK_ALL = {
    "BlockPublicAcls": True,
    "BlockPublicPolicy": True,
    "IgnorePublicAcls": True,
    "RestrictPublicBuckets": True,
}
TLS_ONLY = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Sid": "DenyInsecureTransport",
            "Effect": "Deny",
            "Principal": "*",
            "Action": "s3:*",
            "Resource": ["arn:aws:s3:::pp-data", "arn:aws:s3:::pp-data/*"],
            "Condition": {"Bool": {"aws:SecureTransport": "false"}},
        }
    ],
}
TEMPLATE: dict[str, Any] = {
    "Resources": {
        "Key": {
            "Type": "AWS::KMS::Key",
            "Properties": {"KeyPolicy": {"Version": "2012-10-17", "Statement": []}},
        },
        "Logs": {
            "Type": "AWS::S3::Bucket",
            "Properties": {
                "BucketName": "pp-logs",
                "LifecycleConfiguration": {
                    "Rules": [{"Id": "expire", "Status": "Enabled", "ExpirationInDays": 90}]
                },
            },
        },
        "Data": {
            "Type": "AWS::S3::Bucket",
            "Properties": {
                "BucketName": "pp-data",
                "VersioningConfiguration": {"Status": "Enabled"},
                "PublicAccessBlockConfiguration": BLOCK_ALL,
                "BucketEncryption": {
                    "ServerSideEncryptionConfiguration": [
                        {
                            "ServerSideEncryptionByDefault": {
                                "SSEAlgorithm": "aws:kms",
                                "KMSMasterKeyID": {"Ref": "Key"},
                            },
                            "BucketKeyEnabled": True,
                        }
                    ]
                },
                "LoggingConfiguration": {
                    "DestinationBucketName": {"Ref": "Logs"},
                    "LogFilePrefix": "data/",
                },
                "OwnershipControls": {"Rules": [{"ObjectOwnership": "BucketOwnerEnforced"}]},
                "LifecycleConfiguration": {
                    "Rules": [
                        {
                            "Id": "old-versions",
                            "Status": "Enabled",
                            "NoncurrentVersionExpiration": {"NoncurrentDays": 30},
                            "AbortIncompleteMultipartUpload": {"DaysAfterInitiation": 7},
                        }
                    ]
                },
            },
        },
        "DataPolicy": {
            "Type": "AWS::S3::BucketPolicy",
            "Properties": {"Bucket": {"Ref": "Data"}, "PolicyDocument": TLS_ONLY},
        },
    },
    "Outputs": {"Policy": {"Value": {"Ref": "DataPolicy"}}},
}


def test_bucket_settings_and_policy_are_applied(aws: boto3.Session) -> None:
    cfn, s3 = aws.client("cloudformation"), aws.client("s3")
    cfn.create_stack(StackName="s", TemplateBody=json.dumps(TEMPLATE))

    assert s3.get_bucket_versioning(Bucket="pp-data")["Status"] == "Enabled"
    assert (
        s3.get_public_access_block(Bucket="pp-data")["PublicAccessBlockConfiguration"] == BLOCK_ALL
    )
    rule = s3.get_bucket_encryption(Bucket="pp-data")["ServerSideEncryptionConfiguration"]["Rules"][
        0
    ]
    assert rule["ApplyServerSideEncryptionByDefault"]["SSEAlgorithm"] == "aws:kms"
    assert rule["BucketKeyEnabled"] is True
    assert s3.get_bucket_logging(Bucket="pp-data")["LoggingEnabled"] == {
        "TargetBucket": "pp-logs",
        "TargetPrefix": "data/",
    }
    assert s3.get_bucket_ownership_controls(Bucket="pp-data")["OwnershipControls"]["Rules"] == [
        {"ObjectOwnership": "BucketOwnerEnforced"}
    ]
    data_rule = s3.get_bucket_lifecycle_configuration(Bucket="pp-data")["Rules"][0]
    assert data_rule["NoncurrentVersionExpiration"]["NoncurrentDays"] == 30
    assert data_rule["AbortIncompleteMultipartUpload"]["DaysAfterInitiation"] == 7
    assert (
        s3.get_bucket_lifecycle_configuration(Bucket="pp-logs")["Rules"][0]["Expiration"]["Days"]
        == 90
    )
    assert json.loads(s3.get_bucket_policy(Bucket="pp-data")["Policy"]) == TLS_ONLY
    outputs = cfn.describe_stacks(StackName="s")["Stacks"][0]["Outputs"]
    assert outputs == [{"OutputKey": "Policy", "OutputValue": "pp-data"}]


def test_update_suspends_versioning_unblocks_and_changes_the_policy(aws: boto3.Session) -> None:
    cfn, s3 = aws.client("cloudformation"), aws.client("s3")
    cfn.create_stack(StackName="s", TemplateBody=json.dumps(TEMPLATE))
    template = copy.deepcopy(TEMPLATE)
    data = template["Resources"]["Data"]["Properties"]
    del data["VersioningConfiguration"], data["PublicAccessBlockConfiguration"]
    template["Resources"]["DataPolicy"]["Properties"]["PolicyDocument"]["Statement"][0]["Sid"] = (
        "TlsOnly"
    )

    cfn.update_stack(StackName="s", TemplateBody=json.dumps(template))

    assert s3.get_bucket_versioning(Bucket="pp-data")["Status"] == "Suspended"
    with pytest.raises(ClientError, match="NoSuchPublicAccessBlockConfiguration"):
        s3.get_public_access_block(Bucket="pp-data")
    assert (
        json.loads(s3.get_bucket_policy(Bucket="pp-data")["Policy"])["Statement"][0]["Sid"]
        == "TlsOnly"
    )


def test_logging_to_a_missing_bucket_fails_naming_it(
    assert_create_fails: Callable[[str, str], None],
) -> None:
    template = {
        "Resources": {
            "Data": {
                "Type": "AWS::S3::Bucket",
                "Properties": {
                    "BucketName": "pp-data",
                    "LoggingConfiguration": {"DestinationBucketName": "nowhere"},
                },
            }
        }
    }

    assert_create_fails(json.dumps(template), "'nowhere', which does not exist")


def test_delete_stack_removes_buckets_and_policy(aws: boto3.Session) -> None:
    cfn, s3 = aws.client("cloudformation"), aws.client("s3")
    cfn.create_stack(StackName="s", TemplateBody=json.dumps(TEMPLATE))

    cfn.delete_stack(StackName="s")

    assert s3.list_buckets()["Buckets"] == []


def test_a_retained_bucket_outlives_the_stack_but_loses_its_policy(aws: boto3.Session) -> None:
    cfn, s3 = aws.client("cloudformation"), aws.client("s3")
    template = copy.deepcopy(TEMPLATE)
    template["Resources"]["Data"]["DeletionPolicy"] = "Retain"
    cfn.create_stack(StackName="s", TemplateBody=json.dumps(template))

    cfn.delete_stack(StackName="s")

    assert [b["Name"] for b in s3.list_buckets()["Buckets"]] == ["pp-data"]
    with pytest.raises(ClientError, match="NoSuchBucketPolicy"):
        s3.get_bucket_policy(Bucket="pp-data")
