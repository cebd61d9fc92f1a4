"""The shared stack, deployed from the repository's own template in-process: every resource
is drift-checked and IN_SYNC as deployed, and changes behind CloudFormation's back are
exactly the differences found."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import boto3
import pytest

REGION = "us-east-1"
TEMPLATE = Path(__file__).resolve().parents[3] / "shared-infrastructure" / "template.yaml"
pytestmark = pytest.mark.skipif(
    shutil.which("redis-server") is None,
    reason="redis-server is not installed (.ci/run installs it; apt-get install redis-server)",
)


@pytest.fixture
def shared(cfn: Any) -> str:
    # Over CreateChangeSet's 51,200-byte TemplateBody limit: through S3, as the engine does.
    s3 = boto3.client("s3", region_name=REGION)
    s3.create_bucket(Bucket="templates")
    s3.put_object(Bucket="templates", Key="shared.yaml", Body=TEMPLATE.read_bytes())
    secret = boto3.client("secretsmanager", region_name=REGION).create_secret(
        Name="jwt", SecretString="j" * 40
    )["ARN"]
    zone = boto3.client("route53", region_name=REGION).create_hosted_zone(
        Name="purposepath.app", CallerReference="shared"
    )["HostedZone"]["Id"]
    parameters = {
        "Stage": "dev",
        "JwtSecretArn": secret,
        "HostedZoneId": zone.split("/")[-1],  # the certificate, domain and DNS records too
        "AlarmEmail": "ops@purposepath.app",
    }
    cfn.create_change_set(
        StackName="shared",
        ChangeSetName="create",
        TemplateURL="https://templates.s3.amazonaws.com/shared.yaml",
        ChangeSetType="CREATE",
        Parameters=[{"ParameterKey": k, "ParameterValue": v} for k, v in parameters.items()],
        Capabilities=["CAPABILITY_IAM", "CAPABILITY_NAMED_IAM", "CAPABILITY_AUTO_EXPAND"],
    )
    cfn.execute_change_set(StackName="shared", ChangeSetName="create")
    status = cfn.describe_stacks(StackName="shared")["Stacks"][0]["StackStatus"]
    assert status == "CREATE_COMPLETE", status
    return "shared"


def _detect(cfn: Any, stack: str) -> tuple[dict[str, Any], dict[str, dict[str, Any]]]:
    detection = cfn.detect_stack_drift(StackName=stack)["StackDriftDetectionId"]
    status = cfn.describe_stack_drift_detection_status(StackDriftDetectionId=detection)
    drifts: dict[str, dict[str, Any]] = {}
    token: dict[str, str] = {}
    while True:  # pages of at most 100 (DescribeStackResourceDrifts, MaxResults)
        page = cfn.describe_stack_resource_drifts(StackName=stack, **token)
        drifts.update({d["LogicalResourceId"]: d for d in page["StackResourceDrifts"]})
        if not page.get("NextToken"):
            return status, drifts
        token = {"NextToken": page["NextToken"]}


def test_the_shared_stack_as_deployed_is_checked_and_in_sync(cfn: Any, shared: str) -> None:
    status, drifts = _detect(cfn, shared)
    resources = cfn.describe_stack_resources(StackName=shared)["StackResources"]

    assert {d["StackResourceDriftStatus"] for d in drifts.values()} == {"IN_SYNC"}, {
        lid: d.get("PropertyDifferences") or d.get("DriftStatusReason")
        for lid, d in drifts.items()
        if d["StackResourceDriftStatus"] != "IN_SYNC"
    }
    assert set(drifts) == {r["LogicalResourceId"] for r in resources}
    assert status["DetectionStatus"] == "DETECTION_COMPLETE"


def test_changes_to_the_shared_stack_are_exactly_the_differences(cfn: Any, shared: str) -> None:
    ids = {
        r["LogicalResourceId"]: r["PhysicalResourceId"]
        for r in cfn.describe_stack_resources(StackName=shared)["StackResources"]
    }
    boto3.client("elasticache", region_name=REGION).modify_replication_group(
        ReplicationGroupId=ids["RedisReplicationGroup"],
        SnapshotRetentionLimit=5,
        ApplyImmediately=True,
    )
    boto3.client("sns", region_name=REGION).set_topic_attributes(
        TopicArn=ids["AccountEventsTopic"],
        AttributeName="Policy",
        AttributeValue='{"Version": "2012-10-17", "Statement": []}',
    )

    status, drifts = _detect(cfn, shared)

    changed = {
        lid: {p["PropertyPath"] for p in d["PropertyDifferences"]}
        for lid, d in drifts.items()
        if d["StackResourceDriftStatus"] != "IN_SYNC"
    }
    assert changed == {
        "RedisReplicationGroup": {"/SnapshotRetentionLimit"},
        "AccountEventsTopicPolicy": {"/PolicyDocument/Statement/0"},
    }
    assert status["StackDriftStatus"] == "DRIFTED"
